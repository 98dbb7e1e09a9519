// Image preprocessing for CLIP: decode a file (PNG, JPEG, GIF, BMP) or take RGBA pixels
// from the browser, and produce the exact tensor CLIP's reference pipeline produces:
//
//   PIL Image.open + convert("RGB")                      (decode_image)
//   torchvision Resize(S, bicubic) on the PIL image      (preprocess_*: PIL's separable
//   torchvision CenterCrop(S)                              bicubic, a = -0.5, support widened
//   ToTensor (/255) + Normalize(mean, std)                 by the scale when shrinking, 8-bit
//                                                          rounding after each pass)
//
// Only the rows and columns inside the centre crop are ever resampled, so a 10,000 x 1
// image (whose resized size is 2,240,000 x 224) costs no more than a square one.
//
// Errors on bad input are thrown as clipx::ImageError with a one-line, specific message.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace clipx {

// The largest image (width x height) we agree to decode or preprocess: 64 Mi pixels
// (67,108,864), above a 50-megapixel phone photo (8160 x 6120) and an 8192 x 8192 scan.
// Decoding one this large needs about 0.2-0.8 GB while it runs (stb_image's buffers),
// which still fits the 2 GB the WebAssembly build may grow to. A file whose header claims
// more is rejected from its header, before any pixel buffer is allocated.
inline constexpr std::uint64_t kMaxImagePixels = std::uint64_t{64} << 20;

// The longest side we accept (either dimension), so 65,536 x 1 is fine but the
// resize arithmetic never sees sides that overflow it.
inline constexpr int kMaxImageSide = 1 << 16;

// The largest output size S (the crop is S x S).
inline constexpr int kMaxPreprocessSize = 4096;

enum class ImageFormat { kUnknown, kPng, kJpeg, kGif, kBmp };

// "png", "jpeg", "gif", "bmp" ("unknown" otherwise).
const char* image_format_name(ImageFormat format);

enum class ImageErrorKind {
  kEmptyInput,         // 0 bytes
  kTruncated,          // a known format cut short
  kTooLarge,           // over kMaxImagePixels / kMaxImageSide (checked from the header)
  kUnsupportedFormat,  // a recognised but unsupported format (HEIC, AVIF, WebP, SVG, TIFF...)
  kNotAnImage,         // text, or bytes that match no image signature
  kCorrupt,            // a known format whose data the decoder rejects
  kInvalidArgument,    // bad size / mean / std / pixel buffer passed by the caller
};

class ImageError : public std::runtime_error {
 public:
  ImageError(ImageErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ImageErrorKind kind() const { return kind_; }

 private:
  ImageErrorKind kind_;
};

struct DecodeLimits {
  std::uint64_t max_pixels = kMaxImagePixels;
  int max_side = kMaxImageSide;
};

struct ImageInfo {
  ImageFormat format = ImageFormat::kUnknown;
  int width = 0;
  int height = 0;
};

// Decoded pixels, already converted the way PIL's convert("RGB") converts the mode PIL
// opens the file in (alpha dropped, never composited; 16-bit grey clipped to 255; palette
// looked up; GIF: first frame on its canvas). Greyscale images keep one channel
// (channels == 1): R = G = B, replicated by the preprocessing, which is exact and 3x
// cheaper. Otherwise channels == 3 (interleaved RGB).
class DecodedImage {
 public:
  DecodedImage() = default;
  DecodedImage(ImageInfo info, int channels, std::shared_ptr<std::uint8_t> pixels)
      : info_(info), channels_(channels), pixels_(std::move(pixels)) {}

  const ImageInfo& info() const { return info_; }
  int width() const { return info_.width; }
  int height() const { return info_.height; }
  int channels() const { return channels_; }
  const std::uint8_t* pixels() const { return pixels_.get(); }
  std::size_t size_bytes() const {
    return std::size_t(info_.width) * std::size_t(info_.height) * std::size_t(channels_);
  }

 private:
  ImageInfo info_;
  int channels_ = 0;
  std::shared_ptr<std::uint8_t> pixels_;
};

// Reads the signature and header only: format and size, or the ImageError that decoding
// would give for an unsupported format, a truncated header or oversized dimensions.
ImageInfo probe_image(const std::uint8_t* data, std::size_t size, const DecodeLimits& limits = {});

// Full decode. Throws ImageError.
DecodedImage decode_image(const std::uint8_t* data, std::size_t size,
                          const DecodeLimits& limits = {});

struct PreprocessOptions {
  int size = 224;  // S: short side resized to S, then an S x S centre crop
  std::array<float, 3> mean{0.48145466f, 0.4578275f, 0.40821073f};  // CLIP's
  std::array<float, 3> std{0.26862954f, 0.26130258f, 0.27577711f};
};

struct PreprocessResult {
  int size = 0;                     // S
  std::vector<float> tensor;        // 3*S*S, CHW, (v/255 - mean) / std
  std::vector<std::uint8_t> crop;   // S*S*3 interleaved RGB: the S x S image the model sees
};

// The geometry of the pipeline for an image of width x height: the resized size (as
// torchvision computes it) and the crop's top-left corner in the resized image.
struct ResizePlan {
  int resized_width = 0;
  int resized_height = 0;
  int crop_left = 0;
  int crop_top = 0;
};
ResizePlan plan_resize(int width, int height, int size);

// Interleaved pixels with 1 (grey), 3 (RGB) or 4 (RGBA; alpha ignored, as convert("RGB")
// does) channels, rows `row_stride` bytes apart (0: width * channels).
PreprocessResult preprocess_pixels(const std::uint8_t* pixels, int width, int height,
                                   int channels, const PreprocessOptions& options = {},
                                   std::size_t row_stride = 0);

// The browser's entry point: RGBA from its own decoder (which applies EXIF orientation).
inline PreprocessResult preprocess_rgba(const std::uint8_t* rgba, int width, int height,
                                        const PreprocessOptions& options = {}) {
  return preprocess_pixels(rgba, width, height, 4, options);
}

PreprocessResult preprocess_image(const DecodedImage& image, const PreprocessOptions& options = {});

// decode_image + preprocess_image; `info`, when given, receives format and size.
PreprocessResult preprocess_encoded(const std::uint8_t* data, std::size_t size,
                                    const PreprocessOptions& options = {},
                                    ImageInfo* info = nullptr, const DecodeLimits& limits = {});

// Validates S, mean and std (throws ImageError kInvalidArgument).
void validate_preprocess_options(const PreprocessOptions& options);

}  // namespace clipx
