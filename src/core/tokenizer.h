// CLIP's byte-level BPE tokenizer, loaded from a Hugging Face tokenizer.json and giving the
// ids OpenAI's reference tokenizer gives (its ftfy step taken as NFC):
//   NFC -> html.unescape twice -> strip -> collapse whitespace -> str.lower()
//   -> CLIP's split (case-insensitive) -> bytes as unicode -> BPE with "</w>" word ends
//   -> start token + ids + end token, truncated to the context with the end token kept last.
// Unicode data (NFC, letter/number/space classes, lowercase) comes from Python's tables via
// scripts/gen_unicode_tables.py. Invalid UTF-8 becomes U+FFFD, as Python's "replace" does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace clipx {

// A malformed or incomplete tokenizer.json, or an impossible argument. The message names
// what is wrong (e.g. "tokenizer.json: model.merges[12] ...") and is a single line.
class TokenizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr std::size_t kClipContextLength = 77;
constexpr std::size_t kNoTruncation = 0;  // as context_length: keep every token

struct Encoding {
  std::vector<int32_t> ids;          // start, text tokens, end; at most context_length
  std::vector<std::string> tokens;   // vocab strings, e.g. "photo</w>", "<|startoftext|>"
  std::vector<std::string> display;  // readable UTF-8 ("photo"); a token holding part of a
                                     // character's bytes shows U+FFFD for that part
  std::vector<bool> word_end;        // the token ends a word (its vocab string ends "</w>")
  bool truncated = false;            // the untruncated encoding was longer than the context
};

// encode()'s result with every string in one buffer, for bindings that hand it on in one
// piece: token i is text[ends[i-1] .. ends[i]) (ends[-1] = 0), display i follows all the
// tokens, at text[ends[n+i-1] .. ends[n+i]).
struct PackedEncoding {
  std::vector<int32_t> ids;
  std::string text;
  std::vector<uint32_t> ends;    // 2 * ids.size() byte offsets
  std::vector<uint8_t> word_end;  // 1 where the token ends a word
  bool truncated = false;
};

// Many texts encoded at once, laid out flat for bindings that hand it on in one piece:
// text i's ids (start and end tokens included) are ids[offsets[i] .. offsets[i+1]).
struct BatchEncoding {
  std::vector<int32_t> ids;
  std::vector<uint32_t> offsets;   // texts + 1 entries, offsets[0] = 0
  std::vector<uint8_t> truncated;  // 1 where text i was longer than the context
};

class Tokenizer {
 public:
  // Throw TokenizerError naming the problem (missing fields, merges using unknown symbols,
  // a vocab lacking a byte symbol, no start/end token, invalid JSON, ...).
  static Tokenizer from_json(std::string_view json_text);
  static Tokenizer from_file(const std::string& path);

  // The loaded tables as one buffer, and a tokenizer from such a buffer: the same ids as the
  // tokenizer it was taken from, at a fraction of from_json()'s cost. from_snapshot() throws
  // TokenizerError ("tokenizer snapshot: ...") for a truncated, damaged (checksummed) or
  // inconsistent buffer, or one written by another snapshot format.
  std::string snapshot() const;
  static Tokenizer from_snapshot(std::string_view bytes);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Any bytes are accepted. context_length 0 (kNoTruncation) keeps everything; otherwise
  // the result is at most context_length ids and ends with end_id(). Work stops once enough
  // tokens are known, so a huge text costs about as much as its first few hundred bytes.
  // Thread-safe: calls on one Tokenizer take turns (they share its word cache).
  std::vector<int32_t> encode_ids(std::string_view text,
                                  std::size_t context_length = kClipContextLength,
                                  bool* truncated = nullptr) const;
  Encoding encode(std::string_view text, std::size_t context_length = kClipContextLength) const;
  PackedEncoding encode_packed(std::string_view text,
                               std::size_t context_length = kClipContextLength) const;
  // encode_ids() of each text, in order; the same ids, with one lock and no per-text vectors.
  BatchEncoding encode_batch(const std::vector<std::string_view>& texts,
                             std::size_t context_length = kClipContextLength) const;

  int32_t start_id() const;
  int32_t end_id() const;
  std::size_t vocab_size() const;  // one more than the largest id
  std::string_view token(int32_t id) const;    // vocab string; TokenizerError if unknown
  std::string display(int32_t id) const;       // readable form of token(id), "</w>" dropped
  void append_display(int32_t id, std::string& out) const;  // the same, appended to out
  bool is_word_end(int32_t id) const;

  // BPE of one already split word (its UTF-8 bytes), without the start/end tokens. The two
  // methods give identical results; Auto picks by length. Exposed for tests and the fuzzer.
  enum class BpeMethod { Auto, Quadratic, Linked };
  std::vector<int32_t> bpe_word(std::string_view word, BpeMethod method = BpeMethod::Auto) const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// CLIP's cleaning and split on their own, for tests and for showing the steps.
namespace text {

std::u32string nfc(std::u32string text);
std::u32string html_unescape(std::u32string_view text);  // one pass of Python's html.unescape
std::u32string lower(std::u32string_view text);          // Python's str.lower()
// NFC, unescape twice, strip, collapse whitespace runs to one space, lowercase.
std::string clean(std::string_view utf8);
// CLIP's pattern over cleaned text; `specials` are its literal alternatives (CLIP's own
// start and end strings by default). Returns the matched words, in order.
std::vector<std::string> split(std::string_view cleaned_utf8,
                               const std::vector<std::string>& specials = {"<|startoftext|>",
                                                                           "<|endoftext|>"});

}  // namespace text
}  // namespace clipx
