// embind face of src/core/tokenizer.h, for the page's worker and the Node tests:
//   const t = new Module.Tokenizer();
//   const err = t.load(jsonText);          // "" on success, else what is wrong with the file
//   t.loadSnapshot(bytes);                 // the same from snapshot().bytes (a Uint8Array):
//                                          // "" or why it was refused
//   const s = t.snapshot();                // {bytes: Uint8Array, error}: the loaded tables
//   const r = t.encode(text, 77);          // {ids: Int32Array, tokens, display, wordEnd,
//                                          //  truncated, error: "" when ok}
//   const b = t.encodeMany(texts, 77);     // {ids: Int32Array (all texts back to back),
//                                          //  offsets: Int32Array (texts.length + 1; text i
//                                          //  is ids.subarray(offsets[i], offsets[i+1])),
//                                          //  truncated: Uint8Array (1 = cut), error}
//   const d = t.describe(ids);             // {tokens, display, wordEnd, error} for any ids
//   t.startId(); t.endId(); t.vocabSize(); // -1 / 0 before a successful load
//   t.delete();                            // frees the C++ object
// Errors never cross as C++ exceptions (JS would see only a number): they become strings.
#include <emscripten/bind.h>
#include <emscripten/em_macros.h>  // before em_js.h, which uses EMSCRIPTEN_KEEPALIVE
#include <emscripten/em_js.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "js_interop.h"
#include "tokenizer.h"

// A token's strings never change, so each tokenizer keeps them in JS, per id, the first time
// an id is seen: {tokens, display, wordEnd}, arrays indexed by id. After a short warm-up an encode()
// hands JS only its ids and JS builds the result from these arrays, instead of decoding
// UTF-8 and cutting substrings for every token of every label.
EM_JS(void, clipx_tokenizer_learn,
      (emscripten::EM_VAL strings, const int32_t* ids, int n, const char* text, int text_bytes,
       const int32_t* bounds, const uint8_t* word_end),
      {
        var s = Emval.toValue(strings);
        var decoder = Module["clipxUtf8Decoder"] || (Module["clipxUtf8Decoder"] = new TextDecoder());
        var all = decoder.decode(HEAPU8.subarray(text, text + text_bytes));
        var at = bounds >> 2;
        for (var i = 0; i < n; ++i) {
          var id = HEAP32[(ids >> 2) + i];
          s.tokens[id] = all.substring(HEAP32[at + i], HEAP32[at + i + 1]);
          s.display[id] = all.substring(HEAP32[at + n + i], HEAP32[at + n + i + 1]);
          s.wordEnd[id] = HEAPU8[word_end + i] !== 0;
        }
      });

// The per-id string store for a vocabulary of n ids, filled up front so the arrays stay
// dense (V8 turns an array written first at index 49406 into a slow dictionary).
EM_JS(int, clipx_tokenizer_strings, (int n), {
  return Emval.toHandle({
    tokens: new Array(n).fill(""),
    display: new Array(n).fill(""),
    wordEnd: new Array(n).fill(false)
  });
});

// encode()'s result (with_ids) or describe()'s, from ids whose strings JS already holds.
EM_JS(int, clipx_tokenizer_result,
      (emscripten::EM_VAL strings, const int32_t* ids, int n, int truncated, int with_ids), {
        var s = Emval.toValue(strings);
        var tokens = new Array(n), display = new Array(n), wordEnd = new Array(n);
        var at = ids >> 2;
        for (var i = 0; i < n; ++i) {
          var id = HEAP32[at + i];
          tokens[i] = s.tokens[id];
          display[i] = s.display[id];
          wordEnd[i] = s.wordEnd[id];
        }
        if (!with_ids) return Emval.toHandle({tokens: tokens, display: display, wordEnd: wordEnd, error: ""});
        return Emval.toHandle({
          ids: HEAP32.slice(at, at + n),  // a copy: JS owns it
          tokens: tokens,
          display: display,
          wordEnd: wordEnd,
          truncated: truncated !== 0,
          error: ""
        });
      });

// encodeMany()'s result: three typed-array copies, no per-text objects.
EM_JS(int, clipx_tokenizer_batch_result,
      (const int32_t* ids, int n_ids, const uint32_t* offsets, int n_texts,
       const uint8_t* truncated),
      {
        return Emval.toHandle({
          ids: HEAP32.slice(ids >> 2, (ids >> 2) + n_ids),
          offsets: HEAP32.slice(offsets >> 2, (offsets >> 2) + n_texts + 1),
          truncated: HEAPU8.slice(truncated, truncated + n_texts),
          error: ""
        });
      });

// A JS string as UTF-8 in a malloc'd buffer (0 if it is not a string). TextEncoder
// turns lone surrogates into U+FFFD, the JS analogue of invalid UTF-8; embind's own
// conversion in this Emscripten would pair a lone surrogate with the next character.
EM_JS(char*, clipx_js_text_to_utf8, (emscripten::EM_VAL handle, int* length), {
  var text = Emval.toValue(handle);
  if (typeof text !== "string") return 0;
  var encoder = Module["clipxUtf8Encoder"] || (Module["clipxUtf8Encoder"] = new TextEncoder());
  var capacity = text.length * 3 + 1;  // at most 3 bytes per UTF-16 unit
  var ptr = _malloc(capacity);
  if (!ptr) return 0;
  HEAP32[length >> 2] = encoder.encodeInto(text, HEAPU8.subarray(ptr, ptr + capacity)).written;
  return ptr;
});

// An array of JS strings as UTF-8, back to back in one malloc'd buffer (*text), with the
// end of string i at (*ends)[i] (a second malloc'd buffer). Returns the count; -1 if texts
// is not an array, -2 if texts[*bad] is not a string, -3 if memory ran out.
EM_JS(int, clipx_js_texts_to_utf8,
      (emscripten::EM_VAL handle, char** text, uint32_t** ends, int* bad), {
  var texts = Emval.toValue(handle);
  if (!Array.isArray(texts)) return -1;
  var n = texts.length, capacity = 1;
  for (var i = 0; i < n; ++i) {
    if (typeof texts[i] !== "string") {
      HEAP32[bad >> 2] = i;
      return -2;
    }
    capacity += texts[i].length * 3;  // at most 3 bytes per UTF-16 unit
  }
  var encoder = Module["clipxUtf8Encoder"] || (Module["clipxUtf8Encoder"] = new TextEncoder());
  var bytes = _malloc(capacity), offsets = _malloc(4 * n + 4);
  if (!bytes || !offsets) {
    _free(bytes);
    _free(offsets);
    return -3;
  }
  var written = 0;
  for (var i = 0; i < n; ++i) {
    written += encoder.encodeInto(texts[i], HEAPU8.subarray(bytes + written, bytes + capacity)).written;
    HEAPU32[(offsets >> 2) + i] = written;
  }
  HEAPU32[text >> 2] = bytes;
  HEAPU32[ends >> 2] = offsets;
  return n;
});

namespace {

using emscripten::val;
using Buffer = std::unique_ptr<char, void (*)(void*)>;

// UTF-16 length of valid UTF-8 (what the tokenizer hands out always is).
int32_t utf16_length(std::string_view s) {
  int32_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // a character starts here
    if (c >= 0xF0) ++n;           // astral: a surrogate pair
  }
  return n;
}

val from_handle(int handle) {
  return val::take_ownership(reinterpret_cast<emscripten::EM_VAL>(static_cast<uintptr_t>(handle)));
}

void check_context(int context_length) {
  if (context_length < 0)
    throw clipx::TokenizerError("context length must be 0 (no truncation) or positive, not " +
                                std::to_string(context_length));
}

class JsTokenizer {
 public:
  std::string load(const val& js_json) {
    return adopt([&] {
      int json_bytes = 0;
      const Buffer buffer(clipx_js_text_to_utf8(js_json.as_handle(), &json_bytes), std::free);
      if (!buffer) throw clipx::TokenizerError("tokenizer.json: load() needs the file's text as a string");
      return clipx::Tokenizer::from_json(std::string_view(buffer.get(), static_cast<std::size_t>(json_bytes)));
    });
  }

  std::string load_snapshot(const val& js_bytes) {
    return adopt([&] {
      if (!js_bytes.instanceof(val::global("Uint8Array")))
        throw clipx::TokenizerError("tokenizer snapshot: loadSnapshot() needs a Uint8Array");
      const std::vector<uint8_t> bytes = clipx_js::to_vector<uint8_t>(js_bytes);
      return clipx::Tokenizer::from_snapshot(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    });
  }

  val snapshot() const {
    return clipx_js::guarded([&] {
      if (!tok_) throw clipx::TokenizerError("no tokenizer loaded: call load(jsonText) first");
      const std::string bytes = tok_->snapshot();
      val out = val::object();
      out.set("bytes", clipx_js::to_typed_array("Uint8Array", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
      out.set("error", std::string());
      return out;
    });
  }

  val encode(const val& js_text, int context_length) {
    try {
      if (!tok_) throw clipx::TokenizerError("no tokenizer loaded: call load(jsonText) first");
      int text_bytes = 0;
      const Buffer buffer(clipx_js_text_to_utf8(js_text.as_handle(), &text_bytes), std::free);
      if (!buffer) throw clipx::TokenizerError("the text to encode must be a string");
      check_context(context_length);
      bool truncated = false;
      const std::vector<int32_t> ids =
          tok_->encode_ids(std::string_view(buffer.get(), static_cast<std::size_t>(text_bytes)),
                           static_cast<std::size_t>(context_length), &truncated);
      teach(ids);
      return from_handle(clipx_tokenizer_result(strings_.as_handle(), ids.data(),
                                                static_cast<int>(ids.size()), truncated ? 1 : 0, 1));
    } catch (const std::exception& ex) {
      return failed(ex.what());
    } catch (...) {
      return failed("unexpected failure in the WASM tokenizer");
    }
  }

  val encode_many(const val& js_texts, int context_length) const {
    return clipx_js::guarded([&] {
      if (!tok_) throw clipx::TokenizerError("no tokenizer loaded: call load(jsonText) first");
      check_context(context_length);
      char* text_ptr = nullptr;
      uint32_t* ends_ptr = nullptr;
      int bad = 0;
      const int n = clipx_js_texts_to_utf8(js_texts.as_handle(), &text_ptr, &ends_ptr, &bad);
      if (n == -1) throw clipx::TokenizerError("encodeMany() needs an array of strings");
      if (n == -2) throw clipx::TokenizerError("texts[" + std::to_string(bad) + "] is not a string");
      if (n < 0) throw clipx::TokenizerError("not enough memory for the texts");
      const Buffer text(text_ptr, std::free);
      const std::unique_ptr<uint32_t, void (*)(void*)> ends(ends_ptr, std::free);
      std::vector<std::string_view> views(static_cast<std::size_t>(n));
      uint32_t from = 0;
      for (int i = 0; i < n; ++i) {
        views[i] = std::string_view(text.get() + from, ends.get()[i] - from);
        from = ends.get()[i];
      }
      const clipx::BatchEncoding b =
          tok_->encode_batch(views, static_cast<std::size_t>(context_length));
      return from_handle(clipx_tokenizer_batch_result(b.ids.data(), static_cast<int>(b.ids.size()),
                                                      b.offsets.data(), n, b.truncated.data()));
    });
  }

  val describe(const val& js_ids) {
    return clipx_js::guarded([&] {
      if (!tok_) throw clipx::TokenizerError("no tokenizer loaded: call load(jsonText) first");
      const std::vector<int32_t> ids = clipx_js::to_vector<int32_t>(js_ids);
      for (const int32_t id : ids) (void)tok_->token(id);  // names an unknown id
      teach(ids);
      return from_handle(clipx_tokenizer_result(strings_.as_handle(), ids.data(),
                                                static_cast<int>(ids.size()), 0, 0));
    });
  }

  int start_id() const { return tok_ ? tok_->start_id() : -1; }
  int end_id() const { return tok_ ? tok_->end_id() : -1; }
  int vocab_size() const { return tok_ ? static_cast<int>(tok_->vocab_size()) : 0; }

 private:
  std::unique_ptr<clipx::Tokenizer> tok_;
  std::vector<uint8_t> known_;  // 1 where strings_ already holds the id's strings
  val strings_ = val::undefined();

  // Makes make() -> Tokenizer the loaded one; "" or what is wrong. A failed load leaves no
  // tokenizer (not the previous one, not a half-usable one) behind.
  template <typename Make>
  std::string adopt(Make&& make) {
    try {
      tok_ = std::make_unique<clipx::Tokenizer>(make());
      // a new vocabulary: strings learnt from the old one no longer apply
      known_.assign(tok_->vocab_size(), 0);
      strings_ = from_handle(clipx_tokenizer_strings(static_cast<int>(tok_->vocab_size())));
      return std::string();
    } catch (const std::exception& e) {
      tok_.reset();
      return e.what();
    } catch (...) {
      tok_.reset();
      return "tokenizer: unexpected failure while loading";
    }
  }

  // Hands JS the strings of the ids it has not seen yet, in one call.
  void teach(const std::vector<int32_t>& ids) {
    std::vector<int32_t> fresh;
    for (const int32_t id : ids) {
      if (known_[id]) continue;
      known_[id] = 1;
      fresh.push_back(id);
    }
    if (fresh.empty()) return;
    const std::size_t n = fresh.size();
    std::string text;
    std::vector<int32_t> bounds(2 * n + 1, 0);
    std::vector<uint8_t> word_end(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string_view t = tok_->token(fresh[i]);
      text.append(t);
      bounds[i + 1] = bounds[i] + utf16_length(t);
      word_end[i] = tok_->is_word_end(fresh[i]) ? 1 : 0;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t from = text.size();
      tok_->append_display(fresh[i], text);
      bounds[n + i + 1] = bounds[n + i] + utf16_length(std::string_view(text).substr(from));
    }
    clipx_tokenizer_learn(strings_.as_handle(), fresh.data(), static_cast<int>(n), text.data(),
                          static_cast<int>(text.size()), bounds.data(), word_end.data());
  }

  // Same shape as a success, so callers can read the fields without checking first.
  static val failed(const std::string& message) {
    val out = val::object();
    out.set("ids", val::global("Int32Array").new_(0));
    out.set("tokens", val::array());
    out.set("display", val::array());
    out.set("wordEnd", val::array());
    out.set("truncated", false);
    out.set("error", message);
    return out;
  }
};

}  // namespace

EMSCRIPTEN_BINDINGS(clipx_tokenizer) {
  emscripten::class_<JsTokenizer>("Tokenizer")
      .constructor<>()
      .function("load", &JsTokenizer::load)
      .function("loadSnapshot", &JsTokenizer::load_snapshot)
      .function("snapshot", &JsTokenizer::snapshot)
      .function("encode", &JsTokenizer::encode)
      .function("encodeMany", &JsTokenizer::encode_many)
      .function("describe", &JsTokenizer::describe)
      .function("startId", &JsTokenizer::start_id)
      .function("endId", &JsTokenizer::end_id)
      .function("vocabSize", &JsTokenizer::vocab_size);
}
