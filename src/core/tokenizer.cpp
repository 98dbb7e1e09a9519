#include "tokenizer.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <mutex>
#include <queue>
#include <sstream>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "unicode_tables.h"
#include "utf8.h"

namespace clipx {
namespace {

namespace uc = unicode;
using Json = nlohmann::json;

// ============================== Unicode lookups ==============================

template <typename T>
const T* find_cp(const T* table, std::size_t n, char32_t cp) {
  const T* it = std::lower_bound(table, table + n, cp,
                                 [](const T& e, char32_t c) { return e.cp < c; });
  return (it != table + n && it->cp == cp) ? it : nullptr;
}

inline uint8_t split_class(char32_t c) { return uc::flags(c) & uc::kSplitClassMask; }
inline bool is_py_space(char32_t c) { return uc::flags(c) & uc::kPySpace; }

char32_t simple_fold(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  const uc::Fold* f = find_cp(uc::kSimpleFolds, uc::kSimpleFoldsSize, c);
  return f ? f->fold : c;
}

// ================================== NFC ==================================
// Decompose fully, order marks canonically, then recompose (UAX #15). Text without any
// code point flagged kNfcCheck (all of ASCII, most letters) is already NFC and skipped.

constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;

uint8_t combining_class(char32_t c) {
  if (c < 0x300 || !(uc::flags(c) & uc::kNfcCheck)) return 0;
  const uc::CombiningClass* e = find_cp(uc::kCombiningClasses, uc::kCombiningClassesSize, c);
  return e ? e->ccc : 0;
}

void decompose_into(char32_t c, std::u32string& out) {
  if (c >= kSBase && c < kSBase + kSCount) {  // Hangul syllables are algorithmic
    const char32_t s = c - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount) out.push_back(kTBase + s % kTCount);
    return;
  }
  // Not only flagged code points: "ê" is NFC itself, yet a mark after it can reorder into it.
  if (c >= 0xC0) {
    if (const uc::Mapping* m = find_cp(uc::kDecompositionMap, uc::kDecompositionMapSize, c)) {
      out.append(reinterpret_cast<const char32_t*>(uc::kPool) + m->offset, m->length);
      return;
    }
  }
  out.push_back(c);
}

char32_t compose_pair(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount)
    return a + (b - kTBase);
  if (!(uc::flags(b) & uc::kNfcCheck)) return 0;  // only flagged code points compose onto others
  const uc::Composition* end = uc::kCompositions + uc::kCompositionsSize;
  const uc::Composition* it = std::lower_bound(
      uc::kCompositions, end, std::make_pair(a, b), [](const uc::Composition& e, auto key) {
        return e.first < key.first || (e.first == key.first && e.second < key.second);
      });
  return (it != end && it->first == a && it->second == b) ? it->composite : 0;
}

}  // namespace

namespace text {

std::u32string nfc(std::u32string s) {
  const bool needed = std::any_of(s.begin(), s.end(), [](char32_t c) {
    return c >= 0x80 && (uc::flags(c) & uc::kNfcCheck);
  });
  if (!needed) return s;

  std::u32string d;
  d.reserve(s.size() + s.size() / 4);
  for (char32_t c : s) decompose_into(c, d);

  // Canonical ordering: a stable sort by class inside each run of non-starters (a sort, not
  // swaps, so a hostile run of a million marks stays n log n).
  std::vector<std::pair<uint8_t, char32_t>> run;
  for (std::size_t i = 0; i < d.size();) {
    if (combining_class(d[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    run.clear();
    while (j < d.size()) {
      const uint8_t cc = combining_class(d[j]);
      if (cc == 0) break;
      run.emplace_back(cc, d[j]);
      ++j;
    }
    if (run.size() > 1) {
      std::stable_sort(run.begin(), run.end(),
                       [](const auto& x, const auto& y) { return x.first < y.first; });
      for (std::size_t k = 0; k < run.size(); ++k) d[i + k] = run[k].second;
    }
    i = j;
  }

  // Canonical composition, in place: a mark composes with the last starter unless a mark of
  // the same or higher class (or a starter) stands between them.
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::size_t starter = kNone, w = 0;
  int last_cc = -1;
  for (std::size_t r = 0; r < d.size(); ++r) {
    const char32_t c = d[r];
    const int cc = combining_class(c);
    if (starter != kNone) {
      const bool adjacent = (w == starter + 1);
      if (adjacent || last_cc < cc) {
        if (const char32_t composite = compose_pair(d[starter], c)) {
          d[starter] = composite;
          continue;
        }
      }
    }
    if (cc == 0) starter = w;
    last_cc = cc;
    d[w++] = c;
  }
  d.resize(w);
  return d;
}

// ============================== html.unescape ==============================
// Python's: &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?) replaced left to right.

namespace {

// Compares an entity name (ASCII) with code points.
int compare_name(const char* name, const char32_t* s, std::size_t len) {
  for (std::size_t i = 0;; ++i) {
    const char32_t a = static_cast<unsigned char>(name[i]);
    if (i == len) return a == 0 ? 0 : 1;
    if (a == 0) return -1;
    if (a != s[i]) return a < s[i] ? -1 : 1;
  }
}

std::size_t common_prefix(const char* name, const char32_t* s, std::size_t len) {
  std::size_t i = 0;
  while (i < len && name[i] != 0 && static_cast<unsigned char>(name[i]) == s[i]) ++i;
  return i;
}

// Exact lookup; also reports the longest prefix of s that begins any entity name, which
// bounds the longest-prefix search html.unescape does for unterminated references.
const uc::HtmlEntity* find_entity(const char32_t* s, std::size_t len, std::size_t* reach) {
  const uc::HtmlEntity* begin = uc::kHtmlEntities;
  const uc::HtmlEntity* end = begin + uc::kHtmlEntitiesSize;
  const uc::HtmlEntity* it = std::lower_bound(begin, end, 0, [&](const uc::HtmlEntity& e, int) {
    return compare_name(e.name, s, len) < 0;
  });
  if (reach) {
    *reach = 0;
    if (it != end) *reach = common_prefix(it->name, s, len);
    if (it != begin) *reach = std::max(*reach, common_prefix((it - 1)->name, s, len));
  }
  return (it != end && compare_name(it->name, s, len) == 0) ? it : nullptr;
}

void append_numeric_reference(uint32_t num, std::u32string& out) {
  const uc::HtmlCharref* cr_end = uc::kHtmlInvalidCharrefs + uc::kHtmlInvalidCharrefsSize;
  const uc::HtmlCharref* cr = std::lower_bound(
      uc::kHtmlInvalidCharrefs, cr_end, num,
      [](const uc::HtmlCharref& e, uint32_t n) { return e.number < n; });
  if (cr != cr_end && cr->number == num) {
    out.push_back(cr->replacement);
  } else if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
    out.push_back(utf8::kReplacement);
  } else if (!std::binary_search(uc::kHtmlInvalidCodepoints,
                                 uc::kHtmlInvalidCodepoints + uc::kHtmlInvalidCodepointsSize,
                                 num)) {
    out.push_back(num);
  }
}

int digit_value(char32_t c, bool hex) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (hex && c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (hex && c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

bool in_entity_name(char32_t c) {
  return !(c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' ||
           c == '#' || c == ';');
}

// Replaces the reference starting at s[i] == '&'; returns how many code points it used
// (0: no reference here, the '&' stays literal).
std::size_t unescape_at(const std::u32string_view s, std::size_t i, std::u32string& out) {
  const std::size_t n = s.size();
  std::size_t j = i + 1;
  if (j < n && s[j] == '#') {
    std::size_t k = j + 1;
    bool hex = false;
    if (k < n && (s[k] == 'x' || s[k] == 'X') && k + 1 < n && digit_value(s[k + 1], true) >= 0) {
      hex = true;
      ++k;
    } else if (!(k < n && digit_value(s[k], false) >= 0)) {
      return 0;
    }
    // Python's int() is unbounded; everything past U+10FFFF is U+FFFD anyway, so saturate.
    uint32_t num = 0;
    int d;
    while (k < n && (d = digit_value(s[k], hex)) >= 0) {
      num = std::min<uint64_t>(static_cast<uint64_t>(num) * (hex ? 16 : 10) + d, 0x110000);
      ++k;
    }
    if (k < n && s[k] == ';') ++k;
    append_numeric_reference(num, out);
    return k - i;
  }
  std::size_t k = j;
  while (k < n && k - j < 32 && in_entity_name(s[k])) ++k;
  if (k == j) return 0;
  if (k < n && s[k] == ';') ++k;
  const char32_t* name = s.data() + j;
  const std::size_t len = k - j;
  std::size_t reach = 0;
  if (const uc::HtmlEntity* e = find_entity(name, len, &reach)) {
    out.append(reinterpret_cast<const char32_t*>(e->value), e->length);
    return k - i;
  }
  // The longest name (at least two characters) that the reference starts with, as in
  // html.unescape: "&notit;" is "¬it;".
  for (std::size_t x = std::min(len - 1, reach); x >= 2; --x) {
    if (const uc::HtmlEntity* e = find_entity(name, x, nullptr)) {
      out.append(reinterpret_cast<const char32_t*>(e->value), e->length);
      out.append(name + x, len - x);
      return k - i;
    }
  }
  out.push_back('&');
  out.append(name, len);
  return k - i;
}

}  // namespace

std::u32string html_unescape(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      if (const std::size_t used = unescape_at(s, i, out)) {
        i += used;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

// ================================ str.lower() ================================

namespace {

// CPython's rule: Σ is final when a cased letter precedes it (case-ignorables skipped) and
// no cased letter follows it (case-ignorables skipped).
bool is_final_sigma(std::u32string_view s, std::size_t i) {
  std::size_t j = i;
  char32_t c = 0;
  bool found = false;
  while (j > 0) {
    c = s[--j];
    if (!(uc::flags(c) & uc::kCaseIgnorable)) {
      found = true;
      break;
    }
  }
  bool final_sigma = found && (uc::flags(c) & uc::kCased);
  if (final_sigma && i + 1 < s.size()) {
    std::size_t k = i + 1;
    while (k < s.size() && (uc::flags(s[k]) & uc::kCaseIgnorable)) ++k;
    final_sigma = k == s.size() || !(uc::flags(s[k]) & uc::kCased);
  }
  return final_sigma;
}

}  // namespace

std::u32string lower(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c < 0x80) {
      out.push_back((c >= 'A' && c <= 'Z') ? c + 32 : c);
    } else if (!(uc::flags(c) & uc::kHasLower)) {
      out.push_back(c);
    } else if (c == 0x3A3) {
      out.push_back(is_final_sigma(s, i) ? 0x3C2 : 0x3C3);
    } else {
      const uc::Mapping* m = find_cp(uc::kLowerMap, uc::kLowerMapSize, c);
      out.append(reinterpret_cast<const char32_t*>(uc::kPool) + m->offset, m->length);
    }
  }
  return out;
}

}  // namespace text

namespace {

// =============================== cleaning ===============================
// OpenAI: ftfy (here NFC) -> html.unescape(html.unescape(.)) -> strip -> \s+ to ' ' ->
// strip -> lower(). strip() removes str.isspace() characters; \s is the narrower White_Space.
// With strip_end false the end is left alone: the text is a prefix of a longer one.
std::u32string clean_codepoints(std::u32string s, bool strip_end) {
  s = text::nfc(std::move(s));
  if (s.find(U'&') != std::u32string::npos) s = text::html_unescape(text::html_unescape(s));
  std::size_t b = 0, e = s.size();
  while (b < e && is_py_space(s[b])) ++b;
  while (strip_end && e > b && is_py_space(s[e - 1])) --e;
  std::u32string collapsed;
  collapsed.reserve(e - b);
  bool in_space = false;
  for (std::size_t i = b; i < e; ++i) {
    const char32_t c = s[i];
    if (split_class(c) == uc::kSpace) {
      if (!in_space) collapsed.push_back(' ');
      in_space = true;
    } else {
      collapsed.push_back(c);
      in_space = false;
    }
  }
  return text::lower(collapsed);
}

// ================================ the split ================================
// <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// with IGNORECASE: literals compare by simple case folding; at each position the first
// alternative that matches wins, and code points no alternative matches are skipped.

struct Span {
  std::size_t begin, end;
};

const std::u32string kContractions[] = {U"s", U"t", U"re", U"ve", U"m", U"ll", U"d"};

bool matches_folded(std::u32string_view s, std::size_t i, const std::u32string& folded) {
  if (s.size() - i < folded.size()) return false;
  for (std::size_t k = 0; k < folded.size(); ++k)
    if (simple_fold(s[i + k]) != folded[k]) return false;
  return true;
}

class Splitter {
 public:
  explicit Splitter(const std::vector<std::string>& specials) {
    for (const std::string& sp : specials) {
      std::u32string f;
      for (char32_t c : utf8::decode(sp)) f.push_back(simple_fold(c));
      if (!f.empty()) specials_.push_back(std::move(f));
    }
  }

  // The next match at or after pos; false when none is left.
  bool next(std::u32string_view s, std::size_t& pos, Span& word) const {
    const std::size_t n = s.size();
    while (pos < n) {
      const std::size_t i = pos;
      for (const std::u32string& lit : specials_) {
        if (matches_folded(s, i, lit)) {
          word = {i, i + lit.size()};
          pos = word.end;
          return true;
        }
      }
      if (s[i] == '\'') {
        for (const std::u32string& c : kContractions) {
          if (matches_folded(s, i + 1, c)) {
            word = {i, i + 1 + c.size()};
            pos = word.end;
            return true;
          }
        }
      }
      const uint8_t cls = split_class(s[i]);
      if (cls == uc::kSpace || cls == uc::kSkip) {
        ++pos;
        continue;
      }
      std::size_t j = i + 1;
      if (cls != uc::kNumber)  // letters and "other" come in runs, numbers one at a time
        while (j < n && split_class(s[j]) == cls) ++j;
      word = {i, j};
      pos = j;
      return true;
    }
    return false;
  }

 private:
  std::vector<std::u32string> specials_;
};

// ============================ byte-level symbols ============================

// GPT-2/CLIP's reversible bytes -> printable code points map.
std::array<char32_t, 256> bytes_to_unicode() {
  std::array<char32_t, 256> map{};
  std::array<bool, 256> direct{};
  for (int b = '!'; b <= '~'; ++b) direct[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
  int next = 0;
  for (int b = 0; b < 256; ++b) map[b] = direct[b] ? b : 256 + next++;
  return map;
}

std::string quote(std::string_view s) {
  // JSON-escaped and ASCII-only, so an error message stays one printable line.
  std::string q = Json(std::string(s)).dump(-1, ' ', true, Json::error_handler_t::replace);
  if (q.size() > 60) q = q.substr(0, 56) + "...\"";
  return q;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) c = '?';
  return s;
}

[[noreturn]] void fail(const std::string& what) { throw TokenizerError("tokenizer.json: " + what); }

constexpr std::size_t kQuadraticMaxSymbols = 48;  // beyond this the linked BPE is faster
constexpr std::size_t kCacheMaxWordBytes = 64;
constexpr std::size_t kCacheMaxEntries = 1 << 16;
constexpr std::size_t kPrefixBytes = 2048;  // texts longer than this are cut into prefixes

}  // namespace

// ================================ Tokenizer ================================

namespace {

// Open addressing from a pair of symbol ids to its merge: looked up on every BPE step.
class MergeTable {
 public:
  struct Merge {
    int32_t rank, result;
  };
  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    rehash(cap);
  }
  void insert(int32_t a, int32_t b, Merge m) {
    if (2 * (size_ + 1) > keys_.size()) rehash(std::max<std::size_t>(16, 2 * keys_.size()));
    const uint64_t k = key(a, b);
    std::size_t i = slot(k);
    while (keys_[i] != kEmpty && keys_[i] != k) i = (i + 1) & mask_;
    if (keys_[i] == kEmpty) ++size_;
    keys_[i] = k;
    values_[i] = m;  // a repeated pair keeps its last rank
  }
  const Merge* find(int32_t a, int32_t b) const {
    if (keys_.empty()) return nullptr;
    const uint64_t k = key(a, b);
    for (std::size_t i = slot(k);; i = (i + 1) & mask_) {
      if (keys_[i] == k) return &values_[i];
      if (keys_[i] == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are non-negative: never a key
  std::vector<uint64_t> keys_;
  std::vector<Merge> values_;
  std::size_t mask_ = 0, size_ = 0;

  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  std::size_t slot(uint64_t k) const {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return static_cast<std::size_t>(k) & mask_;
  }
  void rehash(std::size_t cap) {
    std::vector<uint64_t> old_keys(cap, kEmpty);
    std::vector<Merge> old_values(cap);
    old_keys.swap(keys_);
    old_values.swap(values_);
    mask_ = cap - 1;
    size_ = 0;
    for (std::size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] == kEmpty) continue;
      std::size_t j = slot(old_keys[i]);
      while (keys_[j] != kEmpty) j = (j + 1) & mask_;
      keys_[j] = old_keys[i];
      values_[j] = old_values[i];
      ++size_;
    }
  }
};

}  // namespace

struct Tokenizer::Impl {
  // Every token's bytes back to back, and where each id's token lies: two allocations for
  // the whole vocabulary instead of one per token (loading time counts on the page).
  std::string token_text;
  struct TokenSpan {
    uint32_t offset = 0, length = 0;
    bool defined = false;
  };
  std::vector<TokenSpan> spans;
  std::string_view token_at(int32_t id) const {
    return {token_text.data() + spans[id].offset, spans[id].length};
  }
  MergeTable merges;
  struct RankedMerge {
    int32_t left, right, result;
  };
  std::vector<RankedMerge> by_rank;
  std::array<int32_t, 256> byte_id{}, byte_end_id{};
  std::array<char32_t, 256> byte_char{};
  std::array<int16_t, 512> char_byte{};  // byte symbol (all below U+0200) -> byte, or -1
  std::string suffix = "</w>";
  int32_t start = -1, end = -1;
  std::vector<std::string> specials;  // start and end strings: the pattern's literals
  std::vector<bool> is_special;
  Splitter splitter{{}};

  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;

  bool word_end_at(int32_t id) const {
    const std::string_view t = token_at(id);
    return !is_special[id] && t.size() >= suffix.size() &&
           t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  void display_into(int32_t id, std::string& out) const;

  void bpe_quadratic(std::vector<int32_t>& sym) const;
  void bpe_linked(std::vector<int32_t>& sym) const;
  void bpe(std::string_view word, Tokenizer::BpeMethod method, std::vector<int32_t>& out) const;
  void word_tokens_uncached(const std::string& word, std::vector<int32_t>& out) const;
  bool tokenize_part(std::string_view bytes, std::size_t want, bool is_prefix,
                     std::vector<int32_t>& out) const;
  // The caller holds cache_mutex. Appends the text's tokens (at least `want` when there
  // are that many) to out.
  void text_tokens_locked(std::string_view text, std::size_t want,
                          std::vector<int32_t>& out) const;
  // Appends the whole encoding (start, tokens cut to the context, end); caller holds the lock.
  bool append_encoding(std::string_view text, std::size_t context_length,
                       std::vector<int32_t>& out) const;
};

// OpenAI's bpe(): repeatedly take the adjacent pair of lowest merge rank and merge every
// occurrence of it, left to right, until no pair has a rank.
void Tokenizer::Impl::bpe_quadratic(std::vector<int32_t>& sym) const {
  while (sym.size() > 1) {
    const MergeTable::Merge* best = nullptr;
    int32_t a = 0, b = 0;
    for (std::size_t i = 0; i + 1 < sym.size(); ++i) {
      const MergeTable::Merge* m = merges.find(sym[i], sym[i + 1]);
      if (m && (!best || m->rank < best->rank)) best = m, a = sym[i], b = sym[i + 1];
    }
    if (!best) break;
    std::size_t w = 0;
    for (std::size_t i = 0; i < sym.size();) {
      if (i + 1 < sym.size() && sym[i] == a && sym[i + 1] == b) {
        sym[w++] = best->result;
        i += 2;
      } else {
        sym[w++] = sym[i++];
      }
    }
    sym.resize(w);
  }
}

// The same result in about linear time for long words: symbols in a linked list, and per
// merge rank the positions where that pair occurs. The lowest rank's positions are merged as
// one pass in text order; pairs the pass creates are queued after it, as the reference's
// pass over the whole word does. A queued position is re-checked when its turn comes (the
// pair there may have changed), so stale entries cost nothing but a comparison.
void Tokenizer::Impl::bpe_linked(std::vector<int32_t>& sym) const {
  const int32_t n = static_cast<int32_t>(sym.size());
  std::vector<int32_t> prev(n), next(n);
  std::vector<uint32_t> merged_in(n, 0);
  std::vector<char> alive(n, 1);
  for (int32_t i = 0; i < n; ++i) prev[i] = i - 1, next[i] = (i + 1 < n) ? i + 1 : -1;
  std::unordered_map<int32_t, std::vector<int32_t>> at_rank;
  std::priority_queue<int32_t, std::vector<int32_t>, std::greater<int32_t>> ranks;
  auto queue = [&](int32_t l, int32_t r) {
    if (const MergeTable::Merge* m = merges.find(sym[l], sym[r])) {
      std::vector<int32_t>& q = at_rank[m->rank];
      if (q.empty()) ranks.push(m->rank);
      q.push_back(l);
    }
  };
  for (int32_t i = 0; i + 1 < n; ++i) queue(i, i + 1);
  std::vector<int32_t> work, done;
  uint32_t pass = 0;
  while (!ranks.empty()) {
    const int32_t rank = ranks.top();
    ranks.pop();
    auto it = at_rank.find(rank);
    if (it == at_rank.end() || it->second.empty()) continue;
    work.swap(it->second);
    it->second.clear();
    if (!std::is_sorted(work.begin(), work.end())) std::sort(work.begin(), work.end());
    const RankedMerge& rm = by_rank[rank];
    ++pass;
    done.clear();
    for (const int32_t l : work) {
      if (!alive[l]) continue;
      const int32_t r = next[l];
      if (r < 0 || sym[l] != rm.left || sym[r] != rm.right) continue;
      sym[l] = rm.result;
      alive[r] = 0;
      next[l] = next[r];
      if (next[r] >= 0) prev[next[r]] = l;
      merged_in[l] = pass;
      done.push_back(l);
    }
    for (const int32_t l : done) {
      // a left neighbour merged in this same pass queues this pair itself
      if (prev[l] >= 0 && merged_in[prev[l]] != pass) queue(prev[l], l);
      if (next[l] >= 0) queue(l, next[l]);
    }
  }
  std::size_t w = 0;
  for (int32_t i = 0; i >= 0 && i < n; i = next[i]) sym[w++] = sym[i];
  sym.resize(w);
}

void Tokenizer::Impl::bpe(std::string_view word, Tokenizer::BpeMethod method,
                          std::vector<int32_t>& out) const {
  if (word.empty()) return;
  for (std::size_t k = 0; k < specials.size(); ++k) {
    if (word == specials[k]) {  // the reference's cache maps these words to themselves
      out.push_back(k == 0 ? start : end);
      return;
    }
  }
  std::vector<int32_t> sym(word.size());
  for (std::size_t i = 0; i + 1 < word.size(); ++i)
    sym[i] = byte_id[static_cast<unsigned char>(word[i])];
  sym.back() = byte_end_id[static_cast<unsigned char>(word.back())];
  if (method == BpeMethod::Auto)
    method = sym.size() <= kQuadraticMaxSymbols ? BpeMethod::Quadratic : BpeMethod::Linked;
  if (method == BpeMethod::Quadratic) bpe_quadratic(sym); else bpe_linked(sym);
  out.insert(out.end(), sym.begin(), sym.end());
}

// A word the cache does not hold. The caller holds cache_mutex (once per text, not per
// word: in WASM every call that may throw from a frame with destructors is a JS round trip,
// so the cache lookup itself stays inline in tokenize_part).
void Tokenizer::Impl::word_tokens_uncached(const std::string& word,
                                           std::vector<int32_t>& out) const {
  if (word.size() > kCacheMaxWordBytes) {
    bpe(word, BpeMethod::Auto, out);
    return;
  }
  std::vector<int32_t> ids;
  bpe(word, BpeMethod::Auto, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  if (cache.size() >= kCacheMaxEntries) cache.clear();  // bounded memory for a long session
  cache.emplace(word, std::move(ids));
}

// Tokens of `bytes` until at least `want` are known. For a prefix (the text goes on after
// an ASCII space, tab, LF or FF) only words that cannot change when more text follows count:
// those ending before the trailing run of str.isspace() characters, which strip() might yet
// remove (U+001C..U+001F there would otherwise be tokens).
bool Tokenizer::Impl::tokenize_part(std::string_view bytes, std::size_t want, bool is_prefix,
                                    std::vector<int32_t>& out) const {
  const std::u32string s = clean_codepoints(utf8::decode(bytes), !is_prefix);
  std::size_t cut = s.size();
  if (is_prefix)
    while (cut > 0 && is_py_space(s[cut - 1])) --cut;
  std::size_t pos = 0;
  Span w{};
  std::string word;
  while (splitter.next(s, pos, w)) {
    if (w.end > cut) break;
    word.clear();
    for (std::size_t i = w.begin; i < w.end; ++i) utf8::append(s[i], word);
    const auto hit = cache.find(word);
    if (hit != cache.end()) out.insert(out.end(), hit->second.begin(), hit->second.end());
    else word_tokens_uncached(word, out);
    if (out.size() >= want) return true;
  }
  return out.size() >= want;
}

// Every cleaning step is local around an ASCII space, tab, LF or FF: NFC never composes
// across one, no HTML reference contains one, neither final-sigma scan passes one, and the
// split separates there. So a prefix ending just before one tokenizes as the full text does
// (up to its trailing whitespace), and a long text needs only as much prefix as gives the
// tokens the context can hold; the prefix grows geometrically, keeping the total linear.
void Tokenizer::Impl::text_tokens_locked(std::string_view text, std::size_t want,
                                         std::vector<int32_t>& out) const {
  const std::size_t base = out.size();
  if (text.size() > kPrefixBytes && want <= text.size() / 16) {
    std::size_t limit = std::max(kPrefixBytes, want * 16);
    while (limit < text.size()) {
      const std::size_t b = text.find_first_of(" \t\n\f", limit);
      if (b == std::string_view::npos) break;
      out.resize(base);
      if (tokenize_part(text.substr(0, b), base + want, true, out)) return;
      limit = std::max(limit * 4, b + 1);
    }
    out.resize(base);
  }
  tokenize_part(text, want == std::numeric_limits<std::size_t>::max() ? want : base + want,
                false, out);
}

// Shared by encode_ids and encode_batch, so both give the same ids by construction.
bool Tokenizer::Impl::append_encoding(std::string_view text, std::size_t context_length,
                                      std::vector<int32_t>& out) const {
  if (context_length == 1) {  // as the reference: tokens[:1], then the end token put last
    out.push_back(end);
    return true;
  }
  // Keep context-2 text tokens; one more tells whether anything was cut.
  const std::size_t want = context_length == kNoTruncation
                               ? std::numeric_limits<std::size_t>::max()
                               : context_length - 1;
  const std::size_t first = out.size();
  out.push_back(start);
  text_tokens_locked(text, want, out);
  const std::size_t body = out.size() - first - 1;
  const bool cut = context_length != kNoTruncation && body + 2 > context_length;
  if (cut) out.resize(first + context_length - 1);
  out.push_back(end);
  return cut;
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<int32_t> Tokenizer::encode_ids(std::string_view text, std::size_t context_length,
                                           bool* truncated) const {
  const Impl& m = *impl_;
  std::vector<int32_t> ids;
  const std::lock_guard<std::mutex> lock(m.cache_mutex);
  const bool cut = m.append_encoding(text, context_length, ids);
  if (truncated) *truncated = cut;
  return ids;
}

BatchEncoding Tokenizer::encode_batch(const std::vector<std::string_view>& texts,
                                      std::size_t context_length) const {
  const Impl& m = *impl_;
  BatchEncoding b;
  b.offsets.reserve(texts.size() + 1);
  b.truncated.reserve(texts.size());
  b.ids.reserve(texts.size() * 12);  // typical labels: about ten ids each
  b.offsets.push_back(0);
  const std::lock_guard<std::mutex> lock(m.cache_mutex);
  for (const std::string_view text : texts) {
    b.truncated.push_back(m.append_encoding(text, context_length, b.ids) ? 1 : 0);
    b.offsets.push_back(static_cast<uint32_t>(b.ids.size()));
  }
  return b;
}

Encoding Tokenizer::encode(std::string_view text, std::size_t context_length) const {
  const Impl& m = *impl_;
  Encoding e;
  e.ids = encode_ids(text, context_length, &e.truncated);
  e.tokens.reserve(e.ids.size());
  e.display.reserve(e.ids.size());
  e.word_end.reserve(e.ids.size());
  for (int32_t id : e.ids) {  // ids from encode_ids are all defined
    e.tokens.emplace_back(m.token_at(id));
    e.display.emplace_back();
    m.display_into(id, e.display.back());
    e.word_end.push_back(m.word_end_at(id));
  }
  return e;
}

PackedEncoding Tokenizer::encode_packed(std::string_view text, std::size_t context_length) const {
  const Impl& m = *impl_;
  PackedEncoding p;
  p.ids = encode_ids(text, context_length, &p.truncated);
  const std::size_t n = p.ids.size();
  p.ends.reserve(2 * n);
  p.word_end.reserve(n);
  for (int32_t id : p.ids) {
    p.text.append(m.token_at(id));
    p.ends.push_back(static_cast<uint32_t>(p.text.size()));
    p.word_end.push_back(m.word_end_at(id) ? 1 : 0);
  }
  for (int32_t id : p.ids) {
    m.display_into(id, p.text);
    p.ends.push_back(static_cast<uint32_t>(p.text.size()));
  }
  return p;
}

std::vector<int32_t> Tokenizer::bpe_word(std::string_view word, BpeMethod method) const {
  std::vector<int32_t> out;
  impl_->bpe(word, method, out);
  return out;
}

int32_t Tokenizer::start_id() const { return impl_->start; }
int32_t Tokenizer::end_id() const { return impl_->end; }
std::size_t Tokenizer::vocab_size() const { return impl_->spans.size(); }

std::string_view Tokenizer::token(int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= impl_->spans.size() || !impl_->spans[id].defined)
    throw TokenizerError("token id " + std::to_string(id) + " is not in the vocabulary");
  return impl_->token_at(id);
}

bool Tokenizer::is_word_end(int32_t id) const {
  (void)token(id);  // throws for an unknown id
  return impl_->word_end_at(id);
}

void Tokenizer::append_display(int32_t id, std::string& out) const {
  (void)token(id);
  impl_->display_into(id, out);
}

namespace {

// A token holding part of a character's bytes: redo its bytes with U+FFFD for the parts
// (rare, so the copy it needs stays out of the common path).
void replace_invalid_tail(std::string& out, std::size_t start) {
  const std::string raw = out.substr(start);
  out.resize(start);
  utf8::append_valid(raw, out);
}

}  // namespace

// Back from byte symbols to text, as the reference's decode() does (bytes that do not form
// a whole character become U+FFFD). The bytes go straight into out: this runs per token.
void Tokenizer::Impl::display_into(int32_t id, std::string& out) const {
  std::string_view t = token_at(id);
  if (is_special[id]) {
    out.append(t);
    return;
  }
  if (word_end_at(id)) t.remove_suffix(suffix.size());
  const std::size_t start = out.size();
  utf8::for_each_codepoint(t, [&](char32_t c) {
    if (c < char_byte.size() && char_byte[c] >= 0) out.push_back(static_cast<char>(char_byte[c]));
    else utf8::append(c, out);  // not a byte symbol (an odd vocab): keep the character
  });
  if (!utf8::is_valid(std::string_view(out).substr(start))) replace_invalid_tail(out, start);
}

std::string Tokenizer::display(int32_t id) const {
  std::string out;
  append_display(id, out);
  return out;
}

// ================================= loading =================================

namespace {

// Streams tokenizer.json: model.vocab (~50k entries) and model.merges (~49k) go straight
// into flat buffers, everything else (small) becomes an ordinary JSON tree. A full DOM of
// the 3.9 MB file costs several times more, which matters for the page's load budget.
class LoadSax : public nlohmann::json_sax<Json> {
 public:
  Json root;
  bool vocab_streamed = false, merges_streamed = false;
  std::string vocab_text;  // the vocab's tokens back to back
  struct VocabEntry {
    uint32_t offset, length;
    int64_t id;  // -1 for a negative number
  };
  std::vector<VocabEntry> vocab;
  std::string vocab_error;  // first bad vocab entry
  std::string merge_text;   // left then right symbol of each merge, back to back
  struct MergeEntry {
    uint32_t offset, left, right;  // left symbol's bytes, then right's: together the result
  };
  std::vector<MergeEntry> merges;
  std::string merges_error;  // first bad merges entry
  std::string parse_error_message;

  bool null() override { return value(Json()); }
  bool boolean(bool v) override { return value(Json(v)); }
  bool number_integer(number_integer_t v) override {
    if (vocab_value()) return add_vocab(v < 0 ? -1 : v);
    return value(Json(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (vocab_value())
      return add_vocab(v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v));
    return value(Json(v));
  }
  bool number_float(number_float_t v, const string_t&) override { return value(Json(v)); }
  bool binary(binary_t&) override { return value(Json()); }
  bool string(string_t& v) override {
    if (mode_ == Mode::Merges) {
      if (depth_ == 1) {
        const std::size_t sp = v.find(' ');
        if (sp == std::string::npos || v.find(' ', sp + 1) != std::string::npos)
          return bad_merge(quote(v) + " is not two symbols separated by one space");
        add_merge(std::string_view(v).substr(0, sp), std::string_view(v).substr(sp + 1));
        return true;
      }
      if (depth_ == 2) pair_.push_back(std::move(v));
      return true;
    }
    return value(Json(std::move(v)));
  }
  bool key(string_t& k) override {
    if (mode_ == Mode::Vocab && depth_ == 1) vocab_key_.assign(k);
    else if (mode_ == Mode::Dom) key_.assign(k);
    return true;
  }
  bool start_object(std::size_t) override {
    if (mode_ == Mode::Dom && in_model() && key_ == "vocab") {
      mode_ = Mode::Vocab, depth_ = 1, vocab_streamed = true;
      return true;
    }
    if (mode_ != Mode::Dom) return nested_start();
    return open(Json::object());
  }
  bool start_array(std::size_t) override {
    if (mode_ == Mode::Dom && in_model() && key_ == "merges") {
      mode_ = Mode::Merges, depth_ = 1, merges_streamed = true;
      return true;
    }
    if (mode_ == Mode::Merges && depth_ == 1) {
      pair_.clear();
      pair_ok_ = true;
      ++depth_;
      return true;
    }
    if (mode_ != Mode::Dom) return nested_start();
    return open(Json::array());
  }
  bool end_object() override { return close(); }
  bool end_array() override {
    if (mode_ == Mode::Merges && depth_ == 2) {
      --depth_;
      if (!pair_ok_ || pair_.size() != 2)
        return bad_merge("is neither \"left right\" nor [\"left\", \"right\"]");
      add_merge(pair_[0], pair_[1]);
      return true;
    }
    return close();
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    parse_error_message = one_line(e.what());
    return false;
  }

 private:
  enum class Mode { Dom, Vocab, Merges };
  Mode mode_ = Mode::Dom;
  int depth_ = 0;  // nesting inside the streamed vocab/merges container
  std::vector<Json*> stack_;
  std::vector<bool> stack_is_model_;
  std::string key_, vocab_key_;
  std::vector<std::string> pair_;
  bool pair_ok_ = true;

  bool in_model() const { return stack_.size() == 2 && stack_is_model_.back(); }
  bool vocab_value() const { return mode_ == Mode::Vocab && depth_ == 1; }

  bool add_vocab(int64_t id) {
    vocab.push_back({static_cast<uint32_t>(vocab_text.size()),
                     static_cast<uint32_t>(vocab_key_.size()), id});
    vocab_text += vocab_key_;
    return true;
  }
  void add_merge(std::string_view left, std::string_view right) {
    merges.push_back({static_cast<uint32_t>(merge_text.size()), static_cast<uint32_t>(left.size()),
                      static_cast<uint32_t>(right.size())});
    merge_text.append(left).append(right);
  }

  // A value in the tree: at the top, appended to an array, or under the last key.
  Json* place(Json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    Json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    Json& slot = top[key_];
    slot = std::move(v);
    return &slot;
  }
  bool open(Json container) {
    const bool is_model = stack_.size() == 1 && key_ == "model";
    stack_.push_back(place(std::move(container)));
    stack_is_model_.push_back(is_model);
    return true;
  }
  bool close() {
    if (mode_ != Mode::Dom) {
      if (--depth_ == 0) mode_ = Mode::Dom;
      return true;
    }
    stack_.pop_back();
    stack_is_model_.pop_back();
    return true;
  }
  bool value(Json v) {
    if (mode_ == Mode::Vocab) {
      if (depth_ == 1 && vocab_error.empty())
        vocab_error = "model.vocab[" + quote(vocab_key_) + "] is not an integer id";
      return true;
    }
    if (mode_ == Mode::Merges) {
      if (depth_ == 1) return bad_merge("is neither \"left right\" nor [\"left\", \"right\"]");
      if (depth_ == 2) pair_ok_ = false;
      return true;
    }
    place(std::move(v));
    return true;
  }
  bool nested_start() {  // an object or array where vocab ids or merge strings belong
    if (mode_ == Mode::Vocab && depth_ == 1 && vocab_error.empty())
      vocab_error = "model.vocab[" + quote(vocab_key_) + "] is not an integer id";
    if (mode_ == Mode::Merges && depth_ == 2) pair_ok_ = false;
    ++depth_;
    return true;
  }
  bool bad_merge(const std::string& what) {
    if (merges_error.empty())
      merges_error = "model.merges[" + std::to_string(merges.size()) + "] " + what;
    add_merge({}, {});  // keeps later indices right
    return true;
  }
};

// token -> id while loading, over views of the tokens' bytes (open addressing). Slots keep
// the hash, so probing rarely touches the token bytes themselves.
class VocabIndex {
 public:
  explicit VocabIndex(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }
  // A later duplicate replaces the earlier one (as a repeated JSON key does) unless
  // keep_existing is set (added tokens never shadow the vocab).
  void insert(std::string_view key, int32_t id, bool keep_existing = false) {
    const uint64_t h = hash(key);
    std::size_t i = h & mask_;
    while (slots_[i].id >= 0 && !(slots_[i].hash == h && slots_[i].key == key)) i = (i + 1) & mask_;
    if (slots_[i].id >= 0 && keep_existing) return;
    slots_[i] = {h, key, id};
  }
  int32_t find(std::string_view key) const {
    const uint64_t h = hash(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.hash == h && s.key == key) return s.id;
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    std::string_view key;
    int32_t id = -1;
  };
  std::vector<Slot> slots_;
  std::size_t mask_;
  static uint64_t hash(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return (h ^ (h >> 32)) * 0x9e3779b97f4a7c15ull >> 16;  // spread into the low bits used
  }
};

int32_t checked_id(int64_t id, const std::function<std::string()>& where, std::size_t limit) {
  if (id < 0 || static_cast<uint64_t>(id) >= limit)
    fail(where() + " = " + (id < 0 ? std::string("a negative number") : std::to_string(id)) +
         " is out of range (ids must be 0 to " + std::to_string(limit - 1) +
         " for a file this size)");
  return static_cast<int32_t>(id);
}

int32_t json_id(const Json& v, const std::string& where, std::size_t limit) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    return checked_id(u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u),
                      [&] { return where; }, limit);
  }
  if (v.is_number_integer()) return checked_id(v.get<int64_t>(), [&] { return where; }, limit);
  fail(where + " is not an integer id");
}

// The start/end tokens the post-processor adds: RobertaProcessing/BertProcessing give
// cls/sep as [string, id]; TemplateProcessing lists special tokens around the sequence.
void find_post_processor_specials(const Json& pp, std::string& start, std::string& end) {
  if (!pp.is_object()) return;
  const Json* type = pp.contains("type") ? &pp["type"] : nullptr;
  if (type && *type == "Sequence" && pp.contains("processors") && pp["processors"].is_array()) {
    for (const Json& p : pp["processors"]) find_post_processor_specials(p, start, end);
    return;
  }
  if (pp.contains("cls") && pp["cls"].is_array() && !pp["cls"].empty() &&
      pp["cls"][0].is_string())
    start = pp["cls"][0].get<std::string>();
  if (pp.contains("sep") && pp["sep"].is_array() && !pp["sep"].empty() &&
      pp["sep"][0].is_string())
    end = pp["sep"][0].get<std::string>();
  if (pp.contains("single") && pp["single"].is_array()) {
    bool seen_sequence = false;
    for (const Json& piece : pp["single"]) {
      if (!piece.is_object()) continue;
      if (piece.contains("Sequence")) seen_sequence = true;
      if (piece.contains("SpecialToken") && piece["SpecialToken"].is_object() &&
          piece["SpecialToken"].contains("id") && piece["SpecialToken"]["id"].is_string()) {
        (seen_sequence ? end : start) = piece["SpecialToken"]["id"].get<std::string>();
      }
    }
  }
}

}  // namespace

Tokenizer Tokenizer::from_json(std::string_view json_text) {
  if (json_text.size() >= UINT32_MAX) fail("the file is larger than 4 GB");
  LoadSax sax;
  bool parsed = false;
  try {
    parsed = Json::sax_parse(json_text.begin(), json_text.end(), &sax);
  } catch (const Json::exception& e) {
    sax.parse_error_message = one_line(e.what());
  }
  if (!parsed)
    fail("not valid JSON (" +
         (sax.parse_error_message.empty() ? std::string("parse failed") : sax.parse_error_message) +
         ")");
  const Json& root = sax.root;
  if (!root.is_object()) fail("the top level is not a JSON object");
  if (!root.contains("model")) fail("\"model\" is missing");
  const Json& model = root["model"];
  if (!model.is_object()) fail("\"model\" is not an object");
  if (model.contains("type") && model["type"] != "BPE")
    fail("model.type is " + quote(model["type"].dump()) + ", only \"BPE\" is supported");
  if (!sax.vocab_streamed) fail("model.vocab is missing or not an object of token -> id");
  if (!sax.vocab_error.empty()) fail(sax.vocab_error);
  if (!sax.merges_streamed) fail("model.merges is missing or not an array");
  const Json& added = root.contains("added_tokens") ? root["added_tokens"] : Json::array();
  if (!added.is_array() && !added.is_null()) fail("added_tokens is not an array");
  const std::size_t added_count = added.is_array() ? added.size() : 0;

  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  if (model.contains("end_of_word_suffix") && !model["end_of_word_suffix"].is_null()) {
    if (!model["end_of_word_suffix"].is_string()) fail("model.end_of_word_suffix is not a string");
    m.suffix = model["end_of_word_suffix"].get<std::string>();
  }
  if (m.suffix.empty())
    fail("model.end_of_word_suffix is empty; CLIP's BPE marks word ends with \"</w>\"");
  if (model.contains("continuing_subword_prefix") &&
      model["continuing_subword_prefix"].is_string() &&
      !model["continuing_subword_prefix"].get<std::string>().empty())
    fail("model.continuing_subword_prefix is set, which CLIP's BPE does not use");

  // ---- ids: the vocab, then the added tokens ----
  // Ids index a table, so a file must not make it absurdly large; twice the entry count
  // leaves room for holes.
  const std::size_t limit = std::max<std::size_t>(1024, 2 * (sax.vocab.size() + added_count));
  m.token_text = std::move(sax.vocab_text);
  auto define = [&](uint32_t offset, uint32_t length, int32_t id,
                    const std::function<std::string()>& where) {
    if (static_cast<std::size_t>(id) >= m.spans.size()) m.spans.resize(id + 1);
    const std::string_view tok(m.token_text.data() + offset, length);
    if (m.spans[id].defined && m.token_at(id) != tok)
      fail(where() + " gives id " + std::to_string(id) + " to " + quote(tok) + ", but " +
           quote(m.token_at(id)) + " already has it");
    m.spans[id] = {offset, length, true};
  };
  m.spans.reserve(sax.vocab.size() + added_count);
  for (const LoadSax::VocabEntry& e : sax.vocab) {
    auto where = [&] {
      return "model.vocab[" + quote(std::string_view(m.token_text).substr(e.offset, e.length)) + "]";
    };
    define(e.offset, e.length, checked_id(e.id, where, limit), where);
  }
  std::vector<std::pair<std::string, int32_t>> added_tokens;
  for (std::size_t i = 0; i < added_count; ++i) {
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    const Json& a = added[i];
    if (!a.is_object() || !a.contains("content") || !a["content"].is_string() || !a.contains("id"))
      fail(where + " needs \"id\" and \"content\"");
    const std::string& content = a["content"].get_ref<const std::string&>();
    const int32_t id = json_id(a["id"], where + ".id", limit);
    const auto offset = static_cast<uint32_t>(m.token_text.size());
    m.token_text += content;
    define(offset, static_cast<uint32_t>(content.size()), id, [&] { return where; });
    added_tokens.emplace_back(content, id);
  }
  if (m.spans.empty()) fail("model.vocab is empty");
  // token_text is complete: views into it stay valid from here on
  VocabIndex vocab(sax.vocab.size() + added_count);
  for (const LoadSax::VocabEntry& e : sax.vocab)
    vocab.insert(std::string_view(m.token_text).substr(e.offset, e.length),
                 static_cast<int32_t>(e.id));
  for (const auto& added_token : added_tokens)
    vocab.insert(m.token_at(added_token.second), added_token.second, /*keep_existing=*/true);

  // ---- start and end tokens ----
  std::string start_text, end_text;
  auto is_added = [&](const std::string& s) {
    return std::any_of(added_tokens.begin(), added_tokens.end(),
                       [&](const auto& a) { return a.first == s; });
  };
  if (root.contains("post_processor"))
    find_post_processor_specials(root["post_processor"], start_text, end_text);
  if (start_text.empty() && is_added("<|startoftext|>")) start_text = "<|startoftext|>";
  if (end_text.empty() && is_added("<|endoftext|>")) end_text = "<|endoftext|>";
  if (start_text.empty() && vocab.find("<|startoftext|>") >= 0) start_text = "<|startoftext|>";
  if (end_text.empty() && vocab.find("<|endoftext|>") >= 0) end_text = "<|endoftext|>";
  if (start_text.empty())
    fail("no start token: post_processor names none and there is no \"<|startoftext|>\"");
  if (end_text.empty())
    fail("no end token: post_processor names none and there is no \"<|endoftext|>\"");
  for (const std::string* sp : {&start_text, &end_text}) {
    if (vocab.find(*sp) < 0)
      fail("the post_processor's special token " + quote(*sp) +
           " is neither in model.vocab nor in added_tokens");
  }
  m.start = vocab.find(start_text);
  m.end = vocab.find(end_text);
  m.specials = {start_text, end_text};
  m.splitter = Splitter(m.specials);
  m.is_special.assign(m.spans.size(), false);
  m.is_special[m.start] = m.is_special[m.end] = true;
  for (const auto& [content, id] : added_tokens) m.is_special[id] = true;

  // ---- the 256 byte symbols, plain and as word ends ----
  m.byte_char = bytes_to_unicode();
  m.char_byte.fill(-1);
  for (int b = 0; b < 256; ++b) {
    std::string sym;
    utf8::append(m.byte_char[b], sym);
    m.char_byte[m.byte_char[b]] = static_cast<int16_t>(b);
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", b);
    m.byte_id[b] = vocab.find(sym);
    if (m.byte_id[b] < 0)
      fail("model.vocab lacks the byte-level symbol " + quote(sym) + " (byte " + hex + ")");
    m.byte_end_id[b] = vocab.find(sym + m.suffix);
    if (m.byte_end_id[b] < 0)
      fail("model.vocab lacks the byte-level word end " + quote(sym + m.suffix) + " (byte " +
           hex + ")");
  }

  // ---- merges: "left right" strings or [left, right] arrays, ranked by position ----
  if (!sax.merges_error.empty()) fail(sax.merges_error);
  m.merges.reserve(sax.merges.size());
  m.by_rank.resize(sax.merges.size());
  const std::string_view mt(sax.merge_text);
  for (std::size_t i = 0; i < sax.merges.size(); ++i) {
    const LoadSax::MergeEntry& e = sax.merges[i];
    const std::string_view left = mt.substr(e.offset, e.left);
    const std::string_view right = mt.substr(e.offset + e.left, e.right);
    const std::string_view joined = mt.substr(e.offset, e.left + e.right);
    auto where = [&] {
      return "model.merges[" + std::to_string(i) + "] (" +
             quote(std::string(left) + " " + std::string(right)) + ")";
    };
    if (left.empty() || right.empty()) fail(where() + " has an empty symbol");
    const int32_t l = vocab.find(left), r = vocab.find(right), res = vocab.find(joined);
    if (l < 0) fail(where() + " uses " + quote(left) + ", which is not in model.vocab");
    if (r < 0) fail(where() + " uses " + quote(right) + ", which is not in model.vocab");
    if (res < 0) fail(where() + " makes " + quote(joined) + ", which is not in model.vocab");
    // A repeated pair takes its last rank, as the reference's dict(zip(merges, ranks)) does.
    m.merges.insert(l, r, {static_cast<int32_t>(i), res});
    m.by_rank[i] = {l, r, res};
  }
  m.token_text.shrink_to_fit();
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TokenizerError("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw TokenizerError("cannot read " + path);
  return from_json(ss.str());
}

// ================================ snapshot ================================
//
// The loaded tables in one flat buffer, so that a page loading the same tokenizer.json again
// copies them instead of parsing 3.9 MB of JSON (about 50 ms in WebAssembly, on the thread
// that is also starting ONNX Runtime). Little-endian throughout:
//   "CLIPXTOK" | u32 format | u64 FNV-1a of the rest | suffix | u32 start | u32 end |
//   token_text | u32 n_ids, each u32 offset, u32 length,
//   u8 flags (1 defined, 2 special) | 256 u32 byte ids | 256 u32 byte word-end ids |
//   u32 n_merges, each u32 left, right, result (rank = position)
// A string is u32 byte count + bytes. Everything is checked on load: a damaged or foreign
// buffer is refused with a message, never trusted.

namespace {

constexpr char kSnapshotMagic[8] = {'C', 'L', 'I', 'P', 'X', 'T', 'O', 'K'};
constexpr uint32_t kSnapshotFormat = 1;
constexpr std::size_t kSnapshotHeader = 8 + 4 + 8;

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

class SnapshotWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) {
    for (int k = 0; k < 4; ++k) u8(static_cast<uint8_t>(v >> (8 * k)));
  }
  void u64(uint64_t v) {
    for (int k = 0; k < 8; ++k) u8(static_cast<uint8_t>(v >> (8 * k)));
  }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

[[noreturn]] void snapshot_fail(const std::string& what) {
  throw TokenizerError("tokenizer snapshot: " + what);
}

class SnapshotReader {
 public:
  explicit SnapshotReader(std::string_view in) : in_(in) {}
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(in_[at_++]);
  }
  uint32_t u32() {
    need(4);
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<uint32_t>(static_cast<uint8_t>(in_[at_ + k])) << (8 * k);
    at_ += 4;
    return v;
  }
  uint64_t u64() {
    const uint64_t lo = u32();
    return lo | (static_cast<uint64_t>(u32()) << 32);
  }
  std::string_view str() {
    const uint32_t n = u32();
    need(n);
    const std::string_view s = in_.substr(at_, n);
    at_ += n;
    return s;
  }
  // A count of records of `record_bytes` each that must fit in what is left.
  uint32_t count(std::size_t record_bytes, const char* what) {
    const uint32_t n = u32();
    if (n > (in_.size() - at_) / record_bytes) snapshot_fail(std::string(what) + " count runs past the end");
    return n;
  }
  bool done() const { return at_ == in_.size(); }

 private:
  void need(std::size_t n) const {
    if (in_.size() - at_ < n) snapshot_fail("truncated");
  }
  std::string_view in_;
  std::size_t at_ = 0;
};

}  // namespace

std::string Tokenizer::snapshot() const {
  const Impl& m = *impl_;
  SnapshotWriter w;
  w.str(m.suffix);
  w.u32(static_cast<uint32_t>(m.start));
  w.u32(static_cast<uint32_t>(m.end));
  w.str(m.token_text);
  w.u32(static_cast<uint32_t>(m.spans.size()));
  for (std::size_t id = 0; id < m.spans.size(); ++id) {
    w.u32(m.spans[id].offset);
    w.u32(m.spans[id].length);
    w.u8((m.spans[id].defined ? 1 : 0) | (m.is_special[id] ? 2 : 0));
  }
  for (int32_t id : m.byte_id) w.u32(static_cast<uint32_t>(id));
  for (int32_t id : m.byte_end_id) w.u32(static_cast<uint32_t>(id));
  w.u32(static_cast<uint32_t>(m.by_rank.size()));
  for (const Impl::RankedMerge& r : m.by_rank) {
    w.u32(static_cast<uint32_t>(r.left));
    w.u32(static_cast<uint32_t>(r.right));
    w.u32(static_cast<uint32_t>(r.result));
  }
  const std::string& body = w.bytes();
  SnapshotWriter head;
  head.bytes().append(kSnapshotMagic, sizeof kSnapshotMagic);
  head.u32(kSnapshotFormat);
  head.u64(fnv1a64(body));
  return head.bytes() + body;
}

Tokenizer Tokenizer::from_snapshot(std::string_view bytes) {
  if (bytes.size() < kSnapshotHeader || bytes.compare(0, 8, kSnapshotMagic, 8) != 0)
    snapshot_fail("not a tokenizer snapshot");
  SnapshotReader head(bytes.substr(8, kSnapshotHeader - 8));
  if (const uint32_t format = head.u32(); format != kSnapshotFormat)
    snapshot_fail("format " + std::to_string(format) + ", this build reads format " +
                  std::to_string(kSnapshotFormat));
  const std::string_view body = bytes.substr(kSnapshotHeader);
  if (head.u64() != fnv1a64(body)) snapshot_fail("checksum mismatch (the copy is damaged)");

  SnapshotReader r(body);
  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  m.suffix = std::string(r.str());
  if (m.suffix.empty()) snapshot_fail("empty word-end suffix");
  const uint32_t start = r.u32(), end = r.u32();
  m.token_text = std::string(r.str());
  const uint32_t n_ids = r.count(9, "id");
  if (n_ids == 0) snapshot_fail("empty vocabulary");
  m.spans.resize(n_ids);
  m.is_special.assign(n_ids, false);
  for (uint32_t id = 0; id < n_ids; ++id) {
    const uint32_t offset = r.u32(), length = r.u32();
    const uint8_t flags = r.u8();
    if (offset > m.token_text.size() || length > m.token_text.size() - offset)
      snapshot_fail("id " + std::to_string(id) + " points outside the token text");
    m.spans[id] = {offset, length, (flags & 1) != 0};
    m.is_special[id] = (flags & 2) != 0;
    // Special tokens are shown as they are, so they must be text (JSON strings always are).
    if (m.is_special[id] && !utf8::is_valid(m.token_at(static_cast<int32_t>(id))))
      snapshot_fail("special token " + std::to_string(id) + " is not valid UTF-8");
  }
  auto known = [&](uint32_t id) { return id < n_ids && m.spans[id].defined; };
  auto checked = [&](uint32_t id, const char* what) {
    if (!known(id)) snapshot_fail(std::string(what) + " id " + std::to_string(id) + " is not in the vocabulary");
    return static_cast<int32_t>(id);
  };
  m.start = checked(start, "start");
  m.end = checked(end, "end");
  for (int32_t& id : m.byte_id) id = checked(r.u32(), "byte symbol");
  for (int32_t& id : m.byte_end_id) id = checked(r.u32(), "byte word-end symbol");
  const uint32_t n_merges = r.count(12, "merge");
  m.merges.reserve(n_merges);
  m.by_rank.resize(n_merges);
  for (uint32_t rank = 0; rank < n_merges; ++rank) {
    const int32_t left = checked(r.u32(), "merge"), right = checked(r.u32(), "merge");
    const int32_t result = checked(r.u32(), "merge");
    m.merges.insert(left, right, {static_cast<int32_t>(rank), result});
    m.by_rank[rank] = {left, right, result};
  }
  if (!r.done()) snapshot_fail("unexpected bytes after the merges");
  m.specials = {std::string(m.token_at(m.start)), std::string(m.token_at(m.end))};
  m.splitter = Splitter(m.specials);
  m.byte_char = bytes_to_unicode();
  m.char_byte.fill(-1);
  for (int b = 0; b < 256; ++b) m.char_byte[m.byte_char[b]] = static_cast<int16_t>(b);
  return Tokenizer(std::move(impl));
}

// ============================ text:: entry points ============================

namespace text {

std::string clean(std::string_view utf8_text) {
  return utf8::encode(clean_codepoints(utf8::decode(utf8_text), true));
}

std::vector<std::string> split(std::string_view cleaned_utf8,
                               const std::vector<std::string>& specials) {
  const Splitter splitter(specials);
  const std::u32string s = utf8::decode(cleaned_utf8);
  std::vector<std::string> words;
  std::size_t pos = 0;
  Span w{};
  while (splitter.next(s, pos, w)) words.push_back(utf8::encode(s.substr(w.begin, w.end - w.begin)));
  return words;
}

}  // namespace text
}  // namespace clipx
