#include "similarity.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace clipx {
namespace {

void require_finite_vector(const float* v, std::size_t dim, const char* what) {
  if (dim == 0) throw InvalidInput(std::string(what) + " is empty (dimension 0)");
  if (v == nullptr) throw InvalidInput(std::string(what) + " is missing");
  for (std::size_t i = 0; i < dim; ++i) {
    if (!std::isfinite(v[i])) {
      std::ostringstream msg;
      msg << what << " has a non-finite value (" << v[i] << ") at index " << i;
      throw InvalidInput(msg.str());
    }
  }
}

void require_valid_tau(double tau) {
  if (!std::isfinite(tau) || tau <= 0.0) {
    std::ostringstream msg;
    msg << "temperature must be a finite number above 0, got " << tau;
    throw InvalidInput(msg.str());
  }
}

double dot64(const float* a, const float* b, std::size_t dim) {
  // Four partial sums: lets the compiler vectorise without reassociating a single chain.
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    s0 += double(a[i]) * b[i];
    s1 += double(a[i + 1]) * b[i + 1];
    s2 += double(a[i + 2]) * b[i + 2];
    s3 += double(a[i + 3]) * b[i + 3];
  }
  for (; i < dim; ++i) s0 += double(a[i]) * b[i];
  return (s0 + s1) + (s2 + s3);
}

double checked_norm(const float* v, std::size_t dim, const char* what) {
  require_finite_vector(v, dim, what);
  const double norm = std::sqrt(dot64(v, v, dim));
  if (!(norm > 0.0) || !std::isfinite(norm)) {
    throw InvalidInput(std::string(what) + " has zero length, so it has no direction");
  }
  return norm;
}

}  // namespace

double l2_norm(const float* v, std::size_t dim) {
  require_finite_vector(v, dim, "vector");
  return std::sqrt(dot64(v, v, dim));
}

void l2_normalize(float* v, std::size_t dim) {
  const double norm = checked_norm(v, dim, "vector");
  for (std::size_t i = 0; i < dim; ++i) v[i] = static_cast<float>(v[i] / norm);
}

std::vector<float> l2_normalized(const std::vector<float>& v) {
  std::vector<float> out = v;
  l2_normalize(out.data(), out.size());
  return out;
}

double cosine(const float* a, const float* b, std::size_t dim) {
  const double na = checked_norm(a, dim, "first vector");
  const double nb = checked_norm(b, dim, "second vector");
  return dot64(a, b, dim) / (na * nb);
}

std::vector<double> cosine_matrix(const float* a, std::size_t rows_a, const float* b,
                                  std::size_t rows_b, std::size_t dim) {
  if (rows_a == 0 || rows_b == 0) throw InvalidInput("cosine matrix needs at least one row on each side");
  if (dim == 0) throw InvalidInput("cosine matrix: vectors have dimension 0");
  std::vector<double> inv_a(rows_a), inv_b(rows_b);
  for (std::size_t i = 0; i < rows_a; ++i) inv_a[i] = 1.0 / checked_norm(a + i * dim, dim, "a row of the first set");
  for (std::size_t j = 0; j < rows_b; ++j) inv_b[j] = 1.0 / checked_norm(b + j * dim, dim, "a row of the second set");
  std::vector<double> out(rows_a * rows_b);
  for (std::size_t i = 0; i < rows_a; ++i) {
    for (std::size_t j = 0; j < rows_b; ++j) {
      out[i * rows_b + j] = dot64(a + i * dim, b + j * dim, dim) * inv_a[i] * inv_b[j];
    }
  }
  return out;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) {
    std::ostringstream msg;
    msg << "vectors have different dimensions (" << a.size() << " and " << b.size() << ")";
    throw InvalidInput(msg.str());
  }
  return cosine(a.data(), b.data(), a.size());
}

std::vector<double> cosine_matrix(const std::vector<float>& a, const std::vector<float>& b,
                                  std::size_t dim) {
  if (dim == 0) throw InvalidInput("cosine matrix: vectors have dimension 0");
  if (a.size() % dim != 0 || b.size() % dim != 0) {
    std::ostringstream msg;
    msg << "cosine matrix: " << a.size() << " and " << b.size()
        << " values do not split into whole vectors of dimension " << dim;
    throw InvalidInput(msg.str());
  }
  return cosine_matrix(a.data(), a.size() / dim, b.data(), b.size() / dim, dim);
}

DotBreakdown dot_breakdown(const float* a, const float* b, std::size_t dim) {
  require_finite_vector(a, dim, "first vector");
  require_finite_vector(b, dim, "second vector");
  DotBreakdown out;
  out.products.resize(dim);
  for (std::size_t i = 0; i < dim; ++i) out.products[i] = double(a[i]) * b[i];
  out.sum = dot64(a, b, dim);
  return out;
}

std::vector<double> logits(const double* scores, std::size_t n, double tau) {
  require_valid_tau(tau);
  if (n == 0) throw InvalidInput("there are no labels to compare (the label set is empty)");
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(scores[i])) {
      std::ostringstream msg;
      msg << "similarity " << i << " is not a finite number (" << scores[i] << ")";
      throw InvalidInput(msg.str());
    }
    out[i] = scores[i] / tau;
  }
  return out;
}

SoftmaxSteps softmax_steps(const double* scores, std::size_t n, double tau) {
  SoftmaxSteps s;
  s.tau = tau;
  s.logits = logits(scores, n, tau);
  s.max_logit = *std::max_element(s.logits.begin(), s.logits.end());
  s.shifted.resize(n);
  s.exps.resize(n);
  s.probs.resize(n);
  // Subtracting the max keeps every exponent <= 0: no overflow even at tau = 1e-4, and the
  // largest term is exactly 1 so the sum is never 0.
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    s.shifted[i] = s.logits[i] - s.max_logit;
    s.exps[i] = std::exp(s.shifted[i]);
    sum += s.exps[i];
  }
  s.sum = sum;
  for (std::size_t i = 0; i < n; ++i) s.probs[i] = s.exps[i] / sum;
  return s;
}

std::vector<std::size_t> top_k(const std::vector<double>& values, std::size_t k) {
  std::vector<std::size_t> idx(values.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  k = std::min(k, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                    [&](std::size_t x, std::size_t y) {
                      return values[x] > values[y] || (values[x] == values[y] && x < y);
                    });
  idx.resize(k);
  return idx;
}

double entropy(const std::vector<double>& probs) {
  if (probs.empty()) throw InvalidInput("entropy of an empty distribution is undefined");
  double h = 0.0;
  for (double p : probs) {
    if (!std::isfinite(p) || p < 0.0) throw InvalidInput("entropy: probabilities must be finite and non-negative");
    if (p > 0.0) h -= p * std::log(p);
  }
  return h;
}

double probability_ratio(double gap, double tau) {
  require_valid_tau(tau);
  if (!std::isfinite(gap)) throw InvalidInput("similarity gap must be a finite number");
  return std::exp(gap / tau);
}

std::vector<float> average_embeddings(const float* rows, std::size_t count, std::size_t dim) {
  if (count == 0) throw InvalidInput("no embeddings to average (no templates selected)");
  std::vector<double> acc(dim, 0.0);
  for (std::size_t r = 0; r < count; ++r) {
    const float* row = rows + r * dim;
    const double inv = 1.0 / checked_norm(row, dim, "a template embedding");
    for (std::size_t i = 0; i < dim; ++i) acc[i] += row[i] * inv;
  }
  std::vector<float> out(dim);
  for (std::size_t i = 0; i < dim; ++i) out[i] = static_cast<float>(acc[i] / double(count));
  l2_normalize(out.data(), dim);
  return out;
}

}  // namespace clipx
