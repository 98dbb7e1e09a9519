// embind face of src/core/similarity.h. Every function returns a plain object whose
// `error` field is "" on success or a sentence saying what was wrong with the input.
#include <emscripten/bind.h>

#include "js_interop.h"
#include "projection.h"
#include "similarity.h"

namespace {

using clipx_js::guarded;
using clipx_js::to_float32_array;
using clipx_js::to_float64_array;
using clipx_js::to_vector;
using emscripten::val;

val softmax(val scores, double tau) {
  return guarded([&] {
    const auto s = to_vector<double>(scores);
    const auto steps = clipx::softmax_steps(s.data(), s.size(), tau);
    val out = clipx_js::ok_result();
    out.set("logits", to_float64_array(steps.logits));
    out.set("shifted", to_float64_array(steps.shifted));
    out.set("exps", to_float64_array(steps.exps));
    out.set("probs", to_float64_array(steps.probs));
    out.set("maxLogit", steps.max_logit);
    out.set("sum", steps.sum);
    out.set("tau", steps.tau);
    out.set("entropy", clipx::entropy(steps.probs));
    return out;
  });
}

val l2_normalize(val vector) {
  return guarded([&] {
    auto v = to_vector<float>(vector);
    const double norm = clipx::l2_norm(v.data(), v.size());
    clipx::l2_normalize(v.data(), v.size());
    val out = clipx_js::ok_result();
    out.set("vector", to_float32_array(v));
    out.set("norm", norm);
    return out;
  });
}

val cosine_matrix(val a, val b, int dim) {
  return guarded([&] {
    if (dim <= 0) throw clipx::InvalidInput("dimension must be positive");
    const auto va = to_vector<float>(a), vb = to_vector<float>(b);
    const auto m = clipx::cosine_matrix(va, vb, static_cast<std::size_t>(dim));
    val out = clipx_js::ok_result();
    out.set("values", to_float64_array(m));
    out.set("rows", static_cast<int>(va.size() / dim));
    out.set("cols", static_cast<int>(vb.size() / dim));
    return out;
  });
}

val dot_breakdown(val a, val b) {
  return guarded([&] {
    const auto va = to_vector<float>(a), vb = to_vector<float>(b);
    if (va.size() != vb.size()) {
      throw clipx::InvalidInput("vectors have different dimensions (" + std::to_string(va.size()) +
                                " and " + std::to_string(vb.size()) + ")");
    }
    const auto br = clipx::dot_breakdown(va.data(), vb.data(), va.size());
    val out = clipx_js::ok_result();
    out.set("products", to_float64_array(br.products));
    out.set("sum", br.sum);
    return out;
  });
}

val top_k(val values, int k) {
  return guarded([&] {
    const auto v = to_vector<double>(values);
    const auto idx = clipx::top_k(v, k < 0 ? 0 : static_cast<std::size_t>(k));
    std::vector<int> as_int(idx.begin(), idx.end());
    val out = clipx_js::ok_result();
    out.set("indices", clipx_js::to_typed_array("Int32Array", as_int.data(), as_int.size()));
    return out;
  });
}

val probability_ratio(double gap, double tau) {
  return guarded([&] {
    val out = clipx_js::ok_result();
    out.set("value", clipx::probability_ratio(gap, tau));
    return out;
  });
}

// count × dim floats from JS, or InvalidInput naming the sizes that disagree.
std::vector<float> rows_of(const val& rows, int count, int dim) {
  auto v = to_vector<float>(rows);
  if (v.size() != static_cast<std::size_t>(count) * dim) {
    throw clipx::InvalidInput("expected " + std::to_string(count) + " x " + std::to_string(dim) +
                              " values, got " + std::to_string(v.size()));
  }
  return v;
}

val average_embeddings(val rows, int count, int dim) {
  return guarded([&] {
    if (count <= 0 || dim <= 0) throw clipx::InvalidInput("no embeddings to average (no templates selected)");
    const auto v = rows_of(rows, count, dim);
    val out = clipx_js::ok_result();
    out.set("vector", to_float32_array(clipx::average_embeddings(v.data(), count, dim)));
    return out;
  });
}

val pca_2d(val rows, int count, int dim) {
  return guarded([&] {
    if (count <= 0 || dim <= 0) throw clipx::InvalidInput("a 2-D projection needs at least two vectors");
    const auto v = rows_of(rows, count, dim);
    const auto p = clipx::pca_2d(v.data(), count, dim);
    val out = clipx_js::ok_result();
    out.set("xy", to_float64_array(p.xy));
    out.set("explainedX", p.explained[0]);
    out.set("explainedY", p.explained[1]);
    return out;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(clipx_similarity) {
  emscripten::function("softmax", &softmax);
  emscripten::function("l2Normalize", &l2_normalize);
  emscripten::function("cosineMatrix", &cosine_matrix);
  emscripten::function("dotBreakdown", &dot_breakdown);
  emscripten::function("topK", &top_k);
  emscripten::function("probabilityRatio", &probability_ratio);
  emscripten::function("averageEmbeddings", &average_embeddings);
  emscripten::function("pca2d", &pca_2d);
}
