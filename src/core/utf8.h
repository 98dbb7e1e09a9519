// UTF-8 <-> code points. Decoding never fails: each invalid sequence becomes U+FFFD exactly
// where Python's bytes.decode("utf-8", errors="replace") puts one (the maximal-subpart rule),
// so text the reference tokenizer would see and text we see stay identical.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace clipx::utf8 {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes the character at s[i] (i < n): stores it in cp and returns how many bytes it
// took, or returns the length of the invalid sequence there (at least 1) and stores U+FFFD.
inline std::size_t decode_one(const unsigned char* s, std::size_t n, std::size_t i, char32_t& cp,
                              bool& valid) {
  const unsigned b0 = s[i];
  valid = true;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  // Lead byte: how many continuation bytes follow and the allowed range of the first one
  // (the narrow ranges exclude overlong forms, surrogates and values above U+10FFFF).
  std::size_t need;
  unsigned lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    cp = kReplacement, valid = false;
    return 1;
  }
  // One U+FFFD replaces the longest valid prefix of a sequence that then breaks off.
  std::size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= n) break;
    const unsigned b = s[i + k];
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (k > need) return need + 1;
  cp = kReplacement, valid = false;
  return k;
}

// Calls fn(code point) for each character of bytes, U+FFFD for each invalid sequence.
template <typename Fn>
void for_each_codepoint(std::string_view bytes, Fn&& fn) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  char32_t cp;
  bool valid;
  for (std::size_t i = 0; i < bytes.size();) {
    i += decode_one(s, bytes.size(), i, cp, valid);
    fn(cp);
  }
}

inline bool is_valid(std::string_view bytes) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  char32_t cp;
  bool valid = true;
  for (std::size_t i = 0; i < bytes.size() && valid;) i += decode_one(s, bytes.size(), i, cp, valid);
  return valid;
}

std::u32string decode(std::string_view bytes);
void decode_append(std::string_view bytes, std::u32string& out);

// Surrogates and values above U+10FFFF (never produced by decode) are written as U+FFFD.
// Inline: it runs per character, and in WASM a call into another file from a function that
// has destructors to run goes through a JS exception trampoline.
inline void append(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
    return;
  }
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp >= 0x110000) cp = kReplacement;
  char b[4];
  std::size_t n;
  if (cp < 0x800) {
    b[0] = static_cast<char>(0xC0 | (cp >> 6));
    n = 1;
  } else if (cp < 0x10000) {
    b[0] = static_cast<char>(0xE0 | (cp >> 12));
    b[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    n = 2;
  } else {
    b[0] = static_cast<char>(0xF0 | (cp >> 18));
    b[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    b[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    n = 3;
  }
  b[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  out.append(b, n);
}
std::string encode(std::u32string_view text);
// Appends bytes as valid UTF-8: invalid sequences become U+FFFD, as decoding would make them.
inline void append_valid(std::string_view bytes, std::string& out) {
  for_each_codepoint(bytes, [&out](char32_t cp) { append(cp, out); });
}

}  // namespace clipx::utf8
