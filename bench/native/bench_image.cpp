// Image preprocessing speed, native. Usage:
//   bench_image [--reps N] IMAGE...
// For each file: decode (to RGB), preprocess of the decoded pixels to the 224 tensor,
// the RGBA entry point (the browser's path: RGBA pixels in), and the whole
// file-to-tensor path. Median and minimum over N runs (after one warm-up), in ms.
// Without IMAGE arguments it times synthetic 4000x3000 and 640x480 RGBA buffers only.
// bench/pil_preprocess.py makes the images, runs this and PIL on them, and prints ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "image.h"

namespace {

struct Timing {
  double median = 0, min = 0;
};

Timing time_it(int reps, const std::function<void()>& fn) {
  fn();  // warm-up
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    const auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front()};
}

void report(const std::string& name, const char* what, const Timing& t) {
  std::printf("native %-28s %-22s median %8.2f ms  min %8.2f ms\n", name.c_str(), what, t.median, t.min);
}

volatile float sink;

void bench_rgba(const std::string& name, int w, int h, int reps) {
  std::vector<std::uint8_t> rgba(std::size_t(w) * h * 4);
  std::uint32_t s = 12345;
  for (std::size_t i = 0; i < rgba.size(); ++i) {
    s = s * 1664525u + 1013904223u;
    rgba[i] = static_cast<std::uint8_t>((i / 4 % w) / 16 + (s >> 28));
  }
  report(name, "rgba_preprocess", time_it(reps, [&] {
           sink = clipx::preprocess_rgba(rgba.data(), w, h).tensor[0];
         }));
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 0;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else {
      files.push_back(argv[i]);
    }
  }
  if (files.empty()) {
    bench_rgba("synthetic-4000x3000", 4000, 3000, reps ? reps : 15);
    bench_rgba("synthetic-640x480", 640, 480, reps ? reps : 200);
    return 0;
  }
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string name = path.substr(path.find_last_of('/') + 1);
    try {
      const clipx::DecodedImage img = clipx::decode_image(bytes.data(), bytes.size());
      const std::size_t px = std::size_t(img.width()) * img.height();
      const int n = reps ? reps : (px > 4000000 ? 10 : 100);
      std::printf("native %-28s %dx%d, %zu bytes\n", name.c_str(), img.width(), img.height(), bytes.size());
      report(name, "decode", time_it(n, [&] {
               sink = clipx::decode_image(bytes.data(), bytes.size()).pixels()[0];
             }));
      report(name, "preprocess_decoded", time_it(n, [&] { sink = clipx::preprocess_image(img).tensor[0]; }));
      std::vector<std::uint8_t> rgba(px * 4);
      for (std::size_t i = 0; i < px; ++i) {
        for (int c = 0; c < 3; ++c) rgba[i * 4 + c] = img.pixels()[i * img.channels() + (img.channels() == 1 ? 0 : c)];
        rgba[i * 4 + 3] = 255;
      }
      report(name, "rgba_preprocess", time_it(n, [&] {
               sink = clipx::preprocess_rgba(rgba.data(), img.width(), img.height()).tensor[0];
             }));
      report(name, "file_to_tensor", time_it(n, [&] {
               sink = clipx::preprocess_encoded(bytes.data(), bytes.size()).tensor[0];
             }));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_image: %s: %s\n", path.c_str(), e.what());
      return 1;
    }
  }
  return 0;
}
