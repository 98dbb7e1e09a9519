// embind face of src/core/image.h.
//
//   Module.preprocessRGBA(rgba, width, height, size, mean, std)
//     rgba: Uint8Array or Uint8ClampedArray of width*height*4 (the browser's decoder output)
//     -> {tensor: Float32Array(3*S*S, CHW, normalised), crop: Uint8ClampedArray(S*S*4, RGBA,
//         alpha 255), error: "" | message}
//   Module.preprocessEncoded(bytes, size, mean, std)
//     bytes: Uint8Array of a PNG/JPEG/GIF/BMP file
//     -> the same fields plus {width, height, format: "png" | "jpeg" | "gif" | "bmp"}
//
// mean and std are [r, g, b] arrays. Inputs are copied into the WASM heap with one bulk
// TypedArray.set; outputs are JS-owned copies (valid after the heap grows).
#include <emscripten/bind.h>

#include <memory>

#include "image.h"
#include "js_interop.h"

namespace {

using clipx_js::guarded;
using emscripten::val;

// The bytes of a JS Uint8Array / Uint8ClampedArray, copied into the WASM heap with one
// TypedArray.set (no zero-filling first: for a 48 MB RGBA image that would be a second pass).
struct HeapBytes {
  std::unique_ptr<std::uint8_t[]> data;
  std::size_t size = 0;
};

HeapBytes copy_in(const val& js_bytes) {
  HeapBytes b;
  b.size = js_bytes["length"].as<std::size_t>();
  b.data.reset(new std::uint8_t[b.size ? b.size : 1]);
  if (b.size) val(emscripten::typed_memory_view(b.size, b.data.get())).call<void>("set", js_bytes);
  return b;
}

clipx::PreprocessOptions options_from(int size, const val& mean, const val& std_dev) {
  clipx::PreprocessOptions o;
  o.size = size;
  const auto m = clipx_js::to_vector<float>(mean), s = clipx_js::to_vector<float>(std_dev);
  if (m.size() != 3 || s.size() != 3)
    throw clipx::ImageError(clipx::ImageErrorKind::kInvalidArgument,
                            "mean and std must each be three numbers [r, g, b]");
  for (int c = 0; c < 3; ++c) {
    o.mean[c] = m[c];
    o.std[c] = s[c];
  }
  clipx::validate_preprocess_options(o);
  return o;
}

val result_object(const clipx::PreprocessResult& r) {
  val out = clipx_js::ok_result();
  out.set("tensor", clipx_js::to_float32_array(r.tensor));
  const std::size_t n = static_cast<std::size_t>(r.size) * r.size;
  std::vector<std::uint8_t> rgba(n * 4);
  for (std::size_t i = 0; i < n; ++i) {
    rgba[i * 4] = r.crop[i * 3];
    rgba[i * 4 + 1] = r.crop[i * 3 + 1];
    rgba[i * 4 + 2] = r.crop[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  out.set("crop", clipx_js::to_typed_array("Uint8ClampedArray", rgba.data(), rgba.size()));
  return out;
}

val preprocess_rgba(val rgba, int width, int height, int size, val mean, val std_dev) {
  return guarded([&] {
    const clipx::PreprocessOptions o = options_from(size, mean, std_dev);
    if (width < 1 || height < 1)
      throw clipx::ImageError(clipx::ImageErrorKind::kInvalidArgument,
                              "width and height must be positive");
    const double expected = 4.0 * width * height;
    const double length = rgba["length"].as<double>();
    if (length != expected)
      throw clipx::ImageError(clipx::ImageErrorKind::kInvalidArgument,
                              "rgba has " + std::to_string(static_cast<long long>(length)) +
                                  " bytes; width * height * 4 is " +
                                  std::to_string(static_cast<long long>(expected)));
    if (static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) > clipx::kMaxImagePixels)
      throw clipx::ImageError(clipx::ImageErrorKind::kTooLarge,
                              "image is larger than " + std::to_string(clipx::kMaxImagePixels) + " pixels");
    const HeapBytes pixels = copy_in(rgba);
    return result_object(clipx::preprocess_rgba(pixels.data.get(), width, height, o));
  });
}

val preprocess_encoded(val bytes, int size, val mean, val std_dev) {
  return guarded([&] {
    const clipx::PreprocessOptions o = options_from(size, mean, std_dev);
    const HeapBytes data = copy_in(bytes);
    clipx::ImageInfo info;
    const clipx::PreprocessResult r = clipx::preprocess_encoded(data.data.get(), data.size, o, &info);
    val out = result_object(r);
    out.set("width", info.width);
    out.set("height", info.height);
    out.set("format", std::string(clipx::image_format_name(info.format)));
    return out;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(clipx_image) {
  emscripten::function("preprocessRGBA", &preprocess_rgba);
  emscripten::function("preprocessEncoded", &preprocess_encoded);
}
