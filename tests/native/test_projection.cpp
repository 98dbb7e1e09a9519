// The 2-D map of embeddings: PCA via the Gram matrix, checked on data whose answer is known.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "projection.h"
#include "similarity.h"

namespace {

// n points with given 2-D coordinates, embedded in `dim` dimensions by a random rotation.
std::vector<float> embed_plane(const std::vector<std::pair<double, double>>& pts, std::size_t dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> nd(0, 1);
  std::vector<double> u(dim), v(dim);
  for (auto& x : u) x = nd(rng);
  for (auto& x : v) x = nd(rng);
  auto normalize = [](std::vector<double>& w) { double s = 0; for (double x : w) s += x * x; s = std::sqrt(s); for (double& x : w) x /= s; };
  normalize(u);
  double d = 0;
  for (std::size_t i = 0; i < dim; ++i) d += u[i] * v[i];
  for (std::size_t i = 0; i < dim; ++i) v[i] -= d * u[i];
  normalize(v);
  std::vector<float> rows;
  for (auto [x, y] : pts)
    for (std::size_t i = 0; i < dim; ++i) rows.push_back(float(3.0 + x * u[i] + y * v[i]));
  return rows;
}

double dist(const std::vector<double>& xy, std::size_t a, std::size_t b) {
  return std::hypot(xy[a * 2] - xy[b * 2], xy[a * 2 + 1] - xy[b * 2 + 1]);
}

}  // namespace

TEST_CASE("PCA recovers a plane hidden in 512 dimensions, distances intact", "[projection]") {
  const std::vector<std::pair<double, double>> pts = {{0, 0}, {4, 0}, {0, 1}, {4, 1}, {2, 0.5}, {-3, 0.2}};
  const auto rows = embed_plane(pts, 512, 5);
  const auto p = clipx::pca_2d(rows.data(), pts.size(), 512);
  for (std::size_t a = 0; a < pts.size(); ++a)
    for (std::size_t b = 0; b < pts.size(); ++b) {
      const double want = std::hypot(pts[a].first - pts[b].first, pts[a].second - pts[b].second);
      REQUIRE(dist(p.xy, a, b) == Approx(want).margin(1e-4));
    }
  REQUIRE(p.explained[0] + p.explained[1] == Approx(1.0).margin(1e-9));
  REQUIRE(p.explained[0] > p.explained[1]);  // the long direction (x spread 7) comes first
}

TEST_CASE("PCA of points on a line puts all variance on the first axis", "[projection]") {
  const auto rows = embed_plane({{0, 0}, {1, 0}, {2, 0}, {5, 0}}, 64, 9);
  const auto p = clipx::pca_2d(rows.data(), 4, 64);
  REQUIRE(p.explained[0] == Approx(1.0).margin(1e-6));
  for (std::size_t i = 0; i < 4; ++i) REQUIRE(std::abs(p.xy[i * 2 + 1]) < 1e-3);
}

TEST_CASE("PCA is deterministic and orients its axes", "[projection]") {
  const auto rows = embed_plane({{1, 2}, {-3, 0.5}, {2, -1}, {0, 0}}, 32, 2);
  const auto a = clipx::pca_2d(rows.data(), 4, 32);
  const auto b = clipx::pca_2d(rows.data(), 4, 32);
  REQUIRE(a.xy == b.xy);
  for (int axis = 0; axis < 2; ++axis) {
    double biggest = 0;
    for (std::size_t i = 0; i < 4; ++i)
      if (std::abs(a.xy[i * 2 + axis]) > std::abs(biggest)) biggest = a.xy[i * 2 + axis];
    REQUIRE(biggest > 0);
  }
}

TEST_CASE("PCA rejects too few points and non-finite values", "[projection]") {
  std::vector<float> one(8, 1.0f);
  REQUIRE_THROWS_WITH(clipx::pca_2d(one.data(), 1, 8), Catch::Contains("at least two vectors"));
  std::vector<float> bad(16, 1.0f);
  bad[11] = NAN;
  REQUIRE_THROWS_WITH(clipx::pca_2d(bad.data(), 2, 8), Catch::Contains("vector 1 has a non-finite value at index 3"));
  std::vector<float> same(16, 0.5f);
  const auto p = clipx::pca_2d(same.data(), 2, 8);  // identical points: all at the origin
  REQUIRE(p.xy == std::vector<double>(4, 0.0));
}
