// clip-cli preprocess IMAGE [--size S] [--mean R,G,B --std R,G,B] --out FILE.npy
// Writes the float32 tensor [1, 3, S, S] that CLIP's reference pipeline gives for IMAGE.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "commands.h"
#include "image.h"
#include "npy.h"

namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "clip-cli preprocess: %s (usage: clip-cli preprocess IMAGE [--size S] "
                       "[--mean R,G,B --std R,G,B] --out FILE.npy)\n", message.c_str());
  return 2;
}

bool parse_triple(const char* text, std::array<float, 3>& out) {
  const char* p = text;
  for (int i = 0; i < 3; ++i) {
    char* end = nullptr;
    errno = 0;
    const float v = std::strtof(p, &end);
    if (end == p || errno != 0) return false;
    out[i] = v;
    p = end;
    if (i < 2) {
      if (*p != ',') return false;
      ++p;
    }
  }
  return *p == '\0';
}

}  // namespace

int run_preprocess_command(int argc, char** argv) {
  std::string image_path, out_path;
  clipx::PreprocessOptions options;
  bool have_mean = false, have_std = false;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    if (arg == "--size") {
      const char* v = value("--size");
      if (!v) return usage_error("--size needs a value");
      char* end = nullptr;
      const long s = std::strtol(v, &end, 10);
      if (*v == '\0' || *end != '\0' || s < 1 || s > clipx::kMaxPreprocessSize)
        return usage_error("--size must be an integer from 1 to " +
                           std::to_string(clipx::kMaxPreprocessSize) + ", got '" + v + "'");
      options.size = static_cast<int>(s);
    } else if (arg == "--mean" || arg == "--std") {
      const char* v = value(arg.c_str());
      if (!v) return usage_error(arg + " needs a value R,G,B");
      std::array<float, 3>& target = arg == "--mean" ? options.mean : options.std;
      if (!parse_triple(v, target)) return usage_error(arg + " must be three numbers R,G,B, got '" + v + "'");
      (arg == "--mean" ? have_mean : have_std) = true;
    } else if (arg == "--out") {
      const char* v = value("--out");
      if (!v) return usage_error("--out needs a file name");
      out_path = v;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option '" + arg + "'");
    } else if (image_path.empty()) {
      image_path = arg;
    } else {
      return usage_error("more than one IMAGE given");
    }
  }
  if (image_path.empty()) return usage_error("no IMAGE given");
  if (out_path.empty()) return usage_error("--out FILE.npy is required");
  if (have_mean != have_std) return usage_error("--mean and --std go together");

  std::ifstream in(image_path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "clip-cli preprocess: cannot read %s: %s\n", image_path.c_str(),
                 std::strerror(errno));
    return 1;
  }
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  try {
    const clipx::PreprocessResult result =
        clipx::preprocess_encoded(bytes.data(), bytes.size(), options);
    const std::size_t s = static_cast<std::size_t>(result.size);
    const std::string npy = clipx::encode_npy_f32(result.tensor.data(), {1, 3, s, s});
    std::ofstream out(out_path, std::ios::binary);
    if (!out.write(npy.data(), static_cast<std::streamsize>(npy.size())) || !out.flush()) {
      std::fprintf(stderr, "clip-cli preprocess: cannot write %s\n", out_path.c_str());
      return 1;
    }
  } catch (const clipx::ImageError& e) {
    std::fprintf(stderr, "clip-cli preprocess: %s: %s\n", image_path.c_str(), e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "clip-cli preprocess: %s: %s\n", image_path.c_str(), e.what());
    return 1;
  }
  return 0;
}
