#include "tokenizer.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <fstream>
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

constexpr std::size_t kQuadraticMaxSymbols = 48;  // beyond this the heap BPE is faster
constexpr std::size_t kCacheMaxWordBytes = 64;
constexpr std::size_t kCacheMaxEntries = 1 << 16;
constexpr std::size_t kPrefixBytes = 2048;  // texts longer than this are cut into prefixes

}  // namespace

// ================================ Tokenizer ================================

struct Tokenizer::Impl {
  std::vector<std::string> id_to_token;
  std::vector<bool> defined;  // id_to_token[id] is a real entry
  std::unordered_map<std::string, int32_t> vocab;
  struct Merge {
    int32_t rank, result;
  };
  std::unordered_map<uint64_t, Merge> merges;
  std::array<int32_t, 256> byte_id{}, byte_end_id{};
  std::array<char32_t, 256> byte_char{};
  std::unordered_map<char32_t, uint8_t> char_byte;
  std::string suffix = "</w>";
  int32_t start = -1, end = -1;
  std::vector<std::string> specials;  // start and end strings: the pattern's literals
  std::vector<bool> is_special;
  Splitter splitter{{}};

  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;

  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  const Merge* find_merge(int32_t a, int32_t b) const {
    auto it = merges.find(key(a, b));
    return it == merges.end() ? nullptr : &it->second;
  }

  void bpe_quadratic(std::vector<int32_t>& sym) const;
  void bpe_heap(std::vector<int32_t>& sym) const;
  void bpe(std::string_view word, Tokenizer::BpeMethod method, std::vector<int32_t>& out) const;
  void word_tokens(const std::string& word, std::vector<int32_t>& out) const;
  bool tokenize_part(std::string_view bytes, std::size_t want, bool is_prefix,
                     std::vector<int32_t>& out) const;
  std::vector<int32_t> text_tokens(std::string_view text, std::size_t want) const;
};

// OpenAI's bpe(): repeatedly take the adjacent pair of lowest merge rank and merge every
// occurrence of it, left to right, until no pair has a rank.
void Tokenizer::Impl::bpe_quadratic(std::vector<int32_t>& sym) const {
  while (sym.size() > 1) {
    const Merge* best = nullptr;
    int32_t a = 0, b = 0;
    for (std::size_t i = 0; i + 1 < sym.size(); ++i) {
      const Merge* m = find_merge(sym[i], sym[i + 1]);
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

// The same result in O(n log n) for long words: a heap of candidate pairs over a linked list.
// All pairs of the lowest rank are merged as one pass, in text order, and pairs created by
// that pass wait until it ends, exactly as the reference's pass over the word does.
void Tokenizer::Impl::bpe_heap(std::vector<int32_t>& sym) const {
  const int32_t n = static_cast<int32_t>(sym.size());
  std::vector<int32_t> prev(n), next(n);
  std::vector<uint32_t> version(n, 0);
  std::vector<char> alive(n, 1);
  for (int32_t i = 0; i < n; ++i) prev[i] = i - 1, next[i] = (i + 1 < n) ? i + 1 : -1;
  struct Entry {
    int32_t rank, left, right, result;
    uint32_t v_left, v_right;
    bool operator>(const Entry& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  auto candidate = [&](int32_t l, int32_t r, std::vector<Entry>* to) {
    if (const Merge* m = find_merge(sym[l], sym[r])) {
      const Entry e{m->rank, l, r, m->result, version[l], version[r]};
      if (to) to->push_back(e); else heap.push(e);
    }
  };
  for (int32_t i = 0; i + 1 < n; ++i) candidate(i, i + 1, nullptr);
  std::vector<Entry> pass, created;
  while (!heap.empty()) {
    const int32_t rank = heap.top().rank;
    pass.clear();
    while (!heap.empty() && heap.top().rank == rank) {
      pass.push_back(heap.top());
      heap.pop();
    }
    created.clear();
    for (const Entry& e : pass) {
      if (!alive[e.left] || !alive[e.right] || version[e.left] != e.v_left ||
          version[e.right] != e.v_right || next[e.left] != e.right)
        continue;  // stale: one side was merged since this pair was seen
      sym[e.left] = e.result;
      ++version[e.left];
      alive[e.right] = 0;
      ++version[e.right];
      const int32_t after = next[e.right];
      next[e.left] = after;
      if (after >= 0) prev[after] = e.left;
      if (prev[e.left] >= 0) candidate(prev[e.left], e.left, &created);
      if (after >= 0) candidate(e.left, after, &created);
    }
    for (const Entry& e : created) heap.push(e);
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
    method = sym.size() <= kQuadraticMaxSymbols ? BpeMethod::Quadratic : BpeMethod::Heap;
  if (method == BpeMethod::Quadratic) bpe_quadratic(sym); else bpe_heap(sym);
  out.insert(out.end(), sym.begin(), sym.end());
}

void Tokenizer::Impl::word_tokens(const std::string& word, std::vector<int32_t>& out) const {
  if (word.size() > kCacheMaxWordBytes) {
    bpe(word, BpeMethod::Auto, out);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto it = cache.find(word);
    if (it != cache.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> ids;
  bpe(word, BpeMethod::Auto, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  std::lock_guard<std::mutex> lock(cache_mutex);
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
    word_tokens(word, out);
    if (out.size() >= want) return true;
  }
  return out.size() >= want;
}

// Every cleaning step is local around an ASCII space, tab, LF or FF: NFC never composes
// across one, no HTML reference contains one, neither final-sigma scan passes one, and the
// split separates there. So a prefix ending just before one tokenizes as the full text does
// (up to its trailing whitespace), and a long text needs only as much prefix as gives the
// tokens the context can hold; the prefix grows geometrically, keeping the total linear.
std::vector<int32_t> Tokenizer::Impl::text_tokens(std::string_view text, std::size_t want) const {
  std::vector<int32_t> out;
  if (text.size() > kPrefixBytes && want <= text.size() / 16) {
    std::size_t limit = std::max(kPrefixBytes, want * 16);
    while (limit < text.size()) {
      const std::size_t b = text.find_first_of(" \t\n\f", limit);
      if (b == std::string_view::npos) break;
      out.clear();
      if (tokenize_part(text.substr(0, b), want, true, out)) return out;
      limit = std::max(limit * 4, b + 1);
    }
    out.clear();
  }
  tokenize_part(text, want, false, out);
  return out;
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<int32_t> Tokenizer::encode_ids(std::string_view text, std::size_t context_length,
                                           bool* truncated) const {
  const Impl& m = *impl_;
  std::vector<int32_t> ids;
  if (context_length == 1) {  // as the reference: tokens[:1], then the end token put last
    if (truncated) *truncated = true;
    return {m.end};
  }
  // Keep context-2 text tokens; one more tells whether anything was cut.
  const std::size_t want = context_length == kNoTruncation
                               ? std::numeric_limits<std::size_t>::max()
                               : context_length - 1;
  const std::vector<int32_t> body = m.text_tokens(text, want);
  ids.reserve(std::min(body.size(), want) + 2);
  ids.push_back(m.start);
  const bool cut = context_length != kNoTruncation && body.size() + 2 > context_length;
  if (cut) {
    ids.insert(ids.end(), body.begin(), body.begin() + (context_length - 2));
  } else {
    ids.insert(ids.end(), body.begin(), body.end());
  }
  ids.push_back(m.end);
  if (truncated) *truncated = cut;
  return ids;
}

Encoding Tokenizer::encode(std::string_view text, std::size_t context_length) const {
  Encoding e;
  e.ids = encode_ids(text, context_length, &e.truncated);
  e.tokens.reserve(e.ids.size());
  e.display.reserve(e.ids.size());
  e.word_end.reserve(e.ids.size());
  for (int32_t id : e.ids) {
    e.tokens.push_back(token(id));
    e.display.push_back(display(id));
    e.word_end.push_back(is_word_end(id));
  }
  return e;
}

std::vector<int32_t> Tokenizer::bpe_word(std::string_view word, BpeMethod method) const {
  std::vector<int32_t> out;
  impl_->bpe(word, method, out);
  return out;
}

int32_t Tokenizer::start_id() const { return impl_->start; }
int32_t Tokenizer::end_id() const { return impl_->end; }
std::size_t Tokenizer::vocab_size() const { return impl_->id_to_token.size(); }

const std::string& Tokenizer::token(int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= impl_->id_to_token.size() ||
      !impl_->defined[id])
    throw TokenizerError("token id " + std::to_string(id) + " is not in the vocabulary");
  return impl_->id_to_token[id];
}

bool Tokenizer::is_word_end(int32_t id) const {
  const std::string& t = token(id);
  const std::string& sfx = impl_->suffix;
  return !impl_->is_special[id] && !sfx.empty() && t.size() >= sfx.size() &&
         t.compare(t.size() - sfx.size(), sfx.size(), sfx) == 0;
}

// Back from byte symbols to text, as the reference's decode() does (bytes that do not form
// a whole character become U+FFFD).
std::string Tokenizer::display(int32_t id) const {
  std::string t = token(id);
  if (impl_->is_special[id]) return t;
  if (is_word_end(id)) t.resize(t.size() - impl_->suffix.size());
  std::string bytes;
  for (char32_t c : utf8::decode(t)) {
    auto it = impl_->char_byte.find(c);
    if (it != impl_->char_byte.end()) bytes.push_back(static_cast<char>(it->second));
    else utf8::append(c, bytes);
  }
  return utf8::encode(utf8::decode(bytes));
}

// ================================= loading =================================

namespace {

int32_t json_id(const Json& v, const std::string& where, std::size_t limit) {
  int64_t id = -1;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    id = u > static_cast<uint64_t>(INT32_MAX) ? INT64_MAX : static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    id = v.get<int64_t>();
  } else {
    fail(where + " is not an integer id");
  }
  if (id < 0 || static_cast<uint64_t>(id) >= limit)
    fail(where + " = " + std::to_string(id) + " is out of range (ids must be 0 to " +
         std::to_string(limit - 1) + " for a file this size)");
  return static_cast<int32_t>(id);
}

// The start/end tokens the post-processor adds: RobertaProcessing/BertProcessing give
// cls/sep as [string, id]; TemplateProcessing lists special tokens around the sequence.
void find_post_processor_specials(const Json& pp, std::string& start, std::string& end) {
  if (!pp.is_object()) return;
  const std::string type = pp.value("type", std::string());
  if (type == "Sequence" && pp.contains("processors") && pp["processors"].is_array()) {
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
  Json root;
  try {
    root = Json::parse(json_text.begin(), json_text.end());
  } catch (const Json::exception& e) {
    fail("not valid JSON (" + one_line(e.what()) + ")");
  }
  if (!root.is_object()) fail("the top level is not a JSON object");
  if (!root.contains("model")) fail("\"model\" is missing");
  const Json& model = root["model"];
  if (!model.is_object()) fail("\"model\" is not an object");
  if (model.contains("type") && model["type"] != "BPE")
    fail("model.type is " + quote(model["type"].dump()) + ", only \"BPE\" is supported");
  if (!model.contains("vocab") || !model["vocab"].is_object())
    fail("model.vocab is missing or not an object of token -> id");
  if (!model.contains("merges") || !model["merges"].is_array())
    fail("model.merges is missing or not an array");
  const Json& added = root.contains("added_tokens") ? root["added_tokens"] : Json::array();
  if (!added.is_array() && !added.is_null()) fail("added_tokens is not an array");

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

  // ---- ids ----
  const Json& vocab = model["vocab"];
  // Ids index a table, so a file must not make it absurdly large; twice the entry count
  // leaves room for holes.
  const std::size_t limit =
      std::max<std::size_t>(1024, 2 * (vocab.size() + (added.is_array() ? added.size() : 0)));
  m.vocab.reserve(vocab.size() * 2);
  auto define = [&](const std::string& tok, int32_t id, const std::string& where) {
    if (static_cast<std::size_t>(id) >= m.id_to_token.size()) {
      m.id_to_token.resize(id + 1);
      m.defined.resize(id + 1, false);
    }
    if (m.defined[id] && m.id_to_token[id] != tok)
      fail(where + " gives id " + std::to_string(id) + " to " + quote(tok) + ", but " +
           quote(m.id_to_token[id]) + " already has it");
    m.id_to_token[id] = tok;
    m.defined[id] = true;
  };
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    const std::string where = "model.vocab[" + quote(it.key()) + "]";
    const int32_t id = json_id(it.value(), where, limit);
    define(it.key(), id, where);
    m.vocab.emplace(it.key(), id);
  }
  std::unordered_map<std::string, int32_t> added_ids;
  if (added.is_array()) {
    for (std::size_t i = 0; i < added.size(); ++i) {
      const std::string where = "added_tokens[" + std::to_string(i) + "]";
      const Json& a = added[i];
      if (!a.is_object() || !a.contains("content") || !a["content"].is_string() ||
          !a.contains("id"))
        fail(where + " needs \"id\" and \"content\"");
      const std::string content = a["content"].get<std::string>();
      const int32_t id = json_id(a["id"], where + ".id", limit);
      define(content, id, where);
      m.vocab.emplace(content, id);
      added_ids[content] = id;
    }
  }
  if (m.id_to_token.empty()) fail("model.vocab is empty");

  // ---- start and end tokens ----
  std::string start_text, end_text;
  if (root.contains("post_processor"))
    find_post_processor_specials(root["post_processor"], start_text, end_text);
  if (start_text.empty() && added_ids.count("<|startoftext|>")) start_text = "<|startoftext|>";
  if (end_text.empty() && added_ids.count("<|endoftext|>")) end_text = "<|endoftext|>";
  if (start_text.empty() && m.vocab.count("<|startoftext|>")) start_text = "<|startoftext|>";
  if (end_text.empty() && m.vocab.count("<|endoftext|>")) end_text = "<|endoftext|>";
  if (start_text.empty())
    fail("no start token: post_processor names none and there is no \"<|startoftext|>\"");
  if (end_text.empty())
    fail("no end token: post_processor names none and there is no \"<|endoftext|>\"");
  for (const std::string* sp : {&start_text, &end_text}) {
    if (!m.vocab.count(*sp))
      fail("the post_processor's special token " + quote(*sp) +
           " is neither in model.vocab nor in added_tokens");
  }
  m.start = m.vocab[start_text];
  m.end = m.vocab[end_text];
  m.specials = {start_text, end_text};
  m.splitter = Splitter(m.specials);
  m.is_special.assign(m.id_to_token.size(), false);
  m.is_special[m.start] = m.is_special[m.end] = true;
  for (const auto& [content, id] : added_ids) m.is_special[id] = true;

  // ---- the 256 byte symbols, plain and as word ends ----
  m.byte_char = bytes_to_unicode();
  for (int b = 0; b < 256; ++b) {
    std::string sym;
    utf8::append(m.byte_char[b], sym);
    m.char_byte[m.byte_char[b]] = static_cast<uint8_t>(b);
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", b);
    auto it = m.vocab.find(sym);
    if (it == m.vocab.end())
      fail("model.vocab lacks the byte-level symbol " + quote(sym) + " (byte " + hex + ")");
    m.byte_id[b] = it->second;
    it = m.vocab.find(sym + m.suffix);
    if (it == m.vocab.end())
      fail("model.vocab lacks the byte-level word end " + quote(sym + m.suffix) + " (byte " +
           hex + ")");
    m.byte_end_id[b] = it->second;
  }

  // ---- merges: "left right" strings or [left, right] arrays, ranked by position ----
  const Json& merges = model["merges"];
  m.merges.reserve(merges.size() * 2);
  for (std::size_t i = 0; i < merges.size(); ++i) {
    const std::string where = "model.merges[" + std::to_string(i) + "]";
    const Json& e = merges[i];
    std::string left, right;
    if (e.is_string()) {
      const std::string s = e.get<std::string>();
      const std::size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        fail(where + " = " + quote(s) + " is not two symbols separated by one space");
      left = s.substr(0, sp);
      right = s.substr(sp + 1);
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      left = e[0].get<std::string>();
      right = e[1].get<std::string>();
    } else {
      fail(where + " is neither \"left right\" nor [\"left\", \"right\"]");
    }
    if (left.empty() || right.empty()) fail(where + " has an empty symbol");
    auto l = m.vocab.find(left), r = m.vocab.find(right), res = m.vocab.find(left + right);
    if (l == m.vocab.end()) fail(where + " uses " + quote(left) + ", which is not in model.vocab");
    if (r == m.vocab.end()) fail(where + " uses " + quote(right) + ", which is not in model.vocab");
    if (res == m.vocab.end())
      fail(where + " makes " + quote(left + right) + ", which is not in model.vocab");
    // A repeated pair takes its last rank, as the reference's dict(zip(merges, ranks)) does.
    m.merges[Impl::key(l->second, r->second)] = {static_cast<int32_t>(i), res->second};
  }
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
