// Decoding: recognise the format from its signature, check the header (size limits,
// truncation) before anything big is allocated, decode (stb_image for PNG, JPEG and BMP;
// our own first-frame GIF decoder), and convert the way PIL's convert("RGB") does.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "image.h"
#include "image_decode.h"

namespace clipx {
namespace {

[[noreturn]] void fail(ImageErrorKind kind, const std::string& message) {
  throw ImageError(kind, message);
}

std::string dims(std::uint64_t w, std::uint64_t h) {
  return std::to_string(w) + " x " + std::to_string(h);
}

void check_dimensions(const char* what, std::uint64_t w, std::uint64_t h,
                      const DecodeLimits& limits) {
  if (w == 0 || h == 0)
    fail(ImageErrorKind::kCorrupt,
         std::string(what) + " header gives an empty image (" + dims(w, h) + ")");
  if (w > static_cast<std::uint64_t>(limits.max_side) ||
      h > static_cast<std::uint64_t>(limits.max_side) || w * h > limits.max_pixels)
    fail(ImageErrorKind::kTooLarge,
         std::string(what) + " image is " + dims(w, h) + " pixels, over the limit of " +
             std::to_string(limits.max_pixels) + " pixels and " +
             std::to_string(limits.max_side) + " per side (kMaxImagePixels, kMaxImageSide)");
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}
std::uint16_t be16(const std::uint8_t* p) { return std::uint16_t((p[0] << 8) | p[1]); }
std::uint16_t le16(const std::uint8_t* p) { return std::uint16_t(p[0] | (p[1] << 8)); }
std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
         (std::uint32_t(p[3]) << 24);
}

bool starts_with(const std::uint8_t* d, std::size_t n, const char* sig, std::size_t len) {
  return n >= len && std::memcmp(d, sig, len) == 0;
}
// The data is a proper prefix of the signature (the file stops inside it).
bool prefix_of(const std::uint8_t* d, std::size_t n, const char* sig, std::size_t len) {
  return n < len && std::memcmp(d, sig, n) == 0;
}

const char kPngSig[] = "\x89PNG\r\n\x1a\n";
const char kGif87[] = "GIF87a";
const char kGif89[] = "GIF89a";

// ---- recognising what is not a supported image ----

bool iso_brand_is(const std::uint8_t* b, std::initializer_list<const char*> brands) {
  for (const char* brand : brands)
    if (std::memcmp(b, brand, 4) == 0) return true;
  return false;
}

// ISO base media files (HEIC, AVIF, MP4...) begin with an 'ftyp' box.
void reject_iso_media(const std::uint8_t* d, std::size_t n) {
  if (n < 12 || std::memcmp(d + 4, "ftyp", 4) != 0) return;
  const std::size_t box = std::min<std::size_t>(be32(d), n);
  auto any_brand = [&](std::initializer_list<const char*> brands) {
    if (iso_brand_is(d + 8, brands)) return true;
    for (std::size_t i = 16; i + 4 <= box; i += 4)
      if (iso_brand_is(d + i, brands)) return true;
    return false;
  };
  if (any_brand({"avif", "avis"}))
    fail(ImageErrorKind::kUnsupportedFormat,
         "AVIF images are not supported; convert it to JPEG or PNG (or drop it on the page, "
         "where the browser decodes it)");
  if (any_brand({"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1"}))
    fail(ImageErrorKind::kUnsupportedFormat,
         "HEIC/HEIF images (an iPhone's default) are not supported; convert it to JPEG or PNG");
  fail(ImageErrorKind::kUnsupportedFormat,
       "this is an ISO media file (brand '" + std::string(reinterpret_cast<const char*>(d + 8), 4) +
           "', e.g. MP4 or QuickTime video), not a PNG, JPEG, GIF or BMP image");
}

bool looks_like_svg(const std::uint8_t* d, std::size_t n) {
  std::size_t i = 0;
  if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) i = 3;
  while (i < n && std::isspace(d[i])) ++i;
  if (i >= n || d[i] != '<') return false;
  std::string head(reinterpret_cast<const char*>(d + i), std::min<std::size_t>(n - i, 4096));
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head.find("<svg") != std::string::npos;
}

// Text: no NUL and no control characters other than whitespace/escape in the first 4 KB.
bool looks_like_text(const std::uint8_t* d, std::size_t n) {
  const std::size_t m = std::min<std::size_t>(n, 4096);
  for (std::size_t i = 0; i < m; ++i) {
    const std::uint8_t c = d[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b)
      return false;
    if (c == 0x7f) return false;
  }
  return true;
}

bool bmp_dib_size_ok(std::uint32_t s) {
  return s == 12 || s == 40 || s == 52 || s == 56 || s == 64 || s == 108 || s == 124;
}

ImageFormat sniff(const std::uint8_t* d, std::size_t n) {
  if (n == 0) fail(ImageErrorKind::kEmptyInput, "the file is empty (0 bytes)");
  if (starts_with(d, n, kPngSig, 8)) return ImageFormat::kPng;
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return ImageFormat::kJpeg;
  if (starts_with(d, n, kGif87, 6) || starts_with(d, n, kGif89, 6)) return ImageFormat::kGif;
  if (n >= 18 && d[0] == 'B' && d[1] == 'M' && bmp_dib_size_ok(le32(d + 14)))
    return ImageFormat::kBmp;
  if (n >= 2 && prefix_of(d, n, kPngSig, 8))
    fail(ImageErrorKind::kTruncated, "truncated PNG file: it ends inside its signature");
  if (n == 2 && d[0] == 0xFF && d[1] == 0xD8)
    fail(ImageErrorKind::kTruncated, "truncated JPEG file: it ends after its start marker");
  if (n >= 4 && (prefix_of(d, n, kGif87, 6) || prefix_of(d, n, kGif89, 6)))
    fail(ImageErrorKind::kTruncated, "truncated GIF file: it ends inside its signature");

  reject_iso_media(d, n);
  if (n >= 12 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0)
    fail(ImageErrorKind::kUnsupportedFormat,
         "WebP images are not supported here; convert it to PNG or JPEG (or drop it on the "
         "page, where the browser decodes it)");
  if (n >= 4 && (std::memcmp(d, "II*\0", 4) == 0 || std::memcmp(d, "MM\0*", 4) == 0))
    fail(ImageErrorKind::kUnsupportedFormat, "TIFF images are not supported; convert it to PNG");
  if (n >= 4 && std::memcmp(d, "8BPS", 4) == 0)
    fail(ImageErrorKind::kUnsupportedFormat,
         "Photoshop (PSD) files are not supported; export a PNG or JPEG");
  if (n >= 5 && std::memcmp(d, "%PDF-", 5) == 0)
    fail(ImageErrorKind::kNotAnImage, "this is a PDF document, not an image");
  if (n >= 12 && std::memcmp(d, "\0\0\0\x0cjP  \r\n\x87\n", 12) == 0)
    fail(ImageErrorKind::kUnsupportedFormat, "JPEG 2000 images are not supported");
  if ((n >= 2 && d[0] == 0xFF && d[1] == 0x0A) ||
      (n >= 12 && std::memcmp(d, "\0\0\0\x0cJXL \r\n\x87\n", 12) == 0))
    fail(ImageErrorKind::kUnsupportedFormat, "JPEG XL images are not supported");
  if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b)
    fail(ImageErrorKind::kNotAnImage,
         "this is a gzip-compressed file (perhaps a .svgz), not a PNG, JPEG, GIF or BMP image");
  if (looks_like_svg(d, n))
    fail(ImageErrorKind::kUnsupportedFormat,
         "SVG (vector) images are not supported; export it as PNG");
  if (looks_like_text(d, n))
    fail(ImageErrorKind::kNotAnImage, "this is a text file, not an image");
  if (n >= 2 && d[0] == 'B' && d[1] == 'M')
    fail(n < 18 ? ImageErrorKind::kTruncated : ImageErrorKind::kCorrupt,
         n < 18 ? "truncated BMP file: it ends inside its header"
                : "BMP file with an unknown header type");
  char first[64];
  std::snprintf(first, sizeof first, "%02x %02x %02x %02x", d[0], n > 1 ? d[1] : 0,
                n > 2 ? d[2] : 0, n > 3 ? d[3] : 0);
  fail(ImageErrorKind::kNotAnImage,
       std::string("unrecognised file format (not PNG, JPEG, GIF or BMP; it begins ") + first +
           ")");
}

// ---- PNG: chunk structure ----

struct PngLayout {
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0, color_type = 0;
  bool has_iend = false;
  bool cut = false;             // data ends inside a chunk
  std::size_t complete_end = 8; // end of the last complete chunk
  bool has_idat = false;
};

PngLayout png_layout(const std::uint8_t* d, std::size_t n, bool walk_all) {
  PngLayout png;
  if (n < 8 + 8 + 13)
    fail(ImageErrorKind::kTruncated, "truncated PNG file: it ends inside its header (IHDR)");
  if (be32(d + 8) != 13 || std::memcmp(d + 12, "IHDR", 4) != 0)
    fail(ImageErrorKind::kCorrupt, "corrupt PNG file: it does not start with an IHDR chunk");
  png.width = be32(d + 16);
  png.height = be32(d + 20);
  png.bit_depth = d[24];
  png.color_type = d[25];
  if (!walk_all) return png;
  std::size_t pos = 8;
  while (pos < n) {
    if (n - pos < 12) {
      png.cut = true;
      break;
    }
    const std::uint32_t len = be32(d + pos);
    if (len > 0x7fffffffu)
      fail(ImageErrorKind::kCorrupt, "corrupt PNG file: a chunk length is out of range");
    if (n - pos - 12 < len) {
      png.cut = true;
      break;
    }
    const std::uint8_t* type = d + pos + 4;
    pos += 12 + std::size_t(len);
    png.complete_end = pos;
    if (std::memcmp(type, "IDAT", 4) == 0) png.has_idat = true;
    if (std::memcmp(type, "IEND", 4) == 0) {
      png.has_iend = true;
      break;
    }
  }
  return png;
}

// ---- JPEG: marker structure ----

struct JpegLayout {
  int width = 0, height = 0, components = 0;
  int sof = -1;  // the SOFn marker byte
  bool has_eoi = false;
};

// A DHT segment's tables must hold at most 256 symbols each and fit the segment. stb_image
// 2.27 (Debian's) does not check the 256 and then writes past its tables (found by
// tests/fuzz/fuzz_image.cpp; later stb versions check it), so we do, before stb sees it.
void check_jpeg_huffman_tables(const std::uint8_t* p, std::size_t len) {
  std::size_t pos = 0;
  while (pos < len) {
    if (len - pos < 17) fail(ImageErrorKind::kCorrupt, "corrupt JPEG file: short Huffman table");
    std::size_t symbols = 0;
    for (int i = 1; i <= 16; ++i) symbols += p[pos + i];
    if (symbols > 256 || len - pos - 17 < symbols)
      fail(ImageErrorKind::kCorrupt, "corrupt JPEG file: bad Huffman table");
    pos += 17 + symbols;
  }
}

// Walks the markers up to the frame header (walk_all == false) or to EOI. Throws for a
// file cut short.
JpegLayout jpeg_layout(const std::uint8_t* d, std::size_t n, bool walk_all) {
  JpegLayout jpeg;
  std::size_t pos = 2;
  auto truncated = [&](const char* where) {
    fail(ImageErrorKind::kTruncated, std::string("truncated JPEG file: it ends ") + where);
  };
  while (true) {
    // Find the next marker (libjpeg skips stray bytes before one, and so do we).
    while (pos < n && d[pos] != 0xFF) ++pos;
    while (pos < n && d[pos] == 0xFF) ++pos;
    if (pos >= n) truncated(jpeg.sof < 0 ? "before its frame header" : "before its end marker");
    const int m = d[pos++];
    if (m == 0xD9) {
      jpeg.has_eoi = true;
      return jpeg;
    }
    if (m == 0xD8 || m == 0x01 || m == 0x00 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length
    if (n - pos < 2) truncated("inside a marker segment");
    const std::size_t len = be16(d + pos);
    if (len < 2) fail(ImageErrorKind::kCorrupt, "corrupt JPEG file: bad marker segment length");
    if (n - pos < len) truncated(jpeg.sof < 0 ? "inside its header" : "inside a marker segment");
    const bool is_sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (is_sof && jpeg.sof < 0) {
      if (len < 8) fail(ImageErrorKind::kCorrupt, "corrupt JPEG file: short frame header");
      jpeg.sof = m;
      jpeg.height = be16(d + pos + 3);
      jpeg.width = be16(d + pos + 5);
      jpeg.components = d[pos + 7];
      if (!walk_all) return jpeg;
    }
    if (m == 0xC4) check_jpeg_huffman_tables(d + pos + 2, len - 2);
    pos += len;
    if (m == 0xDA) {  // start of scan: entropy-coded data runs to the next real marker
      if (jpeg.sof < 0) fail(ImageErrorKind::kCorrupt, "corrupt JPEG file: scan before frame header");
      while (true) {
        const std::uint8_t* ff =
            pos < n ? static_cast<const std::uint8_t*>(std::memchr(d + pos, 0xFF, n - pos)) : nullptr;
        if (!ff) truncated("inside its image data");
        pos = static_cast<std::size_t>(ff - d);
        if (pos + 1 >= n) truncated("inside its image data");
        const std::uint8_t next = d[pos + 1];
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7) || next == 0xFF) {
          pos += next == 0xFF ? 1 : 2;
          continue;
        }
        break;  // a marker: handled by the outer loop
      }
    }
  }
}

void check_jpeg_frame(const JpegLayout& jpeg, const DecodeLimits& limits) {
  if (jpeg.sof < 0) fail(ImageErrorKind::kCorrupt, "corrupt JPEG file: no frame header");
  if (jpeg.sof == 0xC3 || jpeg.sof == 0xC7 || jpeg.sof == 0xCB || jpeg.sof == 0xCF)
    fail(ImageErrorKind::kUnsupportedFormat, "lossless JPEG is not supported");
  if (jpeg.sof >= 0xC9)
    fail(ImageErrorKind::kUnsupportedFormat,
         "arithmetic-coded JPEG is not supported; re-save it as a standard JPEG");
  if (jpeg.sof >= 0xC5)
    fail(ImageErrorKind::kUnsupportedFormat, "hierarchical JPEG is not supported");
  if (jpeg.height == 0)
    fail(ImageErrorKind::kUnsupportedFormat,
         "JPEG whose height is given by a DNL marker is not supported");
  check_dimensions("JPEG", jpeg.width, jpeg.height, limits);
  if (jpeg.components != 1 && jpeg.components != 3 && jpeg.components != 4)
    fail(ImageErrorKind::kCorrupt,
         "corrupt JPEG file: " + std::to_string(jpeg.components) + " colour components");
}

// ---- BMP header ----

struct BmpLayout {
  int width = 0, height = 0;
};

BmpLayout bmp_layout(const std::uint8_t* d, std::size_t n, const DecodeLimits& limits) {
  BmpLayout bmp;
  const std::uint32_t dib = le32(d + 14);
  if (n < 14 + std::size_t(dib))
    fail(ImageErrorKind::kTruncated, "truncated BMP file: it ends inside its header");
  const std::uint32_t offset = le32(d + 10);
  std::int64_t w, h;
  int bpp;
  std::uint32_t compression = 0;
  if (dib == 12) {
    w = le16(d + 18);
    h = le16(d + 20);
    bpp = le16(d + 24);
  } else {
    w = static_cast<std::int32_t>(le32(d + 18));
    h = static_cast<std::int32_t>(le32(d + 22));
    bpp = le16(d + 28);
    compression = le32(d + 30);
  }
  if (h < 0) h = -h;
  if (w < 0) fail(ImageErrorKind::kCorrupt, "corrupt BMP file: negative width");
  check_dimensions("BMP", std::uint64_t(w), std::uint64_t(h), limits);
  if (compression == 1 || compression == 2)
    fail(ImageErrorKind::kUnsupportedFormat,
         "run-length-encoded (RLE) BMP is not supported; re-save it uncompressed or as PNG");
  if (compression != 0 && compression != 3 && compression != 6)
    fail(ImageErrorKind::kUnsupportedFormat,
         "BMP compression type " + std::to_string(compression) + " is not supported");
  if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
    fail(ImageErrorKind::kCorrupt, "corrupt BMP file: " + std::to_string(bpp) + " bits per pixel");
  const std::uint64_t row = (std::uint64_t(w) * bpp + 31) / 32 * 4;
  if (offset > n || row * std::uint64_t(h) > n - offset)
    fail(ImageErrorKind::kTruncated, "truncated BMP file: its pixel data is incomplete");
  bmp.width = static_cast<int>(w);
  bmp.height = static_cast<int>(h);
  return bmp;
}

// ---- GIF: our own first-frame decoder, following PIL's rules ----
//
// PIL (GifImagePlugin) opens the first frame on a canvas as large as the logical screen,
// grown to hold the frame if it sticks out; the canvas starts as the transparent index
// when the frame has one, else index 0; the frame is decoded into its rectangle; the
// local palette is used when present, else the global one, else greyscale; convert("RGB")
// then looks every index up (the transparent one too: PIL does not composite). Indices
// beyond a short palette read as grey (i, i, i), as in PIL's palette.

class GifReader {
 public:
  GifReader(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  std::size_t pos = 0;
  void need(std::size_t k, const char* where) {
    if (n_ - pos < k)
      fail(ImageErrorKind::kTruncated, std::string("truncated GIF file: it ends ") + where);
  }
  std::uint8_t byte(const char* where) {
    need(1, where);
    return d_[pos++];
  }
  const std::uint8_t* take(std::size_t k, const char* where) {
    need(k, where);
    const std::uint8_t* p = d_ + pos;
    pos += k;
    return p;
  }
  bool at_end() const { return pos >= n_; }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
};

struct GifFrame {
  int canvas_w = 0, canvas_h = 0;
  int x0 = 0, y0 = 0, w = 0, h = 0;
  bool interlaced = false;
  int transparency = -1;
  std::uint8_t palette[256][3];
  int min_code_size = 0;
  std::size_t data_pos = 0;  // first data sub-block
};

GifFrame gif_header(const std::uint8_t* d, std::size_t n, const DecodeLimits& limits) {
  GifFrame f;
  for (int i = 0; i < 256; ++i) f.palette[i][0] = f.palette[i][1] = f.palette[i][2] = std::uint8_t(i);
  GifReader r(d, n);
  const std::uint8_t* screen = r.take(13, "inside its header");
  const int sw = le16(screen + 6), sh = le16(screen + 8);
  const std::uint8_t flags = screen[10];
  std::uint8_t global[256][3];
  int global_entries = 0;
  if (flags & 0x80) {
    global_entries = 1 << ((flags & 7) + 1);
    std::memcpy(global, r.take(3 * std::size_t(global_entries), "inside its colour table"),
                3 * std::size_t(global_entries));
  }
  while (true) {
    const std::uint8_t b = r.byte("before its first image");
    if (b == 0x3B) fail(ImageErrorKind::kCorrupt, "GIF file without any image");
    if (b == 0x21) {
      const std::uint8_t label = r.byte("inside an extension");
      bool first = true;
      while (true) {
        const std::uint8_t len = r.byte("inside an extension");
        if (len == 0) break;
        const std::uint8_t* block = r.take(len, "inside an extension");
        if (first && label == 0xF9 && len >= 4) {
          // Graphic control extension: PIL keeps the last one seen before the image.
          f.transparency = (block[0] & 1) ? block[3] : -1;
        }
        first = false;
      }
      continue;
    }
    if (b != 0x2C) continue;  // PIL skips stray bytes between blocks
    const std::uint8_t* desc = r.take(9, "inside an image descriptor");
    f.x0 = le16(desc);
    f.y0 = le16(desc + 2);
    f.w = le16(desc + 4);
    f.h = le16(desc + 6);
    f.interlaced = (desc[8] & 0x40) != 0;
    f.canvas_w = std::max(sw, f.x0 + f.w);
    f.canvas_h = std::max(sh, f.y0 + f.h);
    check_dimensions("GIF", f.canvas_w, f.canvas_h, limits);
    if (desc[8] & 0x80) {
      const int entries = 1 << ((desc[8] & 7) + 1);
      std::memcpy(f.palette, r.take(3 * std::size_t(entries), "inside a colour table"),
                  3 * std::size_t(entries));
    } else if (global_entries) {
      std::memcpy(f.palette, global, 3 * std::size_t(global_entries));
    }
    f.min_code_size = r.byte("before its image data");
    f.data_pos = r.pos;
    return f;
  }
}

DecodedImage gif_decode(const std::uint8_t* d, std::size_t n, const GifFrame& f) {
  if (f.min_code_size < 1 || f.min_code_size > 11)
    fail(ImageErrorKind::kCorrupt,
         "corrupt GIF file: LZW code size " + std::to_string(f.min_code_size) + " is out of range");
  const std::size_t cw = std::size_t(f.canvas_w), ch = std::size_t(f.canvas_h);
  std::vector<std::uint8_t> index(cw * ch, std::uint8_t(f.transparency >= 0 ? f.transparency : 0));

  // Rows in the order the data gives them.
  std::vector<int> row_order;
  row_order.reserve(std::size_t(f.h));
  if (f.interlaced) {
    const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    for (int p = 0; p < 4; ++p)
      for (int y = start[p]; y < f.h; y += step[p]) row_order.push_back(y);
  } else {
    for (int y = 0; y < f.h; ++y) row_order.push_back(y);
  }
  const std::uint64_t total = std::uint64_t(f.w) * std::uint64_t(f.h);
  std::uint64_t written = 0;
  auto emit = [&](std::uint8_t v) {
    if (written >= total) return;
    const int row = row_order[std::size_t(written / std::uint64_t(f.w))];
    const int col = static_cast<int>(written % std::uint64_t(f.w));
    index[std::size_t(f.y0 + row) * cw + std::size_t(f.x0 + col)] = v;
    ++written;
  };

  GifReader r(d, n);
  r.pos = f.data_pos;
  std::size_t block_left = 0;
  bool data_over = false;  // reached the 0-length block that ends the image data
  std::uint32_t bits = 0;
  int nbits = 0;
  auto next_byte = [&](int& out) -> bool {
    while (block_left == 0) {
      if (data_over) return false;
      block_left = r.byte("inside its image data");
      if (block_left == 0) {
        data_over = true;
        return false;
      }
    }
    out = r.byte("inside its image data");
    --block_left;
    return true;
  };

  const int clear = 1 << f.min_code_size, eoi = clear + 1;
  int code_size = f.min_code_size + 1, next_code = clear + 2, prev = -1;
  std::uint16_t prefix[4096];
  std::uint8_t suffix[4096], first_of[4096];
  std::uint8_t stack[4097];
  for (int i = 0; i < clear; ++i) {
    prefix[i] = 0;
    suffix[i] = first_of[i] = std::uint8_t(i);
  }
  while (written < total) {
    while (nbits < code_size) {
      int b;
      if (!next_byte(b)) break;
      bits |= std::uint32_t(b) << nbits;
      nbits += 8;
    }
    if (nbits < code_size) break;  // the data ended early: the rest stays the fill colour
    const int code = static_cast<int>(bits & ((1u << code_size) - 1));
    bits >>= code_size;
    nbits -= code_size;
    if (code == clear) {
      code_size = f.min_code_size + 1;
      next_code = clear + 2;
      prev = -1;
      continue;
    }
    if (code == eoi) break;
    if (prev < 0) {
      if (code >= clear) fail(ImageErrorKind::kCorrupt, "corrupt GIF file: bad LZW code");
      emit(std::uint8_t(code));
      prev = code;
      continue;
    }
    int cur;
    std::size_t depth = 0;
    if (code < next_code) {
      cur = code;
    } else if (code == next_code && next_code < 4096) {
      stack[depth++] = first_of[prev];  // the KwKwK case: prev's string + its first byte
      cur = prev;
    } else {
      fail(ImageErrorKind::kCorrupt, "corrupt GIF file: bad LZW code");
    }
    while (cur >= clear) {
      stack[depth++] = suffix[cur];
      cur = prefix[cur];
    }
    stack[depth++] = std::uint8_t(cur);
    const std::uint8_t first = std::uint8_t(cur);
    while (depth > 0) emit(stack[--depth]);
    if (next_code < 4096) {
      prefix[next_code] = std::uint16_t(prev);
      suffix[next_code] = first;
      first_of[next_code] = first_of[prev];
      ++next_code;
      if (next_code == (1 << code_size) && code_size < 12) ++code_size;
    }
    prev = code;
  }

  ImageInfo info{ImageFormat::kGif, f.canvas_w, f.canvas_h};
  std::shared_ptr<std::uint8_t> rgb(static_cast<std::uint8_t*>(std::malloc(cw * ch * 3)), std::free);
  if (!rgb) fail(ImageErrorKind::kTooLarge, "out of memory decoding the GIF image");
  std::uint8_t* out = rgb.get();
  for (std::size_t i = 0; i < cw * ch; ++i) std::memcpy(out + i * 3, f.palette[index[i]], 3);
  return DecodedImage(info, 3, std::move(rgb));
}

// ---- stb_image ----

std::string stb_reason() {
  const char* why = stbi_failure_reason();
  return why ? why : "unknown error";
}

DecodedImage stb_decode(const std::uint8_t* d, std::size_t n, ImageInfo info, int channels,
                        bool grey16) {
  const char* name = info.format == ImageFormat::kPng    ? "PNG"
                     : info.format == ImageFormat::kJpeg ? "JPEG"
                                                         : "BMP";
  if (n > static_cast<std::size_t>(INT32_MAX))
    fail(ImageErrorKind::kTooLarge, std::string(name) + " file is larger than 2 GB");
  const std::uint64_t pixels = std::uint64_t(info.width) * std::uint64_t(info.height);
  // Generous for any legitimate file (16-bit RGBA PNG, progressive CMYK JPEG), finite for
  // a bomb: see image_decode.h.
  detail::StbMemoryBudget budget(static_cast<std::size_t>(
      std::min<std::uint64_t>(pixels * 24 + std::uint64_t(n) * 2 + (8u << 20), SIZE_MAX / 2)));
  int w = 0, h = 0, comp = 0;
  void* raw = grey16 ? static_cast<void*>(stbi_load_16_from_memory(d, static_cast<int>(n), &w, &h, &comp, 1))
                     : static_cast<void*>(stbi_load_from_memory(d, static_cast<int>(n), &w, &h, &comp, channels));
  if (!raw) {
    if (budget.exceeded())
      fail(ImageErrorKind::kCorrupt,
           std::string("corrupt ") + name + " file: decoding it needs more memory than a " +
               dims(info.width, info.height) + " image can (a decompression bomb?)");
    fail(ImageErrorKind::kCorrupt,
         std::string("corrupt ") + name + " file (the decoder says: " + stb_reason() + ")");
  }
  std::shared_ptr<std::uint8_t> pixels_ptr(static_cast<std::uint8_t*>(raw), stbi_image_free);
  if (w != info.width || h != info.height)
    fail(ImageErrorKind::kCorrupt, std::string("corrupt ") + name + " file: inconsistent size");
  if (grey16) {
    // PIL opens 16-bit greyscale PNG as mode "I"; convert("RGB") clips to 0..255.
    const std::uint16_t* src = reinterpret_cast<const std::uint16_t*>(raw);
    std::uint8_t* dst = static_cast<std::uint8_t*>(raw);  // in place, front to back
    const std::size_t count = std::size_t(w) * std::size_t(h);
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint16_t v = src[i];
      dst[i] = v > 255 ? 255 : std::uint8_t(v);
    }
  }
  return DecodedImage(info, channels, std::move(pixels_ptr));
}

}  // namespace

const char* image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng: return "png";
    case ImageFormat::kJpeg: return "jpeg";
    case ImageFormat::kGif: return "gif";
    case ImageFormat::kBmp: return "bmp";
    default: return "unknown";
  }
}

ImageInfo probe_image(const std::uint8_t* data, std::size_t size, const DecodeLimits& limits) {
  if (data == nullptr && size != 0) fail(ImageErrorKind::kInvalidArgument, "null data pointer");
  ImageInfo info;
  info.format = sniff(data, size);
  switch (info.format) {
    case ImageFormat::kPng: {
      const PngLayout png = png_layout(data, size, false);
      check_dimensions("PNG", png.width, png.height, limits);
      info.width = static_cast<int>(png.width);
      info.height = static_cast<int>(png.height);
      break;
    }
    case ImageFormat::kJpeg: {
      const JpegLayout jpeg = jpeg_layout(data, size, false);
      check_jpeg_frame(jpeg, limits);
      info.width = jpeg.width;
      info.height = jpeg.height;
      break;
    }
    case ImageFormat::kGif: {
      const GifFrame f = gif_header(data, size, limits);
      info.width = f.canvas_w;
      info.height = f.canvas_h;
      break;
    }
    case ImageFormat::kBmp: {
      const BmpLayout bmp = bmp_layout(data, size, limits);
      info.width = bmp.width;
      info.height = bmp.height;
      break;
    }
    default:
      break;
  }
  return info;
}

DecodedImage decode_image(const std::uint8_t* data, std::size_t size, const DecodeLimits& limits) {
  const ImageInfo info = probe_image(data, size, limits);
  switch (info.format) {
    case ImageFormat::kPng: {
      const PngLayout png = png_layout(data, size, true);
      const bool grey = png.color_type == 0 || png.color_type == 4;
      const bool grey16 = png.color_type == 0 && png.bit_depth == 16;
      if (png.has_iend) return stb_decode(data, size, info, grey ? 1 : 3, grey16);
      // No IEND: PIL still reads the image if all of its data is there. Give stb the
      // complete chunks and an IEND; if the image data is incomplete, it is truncated.
      static const std::uint8_t kIend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
      std::vector<std::uint8_t> fixed(data, data + png.complete_end);
      fixed.insert(fixed.end(), kIend, kIend + 12);
      try {
        return stb_decode(fixed.data(), fixed.size(), info, grey ? 1 : 3, grey16);
      } catch (const ImageError&) {
        fail(ImageErrorKind::kTruncated,
             png.has_idat ? "truncated PNG file: its image data is incomplete"
                          : "truncated PNG file: it ends before its image data");
      }
    }
    case ImageFormat::kJpeg: {
      const JpegLayout jpeg = jpeg_layout(data, size, true);  // throws if cut short
      return stb_decode(data, size, info, jpeg.components == 1 ? 1 : 3, false);
    }
    case ImageFormat::kGif:
      return gif_decode(data, size, gif_header(data, size, limits));
    case ImageFormat::kBmp:
      return stb_decode(data, size, info, 3, false);
    default:
      fail(ImageErrorKind::kNotAnImage, "unrecognised file format");
  }
}

}  // namespace clipx
