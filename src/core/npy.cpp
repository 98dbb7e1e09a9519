#include "npy.h"

#include <cstring>

namespace clipx {
namespace {

[[noreturn]] void bad(const std::string& why) { throw std::runtime_error("npy: " + why); }

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000) << 16;
  const int exponent = (h >> 10) & 0x1f;
  std::uint32_t mantissa = h & 0x3ff;
  std::uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | (std::uint32_t(exponent - 15 + 127) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal half: normalise
    int e = -14;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      --e;
    }
    mantissa &= 0x3ff;
    bits = sign | (std::uint32_t(e + 127) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

std::size_t element_size(const std::string& descr) {
  if (descr == "<f4") return 4;
  if (descr == "<f2" || descr == "<u2") return 2;
  if (descr == "|u1" || descr == "<u1") return 1;
  bad("unsupported dtype " + descr);
}

}  // namespace

std::string encode_npy_f32(const float* values, const std::vector<std::size_t>& shape) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  std::size_t count = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) dict += ",";
    if (i + 1 < shape.size()) dict += " ";
    count *= shape[i];
  }
  dict += "), }";
  // Magic (6) + version (2) + header length (2) + dict, padded with spaces and a newline
  // to a multiple of 64 bytes.
  std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  out += dict;
  const std::size_t offset = out.size();
  out.resize(offset + count * 4);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &values[i], 4);
    for (int b = 0; b < 4; ++b) out[offset + i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  return out;
}

std::size_t NpyArray::count() const {
  std::size_t n = 1;
  for (std::size_t s : shape) n *= s;
  return n;
}

std::vector<float> NpyArray::to_float() const {
  const std::size_t n = count();
  std::vector<float> out(n);
  const std::uint8_t* p = data.data();
  if (descr == "<f4") {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t bits = std::uint32_t(p[4 * i]) | (std::uint32_t(p[4 * i + 1]) << 8) |
                                 (std::uint32_t(p[4 * i + 2]) << 16) | (std::uint32_t(p[4 * i + 3]) << 24);
      std::memcpy(&out[i], &bits, 4);
    }
  } else if (descr == "<f2") {
    for (std::size_t i = 0; i < n; ++i) out[i] = half_to_float(std::uint16_t(p[2 * i] | (p[2 * i + 1] << 8)));
  } else if (descr == "<u2") {
    for (std::size_t i = 0; i < n; ++i) out[i] = float(p[2 * i] | (p[2 * i + 1] << 8));
  } else if (descr == "|u1" || descr == "<u1") {
    for (std::size_t i = 0; i < n; ++i) out[i] = float(p[i]);
  } else {
    bad("unsupported dtype " + descr);
  }
  return out;
}

NpyArray decode_npy(const std::uint8_t* data, std::size_t size) {
  if (size < 10 || std::memcmp(data, "\x93NUMPY", 6) != 0) bad("not an .npy file");
  const int major = data[6];
  std::size_t header_len, offset;
  if (major == 1) {
    header_len = data[8] | (data[9] << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) bad("truncated header");
    header_len = std::size_t(data[8]) | (std::size_t(data[9]) << 8) | (std::size_t(data[10]) << 16) |
                 (std::size_t(data[11]) << 24);
    offset = 12;
  } else {
    bad("unsupported version");
  }
  if (size - offset < header_len) bad("truncated header");
  const std::string header(reinterpret_cast<const char*>(data + offset), header_len);
  auto value_of = [&](const std::string& key) {
    const std::size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) bad("header lacks " + key);
    std::size_t v = header.find(':', k);
    if (v == std::string::npos) bad("bad header");
    ++v;
    while (v < header.size() && header[v] == ' ') ++v;
    return v;
  };
  NpyArray array;
  std::size_t v = value_of("descr");
  if (header[v] != '\'') bad("bad descr");
  const std::size_t end = header.find('\'', v + 1);
  if (end == std::string::npos) bad("bad descr");
  array.descr = header.substr(v + 1, end - v - 1);
  v = value_of("fortran_order");
  if (header.compare(v, 5, "False") != 0) bad("Fortran order is not supported");
  v = value_of("shape");
  if (header[v] != '(') bad("bad shape");
  const std::size_t close = header.find(')', v);
  if (close == std::string::npos) bad("bad shape");
  std::size_t i = v + 1;
  while (i < close) {
    while (i < close && (header[i] == ' ' || header[i] == ',')) ++i;
    if (i >= close) break;
    std::size_t dim = 0;
    if (header[i] < '0' || header[i] > '9') bad("bad shape");
    while (i < close && header[i] >= '0' && header[i] <= '9') dim = dim * 10 + std::size_t(header[i++] - '0');
    array.shape.push_back(dim);
  }
  const std::size_t bytes = array.count() * element_size(array.descr);
  const std::size_t start = offset + header_len;
  if (size - start < bytes) bad("truncated data");
  array.data.assign(data + start, data + start + bytes);
  return array;
}

}  // namespace clipx
