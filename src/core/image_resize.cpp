// Resize + centre crop + normalise, reproducing PIL's Image.resize(BICUBIC) followed by
// torchvision's CenterCrop, ToTensor and Normalize.
//
// How PIL resamples (its Resample.c, re-derived here): separable, horizontal pass first,
// then vertical. For every output position it computes filter weights in double
// precision: centre = (i + 0.5) * scale, support = 2 * max(scale, 1) (the bicubic kernel,
// a = -0.5, stretched by the scale when shrinking so that it antialiases), taps from
// (int)(centre - support + 0.5) to (int)(centre + support + 0.5) clamped to the image,
// weights bicubic((x - centre + 0.5) / max(scale, 1)) normalised to sum 1, then rounded to
// 22-bit fixed point. Each pass accumulates in fixed point, rounds half up and clamps to
// 0..255, so the image between the passes is 8-bit.
//
// We use the same fixed-point weights, as floats (k / 2^22 is exact in a float), and
// accumulate in float. The sums differ from PIL's integer sums by far less than one part
// in 10^4 of a level, so after rounding our 8-bit values equal PIL's except in the rare
// case where a sum lands within that distance of a .5 boundary.
//
// Speed: only the S output columns and S output rows of the centre crop are computed (the
// pixels outside the crop are never needed), the horizontal pass reads each source row once
// as floats and runs over groups of 4 taps with the weights pre-expanded per channel, two
// rows at a time, in GCC/Clang vector types (SSE2 natively, SIMD128 in WebAssembly).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "image.h"

namespace clipx {
namespace {

constexpr int kPrecisionBits = 22;  // PIL's PRECISION_BITS (32 - 8 - 2)

typedef float v4f __attribute__((vector_size(16)));

inline v4f load4(const float* p) {
  v4f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

double bicubic(double x) {
  const double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// The filter for `count` consecutive outputs, starting at output `out_begin`, of a resize
// of one axis from in_size to out_size samples.
struct AxisPlan {
  int count = 0;
  std::vector<int> first;      // first input sample of each output
  std::vector<int> taps;       // number of input samples of each output
  std::vector<float> weights;  // count rows of `stride` weights, zero-padded
  int stride = 0;              // taps rounded up to a multiple of 4
  int in_begin = 0;            // union of the inputs used: [in_begin, in_end)
  int in_end = 0;
};

AxisPlan plan_axis(int in_size, int out_size, int out_begin, int count) {
  AxisPlan plan;
  plan.count = count;
  // PIL: scale = (double)(in1 - in0) / outSize with in0, in1 floats (the box).
  const double scale = static_cast<double>(static_cast<float>(in_size)) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 2.0 * filterscale;
  const int ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  plan.stride = (ksize + 3) / 4 * 4;
  plan.first.resize(count);
  plan.taps.resize(count);
  plan.weights.assign(static_cast<std::size_t>(count) * plan.stride, 0.0f);
  std::vector<double> k(ksize);
  const double ss = 1.0 / filterscale;
  const double one = static_cast<double>(1 << kPrecisionBits);
  plan.in_begin = in_size;
  plan.in_end = 0;
  for (int i = 0; i < count; ++i) {
    const int xx = out_begin + i;
    const double center = (xx + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    if (xmax > ksize) xmax = ksize;  // cannot happen; keeps the buffer bounds obvious
    if (xmax < 1) {                  // cannot happen either (support >= 2)
      xmax = 1;
      if (xmin >= in_size) xmin = in_size - 1;
    }
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = bicubic((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    float* w = &plan.weights[static_cast<std::size_t>(i) * plan.stride];
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? k[x] / ww : k[x];
      // PIL's normalize_coeffs_8bpc: round half away from zero to 22-bit fixed point.
      const int fixed = v < 0 ? static_cast<int>(-0.5 + v * one) : static_cast<int>(0.5 + v * one);
      w[x] = static_cast<float>(fixed) / static_cast<float>(one);
    }
    plan.first[i] = xmin;
    plan.taps[i] = xmax;
    plan.in_begin = std::min(plan.in_begin, xmin);
    plan.in_end = std::max(plan.in_end, xmin + xmax);
  }
  return plan;
}

// PIL's clip8 after adding the rounding half: floor(v + 0.5) clamped to 0..255.
inline std::uint8_t round_clip8(float v) {
  float r = v + 0.5f;
  r = r < 0.0f ? 0.0f : r;
  r = r > 255.5f ? 255.5f : r;
  return static_cast<std::uint8_t>(static_cast<int>(r));
}

// Horizontal pass for pixels of L floats (1: grey, 3: RGB, 4: RGBX), writing U = min(L, 3)
// rounded channels per output pixel.
//
// Groups of 4 taps span 4*L consecutive floats, i.e. L vectors. The group's 4 weights are
// loaded as one vector and spread by shuffles into the L vectors that line up with the
// pixels (each tap's weight repeated over its L channels), which keeps the weights compact
// (they are re-read for every row). After the loop, lane e of the group (e = 4*vector +
// lane) belongs to channel e % L.
#if defined(__clang__)
#define CLIPX_SHUFFLE4(v, a, b, c, d) __builtin_shufflevector(v, v, a, b, c, d)
#else
typedef int v4i __attribute__((vector_size(16)));
#define CLIPX_SHUFFLE4(v, a, b, c, d) __builtin_shuffle(v, v4i{a, b, c, d})
#endif

template <int L>
inline void spread_weights(v4f w, v4f* out) {
  if constexpr (L == 1) {
    out[0] = w;
  } else if constexpr (L == 3) {
    out[0] = CLIPX_SHUFFLE4(w, 0, 0, 0, 1);
    out[1] = CLIPX_SHUFFLE4(w, 1, 1, 2, 2);
    out[2] = CLIPX_SHUFFLE4(w, 2, 3, 3, 3);
  } else {
    out[0] = CLIPX_SHUFFLE4(w, 0, 0, 0, 0);
    out[1] = CLIPX_SHUFFLE4(w, 1, 1, 1, 1);
    out[2] = CLIPX_SHUFFLE4(w, 2, 2, 2, 2);
    out[3] = CLIPX_SHUFFLE4(w, 3, 3, 3, 3);
  }
}

template <int L>
struct HorizontalKernel {
  static constexpr int U = L < 3 ? L : 3;

  static inline void reduce(const v4f* acc, float* out) {
    if constexpr (L == 1) {
      out[0] = (acc[0][0] + acc[0][1]) + (acc[0][2] + acc[0][3]);
    } else if constexpr (L == 3) {
      out[0] = (acc[0][0] + acc[0][3]) + (acc[1][2] + acc[2][1]);
      out[1] = (acc[0][1] + acc[1][0]) + (acc[1][3] + acc[2][2]);
      out[2] = (acc[0][2] + acc[1][1]) + (acc[2][0] + acc[2][3]);
    } else {
      const v4f s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
      out[0] = s[0];
      out[1] = s[1];
      out[2] = s[2];
    }
  }

  // rows[r] point at float rows whose element 0 is input column `base`; writes U bytes per
  // output into out[r].
  template <int ROWS>
  static void run(const AxisPlan& plan, int base, const float* const* rows, std::uint8_t* const* out) {
    for (int i = 0; i < plan.count; ++i) {
      const float* w = &plan.weights[static_cast<std::size_t>(i) * plan.stride];
      const std::size_t start = static_cast<std::size_t>(plan.first[i] - base) * L;
      const int groups = (plan.taps[i] + 3) / 4;
      v4f acc[ROWS][L] = {};
      for (int g = 0; g < groups; ++g) {
        v4f wv[L];
        spread_weights<L>(load4(w + g * 4), wv);
        for (int r = 0; r < ROWS; ++r) {
          const float* p = rows[r] + start + static_cast<std::size_t>(g) * 4 * L;
          for (int v = 0; v < L; ++v) acc[r][v] += load4(p + v * 4) * wv[v];
        }
      }
      for (int r = 0; r < ROWS; ++r) {
        float sums[3];
        reduce(acc[r], sums);
        for (int c = 0; c < U; ++c) out[r][i * U + c] = round_clip8(sums[c]);
      }
    }
  }
};

// Converts input columns [x0, x1) of one source row to floats, L per pixel.
template <int L>
void row_to_float(const std::uint8_t* src, int channels, int x0, int x1, float* dst) {
  const std::uint8_t* s = src + static_cast<std::size_t>(x0) * channels;
  const int n = x1 - x0;
  if (channels == L) {
    for (int i = 0; i < n * L; ++i) dst[i] = static_cast<float>(s[i]);
  } else {  // only L == 3 from channels == 4 would land here; not used (RGBA runs as L = 4)
    for (int x = 0; x < n; ++x)
      for (int c = 0; c < L; ++c) dst[x * L + c] = static_cast<float>(s[x * channels + c]);
  }
}

// Source rows filtered together: they share each weight load and give the CPU independent
// sums to interleave.
#ifndef CLIPX_RESIZE_ROWS
#define CLIPX_RESIZE_ROWS 2
#endif
constexpr int kRowsAtOnce = CLIPX_RESIZE_ROWS;

// Resamples into crop (S x S x U bytes).
template <int L>
void resample_crop(const std::uint8_t* pixels, int channels, std::size_t row_stride,
                   const AxisPlan& hplan, const AxisPlan& vplan, std::uint8_t* crop) {
  constexpr int U = HorizontalKernel<L>::U;
  const int S_w = hplan.count;
  const int S_h = vplan.count;
  using Kernel = HorizontalKernel<L>;

  // Horizontal pass over the source rows the vertical pass needs.
  const int y0 = vplan.in_begin, y1 = vplan.in_end;
  const int x0 = hplan.in_begin, x1 = hplan.in_end;
  const std::size_t row_floats = static_cast<std::size_t>(x1 - x0 + 4) * L;  // +4 px: group overrun
  std::vector<float> buf(kRowsAtOnce * row_floats, 0.0f);
  const std::size_t interm_row = static_cast<std::size_t>(S_w) * U;
  std::vector<std::uint8_t> interm(static_cast<std::size_t>(y1 - y0) * interm_row);
  const float* rows[kRowsAtOnce];
  std::uint8_t* out[kRowsAtOnce];
  int y = y0;
  while (y < y1) {
    const int n = std::min(kRowsAtOnce, y1 - y);
    for (int r = 0; r < n; ++r) {
      row_to_float<L>(pixels + static_cast<std::size_t>(y + r) * row_stride, channels, x0, x1,
                      buf.data() + r * row_floats);
      rows[r] = buf.data() + r * row_floats;
      out[r] = &interm[(y + r - y0) * interm_row];
    }
    if (n == kRowsAtOnce) {
      Kernel::template run<kRowsAtOnce>(hplan, x0, rows, out);
    } else {
      for (int r = 0; r < n; ++r) Kernel::template run<1>(hplan, x0, rows + r, out + r);
    }
    y += n;
  }

  // Vertical pass: a weighted sum of whole rows, vectorised along the row.
  std::vector<float> acc(interm_row);
  for (int i = 0; i < S_h; ++i) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    const float* w = &vplan.weights[static_cast<std::size_t>(i) * vplan.stride];
    float* a = acc.data();
    for (int t = 0; t < vplan.taps[i]; ++t) {
      const std::uint8_t* src = &interm[(vplan.first[i] + t - y0) * interm_row];
      const float wt = w[t];
      for (std::size_t k = 0; k < interm_row; ++k) a[k] += wt * static_cast<float>(src[k]);
    }
    std::uint8_t* dst = crop + static_cast<std::size_t>(i) * interm_row;
    for (std::size_t k = 0; k < interm_row; ++k) dst[k] = round_clip8(a[k]);
  }
}

[[noreturn]] void invalid(const std::string& message) {
  throw ImageError(ImageErrorKind::kInvalidArgument, message);
}

// Python's round() on a multiple of 0.5: halves go to the even neighbour.
int round_half_even_div2(int n) {  // round(n / 2)
  if (n % 2 == 0) return n / 2;
  const int lo = (n - 1) / 2;  // n >= 0 here
  return lo % 2 == 0 ? lo : lo + 1;
}

}  // namespace

void validate_preprocess_options(const PreprocessOptions& options) {
  if (options.size < 1 || options.size > kMaxPreprocessSize)
    invalid("size must be between 1 and " + std::to_string(kMaxPreprocessSize) + ", got " +
            std::to_string(options.size));
  for (int c = 0; c < 3; ++c) {
    if (!std::isfinite(options.mean[c])) invalid("mean values must be finite numbers");
    if (!std::isfinite(options.std[c]) || !(options.std[c] > 0.0f))
      invalid("std values must be positive finite numbers");
  }
}

ResizePlan plan_resize(int width, int height, int size) {
  ResizePlan plan;
  // torchvision: the short side becomes `size`, the long one int(size * long / short)
  // (a float division, truncated).
  const bool portrait = width <= height;
  const int short_side = portrait ? width : height;
  const int long_side = portrait ? height : width;
  const double long_exact =
      static_cast<double>(static_cast<std::int64_t>(size) * long_side) / short_side;
  const int new_long = static_cast<int>(long_exact);
  plan.resized_width = portrait ? size : new_long;
  plan.resized_height = portrait ? new_long : size;
  // CenterCrop: int(round((h - S) / 2.0)), Python's round (half to even).
  plan.crop_top = round_half_even_div2(plan.resized_height - size);
  plan.crop_left = round_half_even_div2(plan.resized_width - size);
  return plan;
}

PreprocessResult preprocess_pixels(const std::uint8_t* pixels, int width, int height,
                                   int channels, const PreprocessOptions& options,
                                   std::size_t row_stride) {
  validate_preprocess_options(options);
  if (channels != 1 && channels != 3 && channels != 4)
    invalid("pixels must have 1, 3 or 4 channels, got " + std::to_string(channels));
  if (width < 1 || height < 1)
    invalid("image size must be at least 1 x 1, got " + std::to_string(width) + " x " +
            std::to_string(height));
  if (width > kMaxImageSide || height > kMaxImageSide ||
      static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) > kMaxImagePixels)
    throw ImageError(ImageErrorKind::kTooLarge,
                     "image " + std::to_string(width) + " x " + std::to_string(height) +
                         " is larger than the limit of " + std::to_string(kMaxImagePixels) +
                         " pixels (" + std::to_string(kMaxImageSide) + " per side)");
  if (pixels == nullptr) invalid("pixel buffer is null");
  if (row_stride == 0) row_stride = static_cast<std::size_t>(width) * channels;
  if (row_stride < static_cast<std::size_t>(width) * channels) invalid("row stride is too small");

  const int S = options.size;
  const ResizePlan geometry = plan_resize(width, height, S);
  const AxisPlan hplan = plan_axis(width, geometry.resized_width, geometry.crop_left, S);
  const AxisPlan vplan = plan_axis(height, geometry.resized_height, geometry.crop_top, S);

  PreprocessResult result;
  result.size = S;
  const std::size_t plane = static_cast<std::size_t>(S) * S;
  result.crop.resize(plane * 3);
  if (channels == 1) {
    std::vector<std::uint8_t> grey(plane);
    resample_crop<1>(pixels, channels, row_stride, hplan, vplan, grey.data());
    for (std::size_t i = 0; i < plane; ++i)
      result.crop[i * 3] = result.crop[i * 3 + 1] = result.crop[i * 3 + 2] = grey[i];
  } else if (channels == 3) {
    resample_crop<3>(pixels, channels, row_stride, hplan, vplan, result.crop.data());
  } else {
    // RGBA: resampled as 4 lanes (the alpha lane costs nothing in a 4-wide vector), alpha
    // then dropped, which is what convert("RGB") followed by the resize computes.
    resample_crop<4>(pixels, channels, row_stride, hplan, vplan, result.crop.data());
  }

  // ToTensor + Normalize as torch computes them in float32: (v / 255 - mean) / std.
  float lut[3][256];
  for (int c = 0; c < 3; ++c)
    for (int v = 0; v < 256; ++v)
      lut[c][v] = (static_cast<float>(v) / 255.0f - options.mean[c]) / options.std[c];
  result.tensor.resize(plane * 3);
  for (int c = 0; c < 3; ++c) {
    float* out = &result.tensor[plane * c];
    const std::uint8_t* in = result.crop.data() + c;
    for (std::size_t i = 0; i < plane; ++i) out[i] = lut[c][in[i * 3]];
  }
  return result;
}

PreprocessResult preprocess_image(const DecodedImage& image, const PreprocessOptions& options) {
  return preprocess_pixels(image.pixels(), image.width(), image.height(), image.channels(),
                           options);
}

PreprocessResult preprocess_encoded(const std::uint8_t* data, std::size_t size,
                                    const PreprocessOptions& options, ImageInfo* info,
                                    const DecodeLimits& limits) {
  validate_preprocess_options(options);  // before the (possibly long) decode
  const DecodedImage image = decode_image(data, size, limits);
  if (info) *info = image.info();
  return preprocess_image(image, options);
}

}  // namespace clipx
