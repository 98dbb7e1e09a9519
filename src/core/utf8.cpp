#include "utf8.h"

namespace clipx::utf8 {

void decode_append(std::string_view bytes, std::u32string& out) {
  for_each_codepoint(bytes, [&out](char32_t cp) { out.push_back(cp); });
}

std::u32string decode(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  decode_append(bytes, out);
  return out;
}

std::string encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) append(cp, out);
  return out;
}

}  // namespace clipx::utf8
