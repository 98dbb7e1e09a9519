// libFuzzer target: decode + preprocess of arbitrary bytes, under ASan + UBSan.
//
// Build and run (5 minutes, low priority, seeded with the test images):
//   CC=clang CXX=clang++ cmake -S . -B build/img-fuzz -G Ninja -DCLIPX_FUZZ=ON
//   cmake --build build/img-fuzz -j2 --target fuzz_image
//   mkdir -p build/img-fuzz/corpus && cp tests/data/image/*.png tests/data/image/*.jpg \
//     tests/data/image/*.gif tests/data/image/*.bmp build/img-fuzz/corpus/
//   nice -n 19 build/img-fuzz/fuzz_image -max_total_time=300 -max_len=65536 \
//     -rss_limit_mb=2048 -timeout=10 build/img-fuzz/corpus
//
// Every input must either decode or throw clipx::ImageError; anything else (a crash, a
// sanitizer report, another exception, a leak, a timeout) is a finding. The pixel limit
// is lowered to 1 Mi pixels so the fuzzer spends its time on parsing, not on big buffers
// (under ASan a 4-megapixel decode takes ~0.1 s); the checks are the same code as with the
// real limit, which tests/native/test_image.cpp covers.
#include <cstddef>
#include <cstdint>

#include "image.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  clipx::DecodeLimits limits;
  limits.max_pixels = std::uint64_t{1} << 20;
  limits.max_side = 1 << 13;
  try {
    const clipx::DecodedImage image = clipx::decode_image(data, size, limits);
    clipx::PreprocessOptions options;
    options.size = 1 + (size % 64);  // vary the output size cheaply
    const clipx::PreprocessResult r = clipx::preprocess_image(image, options);
    if (r.tensor.size() != 3u * options.size * options.size) __builtin_trap();
  } catch (const clipx::ImageError&) {
  }
  // The RGBA entry point on the raw bytes as pixels, when they make a whole image (for a
  // quarter of the inputs: it does not depend on the format, so needs fewer runs).
  if (size >= 8 && data[2] % 4 == 0) {
    const int w = 1 + data[0] % 37, h = 1 + data[1] % 23;
    if (size >= std::size_t(w) * h * 4) {
      const clipx::PreprocessResult r = clipx::preprocess_rgba(data, w, h, clipx::PreprocessOptions{});
      if (r.crop.size() != 3u * 224 * 224) __builtin_trap();
    }
  }
  return 0;
}
