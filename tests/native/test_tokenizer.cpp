// The tokenizer against OpenAI's reference ids (../shared), against goldens made by an
// independent Python reference (scripts/make_tokenizer_goldens.py), and on its own rules:
// BPE semantics, truncation, early stopping, invalid UTF-8 and malformed tokenizer.json.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"
#include "tokenizer.h"
#include "utf8.h"

namespace {

using clipx::Tokenizer;
using clipx::TokenizerError;
using Json = nlohmann::json;

std::string clip_tokenizer_path() {
  return clipx_test::shared_dir() + "/data/clip-vit-b32/tokenizer.json";
}

// Loaded once: parsing 3.9 MB for every test case would dominate the run (WASM especially).
const Tokenizer* clip_tokenizer() {
  static const std::unique_ptr<Tokenizer> tok = [] {
    std::unique_ptr<Tokenizer> t;
    if (clipx_test::file_exists(clip_tokenizer_path()))
      t = std::make_unique<Tokenizer>(Tokenizer::from_file(clip_tokenizer_path()));
    return t;
  }();
  return tok.get();
}

std::vector<Json> read_jsonl(const std::string& path) {
  std::vector<Json> rows;
  std::istringstream in(clipx_test::read_file(path));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(Json::parse(line));
  return rows;
}

std::string fnv1a64(const std::string& data) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char b : data) h = (h ^ b) * 0x100000001b3ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s;
}

// The golden's input bytes: "text", "hex" (raw, possibly invalid UTF-8) or repeated "parts".
std::string golden_input(const Json& row) {
  if (row.contains("text")) return row["text"].get<std::string>();
  std::string out;
  if (row.contains("hex")) {
    const std::string hex = row["hex"].get<std::string>();
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
      out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
  }
  for (const Json& part : row["parts"]) {
    const std::string piece = part[0].get<std::string>();
    for (int k = 0; k < part[1].get<int>(); ++k) out += piece;
  }
  return out;
}

std::vector<Json> goldens() {
  return read_jsonl(clipx_test::source_dir() + "/tests/data/tokenizer/goldens.jsonl");
}

// A small tokenizer.json in CLIP's layout (256 byte symbols, the same with </w>, merges,
// then the two special tokens), so the rules can be tested without ../shared.
std::string tiny_tokenizer_json(const std::vector<std::pair<std::string, std::string>>& merges,
                                bool merges_as_arrays = false) {
  std::vector<std::string> symbols;
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool direct = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    std::string s;
    clipx::utf8::append(direct ? b : 256 + extra++, s);
    symbols.push_back(s);
  }
  Json vocab = Json::object();
  int next = 0;
  for (const auto& s : symbols) vocab[s] = next++;
  for (const auto& s : symbols) vocab[s + "</w>"] = next++;
  Json jm = Json::array();
  for (const auto& [l, r] : merges) {
    if (!vocab.contains(l + r)) vocab[l + r] = next++;
    if (merges_as_arrays) jm.push_back({l, r}); else jm.push_back(l + " " + r);
  }
  const int start = next++, end = next++;
  vocab["<|startoftext|>"] = start;
  vocab["<|endoftext|>"] = end;
  Json root = {
      {"added_tokens",
       {{{"id", start}, {"content", "<|startoftext|>"}, {"special", true}},
        {{"id", end}, {"content", "<|endoftext|>"}, {"special", true}}}},
      {"post_processor",
       {{"type", "RobertaProcessing"},
        {"cls", {"<|startoftext|>", start}},
        {"sep", {"<|endoftext|>", end}}}},
      {"model",
       {{"type", "BPE"}, {"end_of_word_suffix", "</w>"}, {"vocab", vocab}, {"merges", jm}}}};
  return root.dump();
}

const std::vector<std::pair<std::string, std::string>> kTinyMerges = {
    {"a", "a"}, {"t", "h"}, {"th", "e</w>"}, {"o", "f</w>"}, {"p", "h"}, {"ph", "o"},
    {"pho", "t"}, {"c", "a"}, {"ca", "t</w>"}, {"aa", "a"}, {"a", "b"}, {"b", "a"},
    {"aa", "aa"}, {"e", "r"}, {"er", "s</w>"}};

const Tokenizer& tiny() {
  static const Tokenizer t = Tokenizer::from_json(tiny_tokenizer_json(kTinyMerges));
  return t;
}

std::string require_error(const std::string& json) {
  try {
    Tokenizer::from_json(json);
  } catch (const TokenizerError& e) {
    return e.what();
  }
  FAIL("no error for: " << json.substr(0, 200));
  return "";
}

}  // namespace

TEST_CASE("tokenizer: every OpenAI reference case is exact", "[tokenizer]") {
  const std::string cases = clipx_test::shared_dir() + "/reference/tokenizer_cases.jsonl";
  if (clipx_test::skip_without_shared(cases) ||
      clipx_test::skip_without_shared(clip_tokenizer_path()))
    return;
  const Tokenizer& tok = *clip_tokenizer();
  CHECK(tok.start_id() == 49406);
  CHECK(tok.end_id() == 49407);
  CHECK(tok.vocab_size() == 49408);
  const auto rows = read_jsonl(cases);
  REQUIRE(rows.size() >= 30);
  for (const Json& row : rows) {
    const std::string text = row["text"].get<std::string>();
    INFO("text: " << text);
    CHECK(tok.encode_ids(text, 77) == row["ids"].get<std::vector<int32_t>>());
  }
}

TEST_CASE("tokenizer: cleaning matches Python on the hostile goldens", "[tokenizer]") {
  const auto rows = goldens();
  REQUIRE(rows.size() >= 60);
  for (const Json& row : rows) {
    INFO("golden: " << row["name"].get<std::string>());
    const std::string cleaned = clipx::text::clean(golden_input(row));
    if (row.contains("clean")) {
      CHECK(cleaned == row["clean"].get<std::string>());
    } else {
      CHECK(cleaned.size() == row["clean_len"].get<std::size_t>());
      CHECK(fnv1a64(cleaned) == row["clean_fnv1a64"].get<std::string>());
    }
  }
}

TEST_CASE("tokenizer: ids, tokens and display match the Python reference goldens",
          "[tokenizer]") {
  if (clipx_test::skip_without_shared(clip_tokenizer_path())) return;
  const Tokenizer& tok = *clip_tokenizer();
  for (const Json& row : goldens()) {
    INFO("golden: " << row["name"].get<std::string>());
    const std::string input = golden_input(row);
    const clipx::Encoding e = tok.encode(input, 77);
    CHECK(e.ids == row["ids"].get<std::vector<int32_t>>());
    CHECK(e.tokens == row["tokens"].get<std::vector<std::string>>());
    CHECK(e.display == row["display"].get<std::vector<std::string>>());
    const auto full = tok.encode_ids(input, clipx::kNoTruncation);
    CHECK(e.truncated == (full.size() > 77));
    if (row.contains("ids_full")) {
      CHECK(full == row["ids_full"].get<std::vector<int32_t>>());
    } else {
      CHECK(full.size() == row["full_len"].get<std::size_t>());
      CHECK(fnv1a64(join_ids(full)) == row["full_fnv1a64"].get<std::string>());
    }
  }
}

TEST_CASE("tokenizer: CLIP's split", "[tokenizer]") {
  using clipx::text::split;
  using V = std::vector<std::string>;
  CHECK(split("a photo of a cat.") == V{"a", "photo", "of", "a", "cat", "."});
  CHECK(split("there's it'll we've i'm you're he'd can't") ==
        V{"there", "'s", "it", "'ll", "we", "'ve", "i", "'m", "you", "'re", "he", "'d", "can",
          "'t"});
  // a contraction only where it begins a match; "'x" is punctuation then letters
  CHECK(split("''s !'s 'sun 'x") == V{"''", "s", "!'", "s", "'s", "un", "'", "x"});
  CHECK(split("2024 3.5") == V{"2", "0", "2", "4", "3", ".", "5"});
  CHECK(split("<|startoftext|>hi<|endoftext|> !<|endoftext|>") ==
        V{"<|startoftext|>", "hi", "<|endoftext|>", "!<|", "endoftext", "|>"});
  // IGNORECASE: U+017F long s folds to s; U+0345 matches no alternative at all
  CHECK(split("it'\u017f x\u0345y") == V{"it", "'\u017f", "x", "y"});
  // U+001C..U+001F are not \s for the pattern: they are punctuation
  CHECK(split("a\x1c" "b") == V{"a", "\x1c", "b"});
  CHECK(split("caf\u00e9 \u65e5\u672c\u8a9e \u0661\u0662") ==
        V{"caf\u00e9", "\u65e5\u672c\u8a9e", "\u0661", "\u0662"});
}

TEST_CASE("tokenizer: cleaning steps", "[tokenizer]") {
  using clipx::text::clean;
  CHECK(clean("  A  Photo\tOF\n a CAT  ") == "a photo of a cat");
  CHECK(clean("&amp;lt;b&amp;gt;") == "<b>");              // unescaped twice, not three times
  CHECK(clean("&amp;amp;amp;") == "&amp;");
  CHECK(clean("&notit; &notin; &lt3") == "\u00acit; \u2209 <3");
  CHECK(clean("&#0;&#x110000;&#55296;") == "\ufffd\ufffd\ufffd");
  CHECK(clean("a&#1;b&#128;") == "ab\u20ac");
  CHECK(clean("&#" + std::string(5000, '9') + ";x") == "\ufffdx");  // huge: no overflow
  CHECK(clean("e\u0301") == "\u00e9");                      // NFC
  CHECK(clean("\u1100\u1161\u11a8") == "\uac01");            // Hangul composition
  CHECK(clean("\u0130") == "i\u0307");                       // full lowercase mapping
  CHECK(clean("\u039f\u0394\u039f\u03a3 \u03a3") == "\u03bf\u03b4\u03bf\u03c2 \u03c3");
  CHECK(clean("\x1c x \x1d") == "x");                       // strip() takes U+001C..1F too
  CHECK(clean("a\x1c" "b") == "a\x1c" "b");                 // ... but \s does not collapse them
  CHECK(clean("\xff\xfe") == "\ufffd\ufffd");
}

TEST_CASE("tokenizer: invalid UTF-8 becomes U+FFFD as Python's errors='replace'",
          "[tokenizer]") {
  using clipx::utf8::decode;
  CHECK(decode("a\x80" "b") == U"a\ufffd" "b");
  CHECK(decode("\xe2\x82") == U"\ufffd");               // truncated: one replacement
  CHECK(decode("\xed\xa0\x80") == U"\ufffd\ufffd\ufffd");  // surrogate: byte by byte
  CHECK(decode("\xf0\x9f\x98\x80") == U"\U0001F600");
  CHECK(decode("\xf0\x9f\x98" "x") == U"\ufffdx");
  CHECK(decode("\xc0\xaf") == U"\ufffd\ufffd");
  CHECK(decode("\xf4\x90\x80\x80") == U"\ufffd\ufffd\ufffd\ufffd");
  std::mt19937 rng(7);
  const Tokenizer& tok = tiny();
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const auto ids = tok.encode_ids(bytes, 77);
    REQUIRE(ids.size() >= 2);
    CHECK(ids.front() == tok.start_id());
    CHECK(ids.back() == tok.end_id());
  }
}

TEST_CASE("tokenizer: BPE follows the reference's merge order", "[tokenizer]") {
  const Tokenizer& tok = tiny();
  auto toks = [&](const std::string& text) {
    std::vector<std::string> out;
    for (int32_t id : tok.encode_ids(text, 0)) out.emplace_back(tok.token(id));
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(toks("the cat") == V{"<|startoftext|>", "the</w>", "cat</w>", "<|endoftext|>"});
  // "a a" (rank 0) merges left to right, all in one pass: aaa -> aa + a</w>
  CHECK(toks("aaa") == V{"<|startoftext|>", "aa", "a</w>", "<|endoftext|>"});
  CHECK(toks("aaaaa") == V{"<|startoftext|>", "aaaa", "a</w>", "<|endoftext|>"});
  CHECK(toks("photo") == V{"<|startoftext|>", "phot", "o</w>", "<|endoftext|>"});
  CHECK(toks("x") == V{"<|startoftext|>", "x</w>", "<|endoftext|>"});
  CHECK(toks("") == V{"<|startoftext|>", "<|endoftext|>"});
  CHECK(tok.display(tok.encode_ids("the", 0)[1]) == "the");
  CHECK(tok.is_word_end(tok.encode_ids("the", 0)[1]));
}

TEST_CASE("tokenizer: quadratic and linked BPE agree", "[tokenizer]") {
  // Random merge tables (not a trained order: merged pairs may outrank their parts) and
  // random words over a small alphabet, so both algorithms meet every merge pattern.
  std::mt19937 rng(11);
  const std::string alphabet = "abcd";
  for (int table = 0; table < 20; ++table) {
    std::vector<std::pair<std::string, std::string>> merges;
    std::vector<std::string> pool = {"a", "b", "c", "d", "a</w>", "b</w>", "c</w>", "d</w>"};
    for (int k = 0; k < 40; ++k) {
      std::string l = pool[rng() % pool.size()], r = pool[rng() % pool.size()];
      if (l.size() >= 4 && l.compare(l.size() - 4, 4, "</w>") == 0) continue;
      merges.emplace_back(l, r);
      pool.push_back(l + r);
    }
    const Tokenizer tok = Tokenizer::from_json(tiny_tokenizer_json(merges, table % 2 == 1));
    for (int w = 0; w < 200; ++w) {
      std::string word(1 + rng() % 120, 'a');
      for (char& c : word) c = alphabet[rng() % alphabet.size()];
      REQUIRE(tok.bpe_word(word, Tokenizer::BpeMethod::Quadratic) ==
              tok.bpe_word(word, Tokenizer::BpeMethod::Linked));
    }
  }
}

TEST_CASE("tokenizer: truncation keeps the end token last", "[tokenizer]") {
  const Tokenizer& tok = tiny();
  std::string text;
  for (int i = 0; i < 100; ++i) text += "the cat ";
  bool truncated = false;
  auto ids = tok.encode_ids(text, 77, &truncated);
  CHECK(truncated);
  REQUIRE(ids.size() == 77);
  CHECK(ids.front() == tok.start_id());
  CHECK(ids.back() == tok.end_id());
  CHECK(tok.encode_ids(text, 0).size() == 202);
  // exactly full: 75 words + start + end
  std::string fits;
  for (int i = 0; i < 75; ++i) fits += "the ";
  ids = tok.encode_ids(fits, 77, &truncated);
  CHECK(ids.size() == 77);
  CHECK_FALSE(truncated);
  CHECK(tok.encode_ids(fits + "cat", 77, &truncated).size() == 77);
  CHECK(truncated);
  CHECK(tok.encode_ids("the cat", 1, &truncated) == std::vector<int32_t>{tok.end_id()});
  CHECK(tok.encode_ids("the cat", 2) == std::vector<int32_t>{tok.start_id(), tok.end_id()});
  const clipx::Encoding e = tok.encode(text, 5);
  CHECK(e.ids.size() == 5);
  CHECK(e.tokens.size() == 5);
  CHECK(e.display.size() == 5);
  CHECK(e.word_end.size() == 5);
  CHECK(e.truncated);
}

TEST_CASE("tokenizer: stopping early equals tokenizing everything then truncating",
          "[tokenizer]") {
  // Texts built around the prefix cut points (every ASCII space/tab/LF/FF past 2 KB):
  // separators, HTML references and Σ near them, long whitespace, trailing U+001C.
  const std::vector<std::string> pieces = {
      "the", "cat", " ", "  ", "\t", "\n", "\f", "\r", "\x1c", "\x1d ", "&#28;", "&#32;", "&amp;",
      "&lt", "\xce\xa3", "A\xce\xa3", "\xcc\x81", "e\xcc\x81", "!!", "'s", "\xc2\xa0",
      "\xe3\x80\x80", "aaaa", "photo", "<|endoftext|>", "\xff", "\xe2\x82", "9"};
  std::mt19937 rng(5);
  const Tokenizer* real = clip_tokenizer();
  for (int round = 0; round < 60; ++round) {
    std::string text;
    const std::size_t size = 1000 + rng() % 20000;
    // some texts are mostly whitespace/junk so the prefix rarely has enough tokens
    const bool sparse = round % 4 == 0;
    while (text.size() < size) {
      if (sparse && rng() % 8) text += std::string(1 + rng() % 300, " \x1c\t"[rng() % 3]);
      else text += pieces[rng() % pieces.size()];
    }
    for (const Tokenizer* tok : {&tiny(), real}) {
      if (!tok) continue;
      const auto full = tok->encode_ids(text, 0);
      for (std::size_t ctx : {2u, 3u, 16u, 77u, 300u}) {
        std::vector<int32_t> want(full);
        if (want.size() > ctx) {
          want.resize(ctx);
          want.back() = tok->end_id();
        }
        bool truncated = false;
        INFO("round " << round << " context " << ctx);
        REQUIRE(tok->encode_ids(text, ctx, &truncated) == want);
        CHECK(truncated == (full.size() > ctx));
      }
    }
  }
}

TEST_CASE("tokenizer: a megabyte of text returns promptly", "[tokenizer]") {
  const Tokenizer* real = clip_tokenizer();
  const Tokenizer& tok = real ? *real : tiny();
  std::string words, one_word(1 << 20, 'a'), cjk;
  while (words.size() < (1u << 20)) words += "a photo of a tabby cat on the sofa. ";
  while (cjk.size() < (1u << 20)) cjk += "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
  for (const std::string* text : {&words, &one_word, &cjk}) {
    const auto t0 = std::chrono::steady_clock::now();
    bool truncated = false;
    const auto ids = tok.encode_ids(*text, 77, &truncated);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    CHECK(ids.size() == 77);
    CHECK(truncated);
    CHECK(ms < 5000);  // a generous bound: only a quadratic blow-up fails it
  }
}

TEST_CASE("tokenizer: malformed tokenizer.json names what is wrong", "[tokenizer]") {
  const Json good = Json::parse(tiny_tokenizer_json(kTinyMerges));
  auto with = [&](const std::function<void(Json&)>& edit) {
    Json j = good;
    edit(j);
    return j.dump();
  };
  CHECK_THAT(require_error("{\"model\": "), Catch::Contains("not valid JSON"));
  CHECK_THAT(require_error(""), Catch::Contains("not valid JSON"));
  CHECK_THAT(require_error("[]"), Catch::Contains("top level"));
  CHECK_THAT(require_error("{}"), Catch::Contains("\"model\" is missing"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["type"] = "WordPiece"; })),
             Catch::Contains("model.type"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"].erase("vocab"); })),
             Catch::Contains("model.vocab is missing"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"].erase("merges"); })),
             Catch::Contains("model.merges is missing"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["vocab"]["zz"] = "seven"; })),
             Catch::Contains("model.vocab[\"zz\"] is not an integer id"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["vocab"]["zz"] = -3; })),
             Catch::Contains("out of range"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["vocab"]["zz"] = 4000000000u; })),
             Catch::Contains("out of range"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["vocab"]["zz"] = 5; })),
             Catch::Contains("already has it"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["merges"].push_back("a"); })),
             Catch::Contains("model.merges[15]"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["merges"].push_back("q zz"); })),
             Catch::Contains("uses \"zz\", which is not in model.vocab"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["merges"].push_back("q r"); })),
             Catch::Contains("makes \"qr\""));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["merges"].push_back(Json{1, 2}); })),
             Catch::Contains("model.merges[15] is neither"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["vocab"].erase("\xc4\xa0"); })),
             Catch::Contains("byte-level symbol \"\\u0120\" (byte 0x20)"));
  CHECK_THAT(require_error(with([](Json& j) { j["model"]["vocab"].erase("z</w>"); })),
             Catch::Contains("word end \"z</w>\""));
  CHECK_THAT(require_error(with([](Json& j) {
               j.erase("post_processor");
               j.erase("added_tokens");
               j["model"]["vocab"].erase("<|startoftext|>");
             })),
             Catch::Contains("no start token"));
  CHECK_THAT(require_error(with([](Json& j) { j["post_processor"]["sep"] = {"<|eot|>", 7}; })),
             Catch::Contains("\"<|eot|>\" is neither in model.vocab nor in added_tokens"));
  CHECK_THAT(require_error(with([](Json& j) { j["added_tokens"][0].erase("id"); })),
             Catch::Contains("added_tokens[0] needs"));
  CHECK_THROWS_AS(Tokenizer::from_file("/nonexistent/tokenizer.json"), TokenizerError);
  // the messages are single lines even when the file holds control bytes
  const std::string msg = require_error(std::string("{\"model\": \"\x01\n"));
  CHECK(msg.find('\n') == std::string::npos);
}

TEST_CASE("tokenizer: loads merges as arrays, start/end from added tokens or a template",
          "[tokenizer]") {
  const Tokenizer arrays = Tokenizer::from_json(tiny_tokenizer_json(kTinyMerges, true));
  CHECK(arrays.encode_ids("the photo", 0) == tiny().encode_ids("the photo", 0));
  Json j = Json::parse(tiny_tokenizer_json(kTinyMerges));
  const int start = j["model"]["vocab"]["<|startoftext|>"], end = j["model"]["vocab"]["<|endoftext|>"];
  j.erase("post_processor");
  CHECK(Tokenizer::from_json(j.dump()).start_id() == start);
  j["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single",
       {{{"SpecialToken", {{"id", "<|endoftext|>"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
        {{"SpecialToken", {{"id", "<|startoftext|>"}, {"type_id", 0}}}}}}};
  const Tokenizer swapped = Tokenizer::from_json(j.dump());
  CHECK(swapped.start_id() == end);
  CHECK(swapped.end_id() == start);
}

TEST_CASE("tokenizer: the packed encoding holds the same as encode()", "[tokenizer]") {
  const Tokenizer* real = clip_tokenizer();
  const Tokenizer& tok = real ? *real : tiny();
  for (const std::string text : {"", "a photo of the cat", "\xf0\x9f\x90\x88 caf\xc3\xa9 \xff",
                                 "the the the the the the the the"}) {
    for (std::size_t ctx : {0u, 5u, 77u}) {
      const clipx::Encoding e = tok.encode(text, ctx);
      const clipx::PackedEncoding p = tok.encode_packed(text, ctx);
      REQUIRE(p.ids == e.ids);
      CHECK(p.truncated == e.truncated);
      REQUIRE(p.ends.size() == 2 * e.ids.size());
      REQUIRE(p.word_end.size() == e.ids.size());
      std::size_t from = 0;
      for (std::size_t i = 0; i < 2 * e.ids.size(); ++i) {
        const std::string piece = p.text.substr(from, p.ends[i] - from);
        const std::size_t k = i % e.ids.size();
        CHECK(piece == (i < e.ids.size() ? e.tokens[k] : e.display[k]));
        from = p.ends[i];
      }
      for (std::size_t i = 0; i < e.ids.size(); ++i) CHECK((p.word_end[i] != 0) == e.word_end[i]);
    }
  }
}

TEST_CASE("tokenizer: a batch gives each text's encode_ids, in order", "[tokenizer]") {
  // Long texts sit between short ones: the early-stopping prefix search then starts with
  // earlier texts' ids already in the shared output.
  std::string long_words, long_sparse;
  for (int i = 0; i < 800; ++i) long_words += "a photo of the cat ";
  for (int i = 0; i < 300; ++i) long_sparse += std::string(40, ' ') + "\x1c" + (i % 7 ? "" : " cat");
  const std::vector<std::string> texts = {
      "a photo of a cat", "", long_words, "caf\xc3\xa9 \xf0\x9f\x90\x88 \xff", long_sparse,
      "<|endoftext|> the &amp; dog", "   ", "a photo of a cat", std::string(5000, 'a')};
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  const Tokenizer* real = clip_tokenizer();
  for (const Tokenizer* tok : {&tiny(), real}) {
    if (!tok) continue;
    for (std::size_t ctx : {0u, 1u, 2u, 5u, 77u}) {
      INFO("context " << ctx);
      const clipx::BatchEncoding b = tok->encode_batch(views, ctx);
      REQUIRE(b.offsets.size() == texts.size() + 1);
      REQUIRE(b.truncated.size() == texts.size());
      CHECK(b.offsets.front() == 0);
      CHECK(b.offsets.back() == b.ids.size());
      for (std::size_t i = 0; i < texts.size(); ++i) {
        INFO("text " << i);
        bool truncated = false;
        const auto want = tok->encode_ids(texts[i], ctx, &truncated);
        REQUIRE(b.offsets[i] <= b.offsets[i + 1]);
        const std::vector<int32_t> got(b.ids.begin() + b.offsets[i], b.ids.begin() + b.offsets[i + 1]);
        CHECK(got == want);
        CHECK((b.truncated[i] != 0) == truncated);
      }
    }
    CHECK(tok->encode_batch({}, 77).offsets == std::vector<uint32_t>{0});
  }
}

TEST_CASE("tokenizer: display strings of the real vocabulary", "[tokenizer]") {
  if (clipx_test::skip_without_shared(clip_tokenizer_path())) return;
  const Tokenizer& tok = *clip_tokenizer();
  const clipx::Encoding e = tok.encode("a photo of a caf\xc3\xa9 \xf0\x9f\x90\x88", 77);
  CHECK(e.tokens[2] == "photo</w>");
  CHECK(e.display[2] == "photo");
  CHECK(e.word_end[2]);
  CHECK(e.display.front() == "<|startoftext|>");
  CHECK_FALSE(e.word_end.front());
  CHECK(e.display[5] == "caf\xc3\xa9");
  CHECK_THROWS_AS(tok.token(-1), TokenizerError);
  CHECK_THROWS_AS(tok.token(49408), TokenizerError);
}

TEST_CASE("tokenizer: a snapshot encodes every golden exactly as its tokenizer.json does",
          "[tokenizer]") {
  if (clipx_test::skip_without_shared(clip_tokenizer_path())) return;
  const Tokenizer& tok = *clip_tokenizer();
  const std::string bytes = tok.snapshot();
  const Tokenizer copy = Tokenizer::from_snapshot(bytes);
  CHECK(copy.start_id() == tok.start_id());
  CHECK(copy.end_id() == tok.end_id());
  CHECK(copy.vocab_size() == tok.vocab_size());
  CHECK(copy.snapshot() == bytes);  // nothing lost or reordered on the way
  for (const Json& row : goldens()) {
    INFO("golden: " << row["name"].get<std::string>());
    const std::string input = golden_input(row);
    const clipx::Encoding want = tok.encode(input, 77), got = copy.encode(input, 77);
    CHECK(got.ids == want.ids);
    CHECK(got.tokens == want.tokens);
    CHECK(got.display == want.display);
    CHECK(got.word_end == want.word_end);
    CHECK(copy.encode_ids(input, clipx::kNoTruncation) == tok.encode_ids(input, clipx::kNoTruncation));
  }
  for (int32_t id : {0, 255, 256, 511, 49405, 49406, 49407}) {
    INFO("id " << id);
    CHECK(copy.token(id) == tok.token(id));
    CHECK(copy.display(id) == tok.display(id));
    CHECK(copy.is_word_end(id) == tok.is_word_end(id));
  }
}

TEST_CASE("tokenizer: a snapshot keeps the rules of a small tokenizer.json", "[tokenizer]") {
  const Tokenizer copy = Tokenizer::from_snapshot(tiny().snapshot());
  for (const char* text : {"the photo of the cat", "aaaaaaa abab ers", "<|startoftext|>x", ""}) {
    INFO("text: " << text);
    CHECK(copy.encode(text, 77).ids == tiny().encode(text, 77).ids);
    CHECK(copy.encode(text, 5).ids == tiny().encode(text, 5).ids);
  }
}

TEST_CASE("tokenizer: a damaged, cut or foreign snapshot is refused with a reason",
          "[tokenizer]") {
  const std::string good = tiny().snapshot();
  auto error_of = [](const std::string& bytes) {
    try {
      Tokenizer::from_snapshot(bytes);
    } catch (const TokenizerError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(error_of("") == "tokenizer snapshot: not a tokenizer snapshot");
  CHECK(error_of(tiny_tokenizer_json(kTinyMerges)) == "tokenizer snapshot: not a tokenizer snapshot");
  std::string format = good;
  format[8] = 9;
  CHECK(error_of(format) == "tokenizer snapshot: format 9, this build reads format 1");
  // Any one flipped bit after the header: the checksum catches it.
  for (std::size_t at : {std::size_t{20}, good.size() / 2, good.size() - 1}) {
    std::string flipped = good;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
    INFO("byte " << at);
    CHECK(error_of(flipped) == "tokenizer snapshot: checksum mismatch (the copy is damaged)");
  }
  // Cut short: the checksum no longer matches either.
  CHECK(error_of(good.substr(0, good.size() - 4)) ==
        "tokenizer snapshot: checksum mismatch (the copy is damaged)");
  CHECK(error_of(good.substr(0, 12)) == "tokenizer snapshot: not a tokenizer snapshot");
}
