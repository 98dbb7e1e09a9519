// Unicode and HTML data for CLIP's text cleaning, read off Python (unicodedata, str.lower,
// str.isspace, html.entities) by scripts/gen_unicode_tables.py into unicode_tables.cpp.
// Python is the reference CLIP's tokenizer runs on, so its tables are the ones to match.
#pragma once

#include <cstddef>
#include <cstdint>

namespace clipx::unicode {

// Low three flag bits: which part of CLIP's split pattern a code point belongs to.
enum SplitClass : uint8_t {
  kOther = 0,   // [^\s\p{L}\p{N}]
  kLetter = 1,  // \p{L}
  kNumber = 2,  // \p{N}
  kSpace = 3,   // \s of the `regex` module (Unicode White_Space)
  kSkip = 4,    // matches no alternative under IGNORECASE (U+0345), so findall drops it
};
constexpr uint8_t kSplitClassMask = 0x07;
constexpr uint8_t kPySpace = 0x08;        // str.isspace(): what str.strip() removes
constexpr uint8_t kCased = 0x10;          // Cased, for the final-sigma rule
constexpr uint8_t kCaseIgnorable = 0x20;  // Case_Ignorable, for the final-sigma rule
constexpr uint8_t kHasLower = 0x40;       // str.lower() changes this code point
constexpr uint8_t kNfcCheck = 0x80;       // NFC may change text at this code point

constexpr unsigned kFlagBlockShift = 7;  // the generator's 128-code-point blocks
extern const uint16_t kFlagStage1[];
extern const uint8_t kFlagStage2[];

inline uint8_t flags(char32_t cp) {
  if (cp >= 0x110000) return kOther;
  return kFlagStage2[(static_cast<uint32_t>(kFlagStage1[cp >> kFlagBlockShift])
                      << kFlagBlockShift) |
                     (cp & ((1u << kFlagBlockShift) - 1))];
}

// A code point's replacement sequence, stored in kPool. Sorted by cp.
struct Mapping {
  uint32_t cp;
  uint16_t offset;
  uint8_t length;
};
struct CombiningClass {
  uint32_t cp;
  uint8_t ccc;
};
struct Composition {  // sorted by (first, second)
  uint32_t first, second, composite;
};
struct Fold {
  uint32_t cp, fold;
};
struct HtmlEntity {  // sorted by name (byte order); name may end in ';'
  const char* name;
  uint32_t value[2];
  uint8_t length;
};
struct HtmlCharref {  // html.unescape's replacements for some numeric references
  uint32_t number, replacement;
};

extern const char* const kUnicodeVersion;
extern const uint32_t kPool[];
extern const Mapping kLowerMap[];          // str.lower() of single code points (full mapping)
extern const size_t kLowerMapSize;
extern const Mapping kDecompositionMap[];  // full canonical decomposition (no Hangul)
extern const size_t kDecompositionMapSize;
extern const CombiningClass kCombiningClasses[];  // non-zero classes only
extern const size_t kCombiningClassesSize;
extern const Composition kCompositions[];  // primary composites (no Hangul)
extern const size_t kCompositionsSize;
extern const Fold kSimpleFolds[];
extern const size_t kSimpleFoldsSize;
extern const HtmlEntity kHtmlEntities[];
extern const size_t kHtmlEntitiesSize;
extern const HtmlCharref kHtmlInvalidCharrefs[];
extern const size_t kHtmlInvalidCharrefsSize;
extern const uint32_t kHtmlInvalidCodepoints[];  // sorted; html.unescape drops these
extern const size_t kHtmlInvalidCodepointsSize;

}  // namespace clipx::unicode
