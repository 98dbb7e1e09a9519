// Small helpers shared by the Catch2 tests: where the reference data lives, and a uniform
// way to say what was skipped when ../shared is absent.
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>

namespace clipx_test {

// ../shared beside the checkout (overridable with CLIPX_SHARED_DIR in the environment).
inline std::string shared_dir() {
  if (const char* env = std::getenv("CLIPX_SHARED_DIR")) return env;
  return CLIPX_SHARED_DIR;
}

inline std::string source_dir() { return CLIPX_SOURCE_DIR; }

inline bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Returns true (and records a visible warning) when a file from ../shared is absent, so
// the caller can `return` instead of failing on a machine without the reference data.
inline bool skip_without_shared(const std::string& path) {
  if (file_exists(path)) return false;
  WARN("SKIPPED: " << path << " is missing (../shared is not beside this checkout), "
                   << "so this reference comparison did not run");
  return true;
}

}  // namespace clipx_test
