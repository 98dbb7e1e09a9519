// The similarity core against an independent float64 reference. The references below use
// other formulations of softmax (log-sum-exp around the mean, and the pairwise form
// p_i = 1 / sum_j exp((s_j - s_i) / tau)), in long double, so a mistake in the core's
// max-shift cannot hide in both.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "similarity.h"

namespace {

// O(n): log-sum-exp pivoted on the mean (not the max), long double throughout.
std::vector<long double> reference_softmax(const std::vector<double>& s, double tau) {
  long double mean = 0.0L;
  for (double x : s) mean += x;
  mean /= s.size();
  long double top = -INFINITY;
  for (double x : s) top = std::max(top, (x - mean) / tau);
  long double acc = 0.0L;
  for (double x : s) acc += std::exp((x - mean) / tau - top);
  const long double log_z = top + std::log(acc);
  std::vector<long double> p(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = std::exp((s[i] - mean) / tau - log_z);
  return p;
}

// O(n^2) pairwise form, for the small sets.
std::vector<long double> pairwise_softmax(const std::vector<double>& s, double tau) {
  std::vector<long double> p(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    long double denom = 0.0L;
    for (double sj : s) denom += std::exp((static_cast<long double>(sj) - s[i]) / tau);
    p[i] = 1.0L / denom;
  }
  return p;
}

std::vector<double> random_scores(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-0.2, 0.45);  // the range CLIP cosines live in
  std::vector<double> s(n);
  for (auto& x : s) x = dist(rng);
  return s;
}

std::vector<float> random_vector(std::size_t dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(dim);
  for (auto& x : v) x = dist(rng);
  return v;
}

void require_close_to_reference(const std::vector<double>& scores, double tau) {
  const auto steps = clipx::softmax_steps(scores.data(), scores.size(), tau);
  const auto ref = reference_softmax(scores, tau);
  const auto pairwise = pairwise_softmax(scores, tau);
  double total = 0.0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    INFO("tau=" << tau << " i=" << i << " p=" << steps.probs[i] << " ref=" << double(ref[i]));
    REQUIRE(std::isfinite(steps.probs[i]));
    REQUIRE(std::abs(steps.probs[i] - double(ref[i])) <= 1e-12 + 1e-9 * double(ref[i]));
    REQUIRE(std::abs(steps.probs[i] - double(pairwise[i])) <= 1e-12 + 1e-9 * double(ref[i]));
    total += steps.probs[i];
  }
  REQUIRE(total == Approx(1.0).epsilon(1e-12));
}

}  // namespace

TEST_CASE("softmax matches the float64 reference for tau from 1e-4 to 10", "[similarity]") {
  const auto scores = random_scores(24, 7);
  for (double tau : {1e-4, 3e-4, 1e-3, 0.01, 0.03, 0.1, 0.5, 1.0, 3.0, 10.0}) {
    require_close_to_reference(scores, tau);
  }
}

TEST_CASE("softmax exposes its intermediates consistently", "[similarity]") {
  const std::vector<double> s = {0.31, 0.26, 0.18};
  const auto steps = clipx::softmax_steps(s.data(), s.size(), 0.01);
  REQUIRE(steps.tau == 0.01);
  REQUIRE(steps.max_logit == Approx(31.0));
  for (std::size_t i = 0; i < s.size(); ++i) {
    REQUIRE(steps.logits[i] == Approx(s[i] / 0.01));
    REQUIRE(steps.shifted[i] == Approx(steps.logits[i] - steps.max_logit));
    REQUIRE(steps.shifted[i] <= 0.0);
    REQUIRE(steps.exps[i] == Approx(std::exp(steps.shifted[i])));
    REQUIRE(steps.probs[i] == Approx(steps.exps[i] / steps.sum));
  }
  REQUIRE(steps.exps[0] == 1.0);  // the top label's shifted logit is exactly 0
  // A gap of 0.05 at tau 0.01 is a factor e^5, not 5.
  REQUIRE(steps.probs[0] / steps.probs[1] == Approx(std::exp(5.0)).epsilon(1e-9));
}

TEST_CASE("equal scores give a uniform distribution at every temperature", "[similarity]") {
  const std::vector<double> s(5, 0.27);
  for (double tau : {1e-4, 0.01, 10.0}) {
    const auto steps = clipx::softmax_steps(s.data(), s.size(), tau);
    for (double p : steps.probs) REQUIRE(p == Approx(0.2).epsilon(1e-15));
    REQUIRE(clipx::entropy(steps.probs) == Approx(std::log(5.0)));
  }
}

TEST_CASE("a single label always gets probability 1", "[similarity]") {
  const std::vector<double> s = {-0.9};
  for (double tau : {1e-4, 1.0}) {
    const auto steps = clipx::softmax_steps(s.data(), 1, tau);
    REQUIRE(steps.probs[0] == 1.0);
    REQUIRE(clipx::entropy(steps.probs) == 0.0);
  }
}

TEST_CASE("10,000 labels stay normalised and match the reference", "[similarity]") {
  const auto scores = random_scores(10000, 11);
  for (double tau : {1e-4, 0.01, 1.0, 10.0}) {
    const auto steps = clipx::softmax_steps(scores.data(), scores.size(), tau);
    double total = 0.0;
    for (double p : steps.probs) total += p;
    REQUIRE(total == Approx(1.0).epsilon(1e-12));
    const auto ref = reference_softmax(scores, tau);
    for (std::size_t i = 0; i < scores.size(); ++i) {
      INFO("tau=" << tau << " i=" << i);
      REQUIRE(std::abs(steps.probs[i] - double(ref[i])) <= 1e-15 + 1e-9 * double(ref[i]));
    }
  }
}

TEST_CASE("extreme temperatures neither overflow nor produce NaN", "[similarity]") {
  const std::vector<double> s = {1.0, -1.0, 0.999};
  const auto cold = clipx::softmax_steps(s.data(), s.size(), 1e-4);
  REQUIRE(cold.probs[0] == Approx(1.0 / (1.0 + std::exp(-10.0))));  // 0.001 gap / 1e-4 = 10
  REQUIRE(cold.probs[1] == 0.0);  // underflows to exactly 0, which is the right answer
  const auto hot = clipx::softmax_steps(s.data(), s.size(), 10.0);
  REQUIRE(hot.probs[1] > 0.25);
}

TEST_CASE("softmax rejects bad input with a clear message", "[similarity]") {
  const std::vector<double> ok = {0.1, 0.2};
  REQUIRE_THROWS_WITH(clipx::softmax_steps(ok.data(), ok.size(), 0.0),
                      Catch::Contains("temperature must be a finite number above 0"));
  REQUIRE_THROWS_WITH(clipx::softmax_steps(ok.data(), ok.size(), -0.01),
                      Catch::Contains("temperature"));
  REQUIRE_THROWS_AS(clipx::softmax_steps(ok.data(), ok.size(), std::nan("")), clipx::InvalidInput);
  REQUIRE_THROWS_AS(clipx::softmax_steps(ok.data(), ok.size(), INFINITY), clipx::InvalidInput);
  REQUIRE_THROWS_WITH(clipx::softmax_steps(ok.data(), 0, 0.01), Catch::Contains("label set is empty"));
  const std::vector<double> bad = {0.1, std::nan("")};
  REQUIRE_THROWS_WITH(clipx::softmax_steps(bad.data(), bad.size(), 0.01),
                      Catch::Contains("similarity 1 is not a finite number"));
  const std::vector<double> inf = {INFINITY, 0.0};
  REQUIRE_THROWS_AS(clipx::softmax_steps(inf.data(), inf.size(), 0.01), clipx::InvalidInput);
}

TEST_CASE("l2 normalisation gives unit vectors and rejects degenerate ones", "[similarity]") {
  auto v = random_vector(512, 3);
  clipx::l2_normalize(v.data(), v.size());
  REQUIRE(clipx::l2_norm(v.data(), v.size()) == Approx(1.0).epsilon(1e-6));
  std::vector<float> zero(512, 0.0f);
  REQUIRE_THROWS_WITH(clipx::l2_normalize(zero.data(), zero.size()), Catch::Contains("zero length"));
  auto with_nan = random_vector(512, 4);
  with_nan[100] = std::numeric_limits<float>::quiet_NaN();
  REQUIRE_THROWS_WITH(clipx::l2_normalize(with_nan.data(), with_nan.size()),
                      Catch::Contains("non-finite value") && Catch::Contains("index 100"));
  auto with_inf = random_vector(512, 5);
  with_inf[0] = std::numeric_limits<float>::infinity();
  REQUIRE_THROWS_AS(clipx::l2_normalize(with_inf.data(), with_inf.size()), clipx::InvalidInput);
}

TEST_CASE("cosine equals the float64 dot product of the normalised vectors", "[similarity]") {
  const auto a = random_vector(512, 21), b = random_vector(512, 22);
  long double dot = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < 512; ++i) {
    dot += (long double)a[i] * b[i];
    na += (long double)a[i] * a[i];
    nb += (long double)b[i] * b[i];
  }
  const double ref = double(dot / std::sqrt(na * nb));
  REQUIRE(clipx::cosine(a, b) == Approx(ref).epsilon(1e-12));
  REQUIRE(clipx::cosine(a, a) == Approx(1.0).epsilon(1e-12));
  auto neg = a;
  for (auto& x : neg) x = -x;
  REQUIRE(clipx::cosine(a, neg) == Approx(-1.0).epsilon(1e-12));
  // The element-wise products of unit vectors sum to the cosine (the page's §9).
  const auto ua = clipx::l2_normalized(a), ub = clipx::l2_normalized(b);
  const auto br = clipx::dot_breakdown(ua.data(), ub.data(), 512);
  double sum = 0;
  for (double p : br.products) sum += p;
  REQUIRE(sum == Approx(ref).epsilon(1e-6));
  REQUIRE(br.sum == Approx(ref).epsilon(1e-6));
}

TEST_CASE("cosine matrix and mismatched dimensions", "[similarity]") {
  const auto img = random_vector(8, 1);
  std::vector<float> labels;
  for (unsigned k = 0; k < 3; ++k) {
    const auto v = random_vector(8, 100 + k);
    labels.insert(labels.end(), v.begin(), v.end());
  }
  const auto m = clipx::cosine_matrix(img, labels, 8);
  REQUIRE(m.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    const std::vector<float> row(labels.begin() + k * 8, labels.begin() + (k + 1) * 8);
    REQUIRE(m[k] == Approx(clipx::cosine(img, row)));
  }
  REQUIRE_THROWS_WITH(clipx::cosine(random_vector(8, 1), random_vector(9, 1)),
                      Catch::Contains("different dimensions (8 and 9)"));
  REQUIRE_THROWS_WITH(clipx::cosine_matrix(img, std::vector<float>(10, 1.0f), 8),
                      Catch::Contains("whole vectors of dimension 8"));
  REQUIRE_THROWS_AS(clipx::cosine_matrix(img, std::vector<float>{}, 8), clipx::InvalidInput);
}

TEST_CASE("top-k orders by value and keeps ties stable", "[similarity]") {
  const std::vector<double> v = {0.1, 0.7, 0.2, 0.7, 0.05};
  const auto t = clipx::top_k(v, 3);
  REQUIRE(t == std::vector<std::size_t>{1, 3, 2});
  REQUIRE(clipx::top_k(v, 99).size() == 5);
}

TEST_CASE("probability ratio of a similarity gap is exp(gap / tau)", "[similarity]") {
  REQUIRE(clipx::probability_ratio(0.05, 0.01) == Approx(148.4131591));
  REQUIRE(clipx::probability_ratio(0.05, 1.0) == Approx(1.0512710964));
  REQUIRE_THROWS_AS(clipx::probability_ratio(0.05, 0.0), clipx::InvalidInput);
}

TEST_CASE("template averaging renormalises the mean of unit vectors", "[similarity]") {
  std::vector<float> rows = {3, 0, 0, 0, 2, 0};  // two templates, dim 3
  const auto avg = clipx::average_embeddings(rows.data(), 2, 3);
  REQUIRE(avg[0] == Approx(std::sqrt(0.5)));
  REQUIRE(avg[1] == Approx(std::sqrt(0.5)));
  REQUIRE(avg[2] == Approx(0.0));
  REQUIRE_THROWS_WITH(clipx::average_embeddings(rows.data(), 0, 3), Catch::Contains("no templates"));
}
