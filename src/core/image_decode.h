// Internal to the image code: how stb_image is configured, and the memory budget its
// allocations are charged against. Include this instead of <stb/stb_image.h>.
#pragma once

#include <cstddef>

// Only the formats we decode with stb (GIF has its own decoder in image_decode.cpp, to
// match PIL's first-frame rules); no stdio, no HDR/linear float paths.
#ifndef STBI_ONLY_PNG
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#endif
// stb's own per-side limit, a second line behind our header checks (kMaxImageSide).
#define STBI_MAX_DIMENSIONS (1 << 16)

#include <stb/stb_image.h>

namespace clipx::detail {

// While a budget is active on this thread, stb_image's allocations (malloc, realloc) that
// would take its live total above `max_bytes` fail, and stb reports "out of memory". This
// bounds what a decompression bomb (a tiny PNG whose IDAT inflates without end) or a
// lying header can make it allocate.
class StbMemoryBudget {
 public:
  explicit StbMemoryBudget(std::size_t max_bytes);
  ~StbMemoryBudget();
  StbMemoryBudget(const StbMemoryBudget&) = delete;
  StbMemoryBudget& operator=(const StbMemoryBudget&) = delete;
  // True when an allocation was refused while this budget was active.
  bool exceeded() const;
};

}  // namespace clipx::detail
