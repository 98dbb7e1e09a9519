// libFuzzer target: the tokenizer on arbitrary bytes, and tokenizer.json parsing, under
// ASan + UBSan.
//
// Build and run (5 minutes, low priority; the machine's two cores are shared):
//   CC=clang CXX=clang++ cmake -S . -B build/tok-fuzz -G Ninja -DCLIPX_FUZZ=ON
//   cmake --build build/tok-fuzz -j2 --target fuzz_tokenizer
//   mkdir -p build/tok-fuzz/corpus
//   nice -n 19 build/tok-fuzz/fuzz_tokenizer -max_total_time=300 -max_len=8192 \
//     -rss_limit_mb=2048 -timeout=10 build/tok-fuzz/corpus
//
// It loads ../shared/data/clip-vit-b32/tokenizer.json once (CLIPX_SHARED_DIR), or a small
// built-in tokenizer in CLIP's layout when that is absent. The first byte picks the check:
//   - tokenize the rest (sometimes repeated past 2 KB): ids within the context, start
//     first, end last; stopping early must equal tokenizing everything then truncating;
//     tokens/display must be valid UTF-8;
//   - BPE of the rest as one word: the quadratic and linked algorithms must agree;
//   - the rest as a tokenizer.json, raw or spliced into a valid small one: it must load
//     or throw clipx::TokenizerError, and a loaded one must tokenize;
//   - the rest as edits to a snapshot of the small tokenizer, its checksum then made right
//     (see check_snapshot_edit): the same rule.
// Anything else (a crash, a sanitizer report, another exception, a leak, a timeout, a
// failed check) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer.h"
#include "utf8.h"

namespace {

// CLIP's layout in miniature: the 256 byte symbols, the same with </w>, a few merges, then
// the two special tokens (escaped by hand so the fuzzer needs no JSON writer).
std::string tiny_tokenizer_json() {
  std::string vocab, merges;
  int id = 0, extra = 0;
  std::vector<std::string> symbols;
  for (int b = 0; b < 256; ++b) {
    const bool direct = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    std::string s;
    if (b == '"' || b == '\\') s = std::string("\\") + static_cast<char>(b);
    else clipx::utf8::append(direct ? b : 256 + extra++, s);
    symbols.push_back(s);
  }
  for (const auto& s : symbols) vocab += "\"" + s + "\": " + std::to_string(id++) + ", ";
  for (const auto& s : symbols) vocab += "\"" + s + "</w>\": " + std::to_string(id++) + ", ";
  const char* pairs[][2] = {{"t", "h"}, {"th", "e</w>"}, {"a", "a"}, {"aa", "a"}, {"c", "a"},
                            {"ca", "t</w>"}, {"p", "h"}, {"ph", "o"}};
  for (const auto& p : pairs) {
    vocab += "\"" + std::string(p[0]) + p[1] + "\": " + std::to_string(id++) + ", ";
    merges += std::string(merges.empty() ? "" : ", ") + "\"" + p[0] + " " + p[1] + "\"";
  }
  const int start = id++, end = id++;
  vocab += "\"<|startoftext|>\": " + std::to_string(start) + ", \"<|endoftext|>\": " +
           std::to_string(end);
  return "{\"added_tokens\": [{\"id\": " + std::to_string(start) +
         ", \"content\": \"<|startoftext|>\"}, {\"id\": " + std::to_string(end) +
         ", \"content\": \"<|endoftext|>\"}], \"post_processor\": {\"type\": "
         "\"RobertaProcessing\", \"sep\": [\"<|endoftext|>\", " + std::to_string(end) +
         "], \"cls\": [\"<|startoftext|>\", " + std::to_string(start) +
         "]}, \"model\": {\"type\": \"BPE\", \"end_of_word_suffix\": \"</w>\", \"vocab\": {" +
         vocab + "}, \"merges\": [" + merges + "]}}";
}

const std::string& tiny_json() {
  static const std::string json = tiny_tokenizer_json();
  return json;
}

const clipx::Tokenizer& tokenizer() {
  static const std::unique_ptr<clipx::Tokenizer> tok = [] {
    const std::string path = std::string(CLIPX_SHARED_DIR) + "/data/clip-vit-b32/tokenizer.json";
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      return std::make_unique<clipx::Tokenizer>(clipx::Tokenizer::from_json(ss.str()));
    }
    std::fprintf(stderr, "fuzz_tokenizer: %s is missing; using the built-in small tokenizer\n",
                 path.c_str());
    return std::make_unique<clipx::Tokenizer>(clipx::Tokenizer::from_json(tiny_json()));
  }();
  return *tok;
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_encoding(const clipx::Tokenizer& tok, std::string_view text, std::size_t context) {
  bool truncated = false;
  const std::vector<int32_t> ids = tok.encode_ids(text, context, &truncated);
  check(ids.size() >= (context == 1 ? 1u : 2u));
  check(context == clipx::kNoTruncation || ids.size() <= context);
  check(ids.back() == tok.end_id());
  if (context != 1) check(ids.front() == tok.start_id());
  std::vector<int32_t> full = tok.encode_ids(text, clipx::kNoTruncation);
  check(truncated == (context != clipx::kNoTruncation && full.size() > context));
  if (context != clipx::kNoTruncation && full.size() > context) {
    full.resize(context);
    full.back() = tok.end_id();
  }
  check(full == ids);  // the early stop changes nothing
  for (int32_t id : ids) {
    const std::string shown = tok.display(id);
    std::string valid;
    clipx::utf8::append_valid(shown, valid);
    check(valid == shown);  // always valid UTF-8
    (void)tok.token(id);
  }
}

// A tokenizer made from fuzzed input must load or throw TokenizerError (one line), and a
// loaded one must tokenize.
template <typename Make>
void check_loads_or_refuses(Make&& make, std::string_view text) {
  try {
    const clipx::Tokenizer t = make();
    check_encoding(t, "a photo of the cat, aaaa! <|endoftext|> \xff", 77);
    check_encoding(t, text, 16);
  } catch (const clipx::TokenizerError& e) {
    check(std::string_view(e.what()).find('\n') == std::string_view::npos);
  }
}

// A valid snapshot of the small tokenizer with bytes overwritten ((u16 position, u8 value)
// triples from the input) and maybe cut, then its checksum made right again, so that the
// structural checks behind the checksum get exercised.
void check_snapshot_edit(std::string_view edits) {
  static const std::string base = clipx::Tokenizer::from_json(tiny_json()).snapshot();
  constexpr std::size_t kHeader = 20;  // magic, format, checksum
  std::string snap = base;
  for (std::size_t i = 0; i + 3 <= edits.size(); i += 3) {
    const std::size_t at = kHeader + (static_cast<uint8_t>(edits[i]) | static_cast<uint8_t>(edits[i + 1]) << 8) % (snap.size() - kHeader);
    snap[at] = edits[i + 2];
  }
  if (edits.size() % 3 == 1) snap.resize(kHeader + static_cast<uint8_t>(edits.back()) * (snap.size() - kHeader) / 256);
  uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = kHeader; i < snap.size(); ++i) h = (h ^ static_cast<uint8_t>(snap[i])) * 0x100000001b3ull;
  for (int k = 0; k < 8; ++k) snap[12 + k] = static_cast<char>(h >> (8 * k));
  check_loads_or_refuses([&] { return clipx::Tokenizer::from_snapshot(snap); }, edits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const clipx::Tokenizer& tok = tokenizer();
  switch (data[0] % 8) {
    case 0:
    case 1:
    case 2:
    case 3: {
      // Small contexts make the early stop cut inside short inputs too; repeating the
      // input past 2 KB reaches the prefix path that long texts take.
      const std::size_t contexts[] = {77, 2, 5, 1};
      std::string text(rest);
      if ((data[0] & 0x10) && !rest.empty())
        while (text.size() < 5000) text += rest;
      check_encoding(tok, text, contexts[data[0] % 4]);
      (void)clipx::text::clean(rest);
      break;
    }
    case 4: {
      const auto quadratic = tok.bpe_word(rest, clipx::Tokenizer::BpeMethod::Quadratic);
      const auto linked = tok.bpe_word(rest, clipx::Tokenizer::BpeMethod::Linked);
      check(quadratic == linked);
      break;
    }
    case 5:
    case 6: {
      // Raw bytes as the file, or spliced into the valid small one at a chosen place.
      std::string json(rest);
      if (data[0] % 8 == 6 && rest.size() >= 2) {
        const std::string& base = tiny_json();
        const std::size_t at = (static_cast<std::size_t>(data[1]) * 257 + data[2 % size]) % base.size();
        const std::size_t cut = std::min<std::size_t>(base.size() - at, rest.size() % 16);
        json = base.substr(0, at) + std::string(rest.substr(2)) + base.substr(at + cut);
      }
      check_loads_or_refuses([&] { return clipx::Tokenizer::from_json(json); }, rest);
      break;
    }
    default:
      if (data[0] & 0x80) {
        check_snapshot_edit(rest);
        break;
      }
      check_encoding(tok, rest, clipx::kNoTruncation);
      break;
  }
  return 0;
}
