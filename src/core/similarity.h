// The zero-shot decision in numbers: L2 normalisation, cosine similarity, logits = s / tau,
// and a softmax that hands back every intermediate so the page can show its working.
// Inputs are checked: NaN/inf, tau <= 0, mismatched sizes and empty sets throw
// clipx::InvalidInput with a message a reader can act on, never a silent NaN.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace clipx {

class InvalidInput : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Euclidean norm accumulated in float64 (512 float32 squares lose digits otherwise).
double l2_norm(const float* v, std::size_t dim);

// Scales v to unit length in place. Throws on a zero, NaN or infinite vector.
void l2_normalize(float* v, std::size_t dim);
std::vector<float> l2_normalized(const std::vector<float>& v);

// cos(a, b) = a.b / (|a| |b|), float64 accumulation. Both vectors are checked.
double cosine(const float* a, const float* b, std::size_t dim);

// Same, for vectors whose lengths must agree (throws InvalidInput naming both lengths).
double cosine(const std::vector<float>& a, const std::vector<float>& b);

// Row-major [rows_a x rows_b] matrix of cosines between the rows of a and b
// (a: rows_a x dim, b: rows_b x dim). Used for image-vs-labels and label-vs-label.
std::vector<double> cosine_matrix(const float* a, std::size_t rows_a, const float* b,
                                  std::size_t rows_b, std::size_t dim);

// Checked form: a and b hold whole rows of length dim (sizes are validated).
std::vector<double> cosine_matrix(const std::vector<float>& a, const std::vector<float>& b,
                                  std::size_t dim);

// Element-wise products of two unit vectors; their sum is the cosine. For §9 of the page.
struct DotBreakdown {
  std::vector<double> products;
  double sum = 0.0;
};
DotBreakdown dot_breakdown(const float* a, const float* b, std::size_t dim);

// Everything softmax computes on the way, so none of it is hidden from the reader:
// logits_i = s_i / tau, shifted_i = logits_i - max, exps_i = exp(shifted_i),
// probs_i = exps_i / sum.
struct SoftmaxSteps {
  std::vector<double> logits;
  std::vector<double> shifted;
  std::vector<double> exps;
  std::vector<double> probs;
  double max_logit = 0.0;
  double sum = 0.0;
  double tau = 0.0;
};

// Throws InvalidInput for an empty set, a non-finite score, or tau that is not finite
// and positive.
SoftmaxSteps softmax_steps(const double* scores, std::size_t n, double tau);
std::vector<double> logits(const double* scores, std::size_t n, double tau);

// Indices of the k largest values, largest first; ties keep the earlier index first.
std::vector<std::size_t> top_k(const std::vector<double>& values, std::size_t k);

// Shannon entropy in nats of a probability vector (0 log 0 = 0).
double entropy(const std::vector<double>& probs);

// How many times more probable a label is than one scoring `gap` below it at
// temperature tau: exp(gap / tau). The page's "a gap of 0.05 is a factor of Y".
double probability_ratio(double gap, double tau);

// Mean of several embeddings of one label (one per prompt template), renormalised:
// CLIP's prompt ensembling. rows x dim in, dim out.
std::vector<float> average_embeddings(const float* rows, std::size_t count, std::size_t dim);

}  // namespace clipx
