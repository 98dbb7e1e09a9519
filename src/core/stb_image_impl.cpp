// The one translation unit that compiles stb_image (Debian's libstb-dev, v2.27), with its
// allocations routed through a per-thread budget (see image_decode.h).
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace clipx::detail {
void* stb_budget_malloc(std::size_t size);
void* stb_budget_realloc(void* p, std::size_t size);
void stb_budget_free(void* p);
}  // namespace clipx::detail

#define STBI_MALLOC(sz) clipx::detail::stb_budget_malloc(sz)
#define STBI_REALLOC(p, newsz) clipx::detail::stb_budget_realloc(p, newsz)
#define STBI_FREE(p) clipx::detail::stb_budget_free(p)
#define STB_IMAGE_IMPLEMENTATION

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#if defined(__clang__)
// stb_image 2.27's JPEG bit reader can shift a 32-bit value by 32 or more on corrupt data
// (`b << (24 - code_bits)` once code_bits has gone negative; upstream fixed it in 2.28).
// x86 and WebAssembly both reduce the shift count mod 32, so only garbage bits result and
// the tables they index are masked; memory stays safe (ASan still checks everything).
// We exempt stb's own functions from UBSan's shift check so the fuzzer, which runs with
// UBSan as fatal, can look past this known upstream bug. Our code is not exempted.
#pragma clang attribute push(__attribute__((no_sanitize("shift"))), apply_to = function)
#endif
#include "image_decode.h"
#if defined(__clang__)
#pragma clang attribute pop
#endif
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace clipx::detail {
namespace {

// Every block carries its size in a 16-byte header (16 keeps the payload aligned for SSE).
constexpr std::size_t kHeader = 16;

struct Budget {
  bool active = false;
  bool exceeded = false;
  std::size_t limit = 0;
  std::size_t live = 0;
};
thread_local Budget budget;

bool charge(std::size_t old_size, std::size_t new_size) {
  if (!budget.active) return true;
  const std::size_t base = budget.live >= old_size ? budget.live - old_size : 0;
  if (new_size > budget.limit || base > budget.limit - new_size) {
    budget.exceeded = true;
    return false;
  }
  budget.live = base + new_size;
  return true;
}

}  // namespace

void* stb_budget_malloc(std::size_t size) {
  if (size > SIZE_MAX - kHeader || !charge(0, size)) return nullptr;
  auto* block = static_cast<unsigned char*>(std::malloc(size + kHeader));
  if (!block) return nullptr;
  std::memcpy(block, &size, sizeof size);
  return block + kHeader;
}

void* stb_budget_realloc(void* p, std::size_t size) {
  if (!p) return stb_budget_malloc(size);
  auto* block = static_cast<unsigned char*>(p) - kHeader;
  std::size_t old_size;
  std::memcpy(&old_size, block, sizeof old_size);
  if (size > SIZE_MAX - kHeader || !charge(old_size, size)) return nullptr;
  auto* grown = static_cast<unsigned char*>(std::realloc(block, size + kHeader));
  if (!grown) {
    charge(size, old_size);
    return nullptr;
  }
  std::memcpy(grown, &size, sizeof size);
  return grown + kHeader;
}

void stb_budget_free(void* p) {
  if (!p) return;
  auto* block = static_cast<unsigned char*>(p) - kHeader;
  std::size_t size;
  std::memcpy(&size, block, sizeof size);
  if (budget.active) budget.live = budget.live >= size ? budget.live - size : 0;
  std::free(block);
}

StbMemoryBudget::StbMemoryBudget(std::size_t max_bytes) {
  budget = Budget{};
  budget.active = true;
  budget.limit = max_bytes;
}

StbMemoryBudget::~StbMemoryBudget() { budget.active = false; }

bool StbMemoryBudget::exceeded() const { return budget.exceeded; }

}  // namespace clipx::detail
