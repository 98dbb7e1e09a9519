#include "projection.h"

#include <cmath>
#include <string>

#include "similarity.h"

namespace clipx {
namespace {

// Largest eigenpair of a symmetric positive semi-definite n×n matrix by power iteration.
// Starting from a fixed, non-symmetric vector keeps it deterministic.
double top_eigen(const std::vector<double>& m, std::size_t n, std::vector<double>& vec) {
  vec.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) vec[i] = 1.0 + 0.01 * double(i % 7) + 0.001 * double(i);
  double lambda = 0.0;
  std::vector<double> next(n);
  for (int iter = 0; iter < 1000; ++iter) {
    for (std::size_t i = 0; i < n; ++i) {
      double s = 0.0;
      for (std::size_t j = 0; j < n; ++j) s += m[i * n + j] * vec[j];
      next[i] = s;
    }
    double norm = 0.0;
    for (double x : next) norm += x * x;
    norm = std::sqrt(norm);
    if (norm == 0.0) return 0.0;  // the matrix is zero on what is left
    double change = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = next[i] / norm;
      change += std::abs(v - vec[i]);
      vec[i] = v;
    }
    lambda = norm;
    if (change < 1e-12 * double(n)) break;
  }
  return lambda;
}

}  // namespace

Projection2D pca_2d(const float* rows, std::size_t n, std::size_t dim) {
  if (n < 2) throw InvalidInput("a 2-D projection needs at least two vectors");
  if (dim == 0) throw InvalidInput("a 2-D projection needs vectors of dimension above 0");
  for (std::size_t k = 0; k < n * dim; ++k) {
    if (!std::isfinite(rows[k])) {
      throw InvalidInput("vector " + std::to_string(k / dim) + " has a non-finite value at index " +
                         std::to_string(k % dim));
    }
  }
  // Centre the rows, then G = X Xᵀ: its eigenvectors scaled by sqrt(eigenvalue) are the
  // principal-component coordinates of the rows.
  std::vector<double> mean(dim, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t d = 0; d < dim; ++d) mean[d] += rows[i * dim + d];
  for (double& m : mean) m /= double(n);
  std::vector<double> g(n * n, 0.0);
  double trace = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i; j < n; ++j) {
      double s = 0.0;
      for (std::size_t d = 0; d < dim; ++d) s += (rows[i * dim + d] - mean[d]) * (rows[j * dim + d] - mean[d]);
      g[i * n + j] = g[j * n + i] = s;
    }
    trace += g[i * n + i];
  }
  Projection2D out;
  out.xy.assign(n * 2, 0.0);
  if (trace <= 0.0) return out;  // every vector is the same point
  std::vector<double> vec;
  for (int axis = 0; axis < 2; ++axis) {
    const double lambda = top_eigen(g, n, vec);
    if (lambda <= trace * 1e-14) break;
    std::size_t biggest = 0;
    for (std::size_t i = 1; i < n; ++i)
      if (std::abs(vec[i]) > std::abs(vec[biggest])) biggest = i;
    const double sign = vec[biggest] < 0 ? -1.0 : 1.0;
    const double scale = std::sqrt(lambda) * sign;
    for (std::size_t i = 0; i < n; ++i) out.xy[i * 2 + axis] = vec[i] * scale;
    out.explained[axis] = lambda / trace;
    // Deflate: remove this component before looking for the next.
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) g[i * n + j] -= lambda * vec[i] * vec[j];
  }
  return out;
}

}  // namespace clipx
