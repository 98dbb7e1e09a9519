// NumPy .npy files (format version 1.0): writing float32 arrays, and reading the simple
// arrays our tests and tools exchange (little-endian f4, f2, u1, u2; C order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace clipx {

// The bytes of a .npy file holding `values` (float32, little-endian) with `shape`.
std::string encode_npy_f32(const float* values, const std::vector<std::size_t>& shape);

struct NpyArray {
  std::string descr;               // e.g. "<f4", "<f2", "|u1"
  std::vector<std::size_t> shape;
  std::vector<std::uint8_t> data;  // raw little-endian element bytes, C order

  std::size_t count() const;
  // The elements as floats (f4, f2, u1, u2 supported; throws otherwise).
  std::vector<float> to_float() const;
};

// Parses a .npy file; throws std::runtime_error on anything it does not understand.
NpyArray decode_npy(const std::uint8_t* data, std::size_t size);

}  // namespace clipx
