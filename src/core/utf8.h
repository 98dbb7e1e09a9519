// UTF-8 <-> code points. Decoding never fails: each invalid sequence becomes U+FFFD exactly
// where Python's bytes.decode("utf-8", errors="replace") puts one (the maximal-subpart rule),
// so text the reference tokenizer would see and text we see stay identical.
#pragma once

#include <string>
#include <string_view>

namespace clipx::utf8 {

constexpr char32_t kReplacement = 0xFFFD;

std::u32string decode(std::string_view bytes);
void decode_append(std::string_view bytes, std::u32string& out);

// Surrogates and values above U+10FFFF (never produced by decode) are written as U+FFFD.
void append(char32_t cp, std::string& out);
std::string encode(std::u32string_view text);

}  // namespace clipx::utf8
