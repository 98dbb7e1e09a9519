// Moving arrays between JavaScript and the WASM heap in bulk, and reporting core errors as
// plain {error} fields instead of C++ exceptions (which reach JS only as opaque numbers).
#pragma once

#include <emscripten/val.h>

#include <cstddef>
#include <string>
#include <vector>

namespace clipx_js {

using emscripten::val;

// Copies any JS array-like (typed array or plain array) into a C++ vector with one
// TypedArray.set call: no per-element round trips through embind.
template <typename T>
std::vector<T> to_vector(const val& js_array) {
  const std::size_t n = js_array["length"].as<std::size_t>();
  std::vector<T> out(n);
  if (n > 0) val(emscripten::typed_memory_view(n, out.data())).call<void>("set", js_array);
  return out;
}

// A JS-owned copy (so it stays valid when the WASM memory grows or the vector dies).
template <typename T>
val to_typed_array(const char* js_type, const T* data, std::size_t n) {
  return val::global(js_type).new_(emscripten::typed_memory_view(n, data));
}

inline val to_float64_array(const std::vector<double>& v) {
  return to_typed_array("Float64Array", v.data(), v.size());
}
inline val to_float32_array(const std::vector<float>& v) {
  return to_typed_array("Float32Array", v.data(), v.size());
}

inline val error_result(const std::string& message) {
  val out = val::object();
  out.set("error", message);
  return out;
}

inline val ok_result() {
  val out = val::object();
  out.set("error", std::string());
  return out;
}

// Runs fn() -> val, turning any exception into {error: message}.
template <typename Fn>
val guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return error_result(e.what());
  } catch (...) {
    return error_result("unexpected failure in the WASM core");
  }
}

}  // namespace clipx_js
