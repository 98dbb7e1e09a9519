// A 2-D picture of a handful of embeddings (the page's "near-synonyms pile together" map):
// principal component analysis, computed on the n×n Gram matrix because the page projects
// few points (tens to hundreds) living in many dimensions (512).
#pragma once

#include <cstddef>
#include <vector>

namespace clipx {

struct Projection2D {
  std::vector<double> xy;          // n rows of (x, y)
  double explained[2] = {0, 0};    // share of the total variance along each axis, 0..1
};

// rows: n x dim, row-major. Throws InvalidInput for n < 2, dim == 0 or non-finite values.
// Deterministic: each axis is oriented so its largest-magnitude coordinate is positive.
Projection2D pca_2d(const float* rows, std::size_t n, std::size_t dim);

}  // namespace clipx
