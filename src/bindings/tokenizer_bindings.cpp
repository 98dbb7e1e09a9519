// embind face of src/core/tokenizer.h, for the page's worker and the Node tests:
//   const t = new Module.Tokenizer();
//   const err = t.load(jsonText);          // "" on success, else what is wrong with the file
//   const r = t.encode(text, 77);          // {ids: Int32Array, tokens, display, wordEnd,
//                                          //  truncated, error: "" when ok}
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

// Builds the encode() result in JS from one block of WASM memory: the ids, the token and
// display strings as one UTF-8 text with UTF-16 boundaries, and the word-end flags. Setting
// each field and array element through embind costs a round trip apiece, about 40 per label;
// this is one, which is what keeps 10,000 labels inside the page's budget.
EM_JS(int, clipx_tokenizer_result,
      (const int32_t* ids, int n, const char* text, int text_bytes, const int32_t* bounds,
       const uint8_t* word_end, int truncated),
      {
        var decoder = Module["clipxUtf8Decoder"] || (Module["clipxUtf8Decoder"] = new TextDecoder());
        var all = decoder.decode(HEAPU8.subarray(text, text + text_bytes));
        var at = bounds >> 2;
        var tokens = new Array(n), display = new Array(n), wordEnd = new Array(n);
        for (var i = 0; i < n; ++i) {
          tokens[i] = all.substring(HEAP32[at + i], HEAP32[at + i + 1]);
          display[i] = all.substring(HEAP32[at + n + i], HEAP32[at + n + i + 1]);
          wordEnd[i] = HEAPU8[word_end + i] !== 0;
        }
        return Emval.toHandle({
          ids: HEAP32.slice(ids >> 2, (ids >> 2) + n),  // a copy: JS owns it
          tokens: tokens,
          display: display,
          wordEnd: wordEnd,
          truncated: truncated !== 0,
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

namespace {

using emscripten::val;

// UTF-16 length of valid UTF-8 (what the tokenizer hands out always is).
int32_t utf16_length(std::string_view s) {
  int32_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // a character starts here
    if (c >= 0xF0) ++n;           // astral: a surrogate pair
  }
  return n;
}

class JsTokenizer {
 public:
  std::string load(const val& js_json) {
    try {
      int json_bytes = 0;
      const std::unique_ptr<char, void (*)(void*)> buffer(
          clipx_js_text_to_utf8(js_json.as_handle(), &json_bytes), std::free);
      if (!buffer) throw clipx::TokenizerError("tokenizer.json: load() needs the file's text as a string");
      tok_ = std::make_unique<clipx::Tokenizer>(clipx::Tokenizer::from_json(
          std::string_view(buffer.get(), static_cast<std::size_t>(json_bytes))));
      return std::string();
    } catch (const std::exception& e) {
      tok_.reset();  // a failed load leaves no half-usable tokenizer behind
      return e.what();
    } catch (...) {
      tok_.reset();
      return "tokenizer.json: unexpected failure while loading";
    }
  }

  val encode(const val& js_text, int context_length) const {
    try {
      if (!tok_) throw clipx::TokenizerError("no tokenizer loaded: call load(jsonText) first");
      int text_bytes = 0;
      const std::unique_ptr<char, void (*)(void*)> buffer(
          clipx_js_text_to_utf8(js_text.as_handle(), &text_bytes), std::free);
      if (!buffer) throw clipx::TokenizerError("the text to encode must be a string");
      const std::string_view text(buffer.get(), static_cast<std::size_t>(text_bytes));
      if (context_length < 0)
        throw clipx::TokenizerError("context length must be 0 (no truncation) or positive, not " +
                                    std::to_string(context_length));
      // One call into the core (each call costs a JS round trip in this exception model),
      // then the byte offsets become UTF-16 offsets for JS's substring().
      const clipx::PackedEncoding p =
          tok_->encode_packed(text, static_cast<std::size_t>(context_length));
      const std::size_t n = p.ids.size();
      std::vector<int32_t> bounds(2 * n + 1, 0);
      std::size_t from = 0;
      for (std::size_t i = 0; i < 2 * n; ++i) {
        bounds[i + 1] = bounds[i] + utf16_length(std::string_view(p.text).substr(from, p.ends[i] - from));
        from = p.ends[i];
      }
      const int handle = clipx_tokenizer_result(p.ids.data(), static_cast<int>(n), p.text.data(),
                                                static_cast<int>(p.text.size()), bounds.data(),
                                                p.word_end.data(), p.truncated ? 1 : 0);
      return val::take_ownership(reinterpret_cast<emscripten::EM_VAL>(static_cast<uintptr_t>(handle)));
    } catch (const std::exception& ex) {
      return failed(ex.what());
    } catch (...) {
      return failed("unexpected failure in the WASM tokenizer");
    }
  }

  int start_id() const { return tok_ ? tok_->start_id() : -1; }
  int end_id() const { return tok_ ? tok_->end_id() : -1; }
  int vocab_size() const { return tok_ ? static_cast<int>(tok_->vocab_size()) : 0; }

 private:
  std::unique_ptr<clipx::Tokenizer> tok_;

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
      .function("encode", &JsTokenizer::encode)
      .function("startId", &JsTokenizer::start_id)
      .function("endId", &JsTokenizer::end_id)
      .function("vocabSize", &JsTokenizer::vocab_size);
}
