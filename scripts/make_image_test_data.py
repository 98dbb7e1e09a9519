#!/usr/bin/python3
"""Generates tests/data/image/: small images in the formats and modes the preprocessing
must handle, the reference crops PIL gives for them, and bad inputs.

For every good image, <name>.crop<S>.npy holds the uint8 S x S x 3 centre crop of CLIP's
reference pipeline (PIL open, convert("RGB"), resize of the short side to S with BICUBIC,
long side int(S * long / short) as torchvision computes it, centre crop at
round((h - S) / 2)); ToTensor and Normalize are exact functions of those bytes, so the
crop is the whole reference. cases.json lists the cases for tests/native/test_image.cpp.

Run with Debian's python3 (python3-pil, python3-numpy):
    /usr/bin/python3 scripts/make_image_test_data.py
The output is deterministic; re-running it rewrites the same files.
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "image")
BAD = os.path.join(OUT, "bad")


def reference_crop(path, size):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)
    nw, nh = (size, new_long) if w <= h else (new_long, size)
    im = im.resize((nw, nh), Image.BICUBIC)
    top = int(round((nh - size) / 2.0))
    left = int(round((nw - size) / 2.0))
    return np.asarray(im.crop((left, top, left + size, top + size)), dtype=np.uint8)


def smooth(w, h, seed, channels=3):
    """A photo-like test pattern: gradients, a few blobs, texture and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.zeros((h, w, channels))
    for c in range(channels):
        fx, fy = rng.uniform(0.02, 0.3, 2)
        out[..., c] = 128 + 60 * np.sin(x * fx + c) * np.cos(y * fy - c)
        out[..., c] += 40 * (x / max(w - 1, 1)) - 20 * (y / max(h - 1, 1))
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(3, 0.4 * max(w, h) + 3)
        out[..., c] += 80 * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
    out += rng.normal(0, 12, out.shape)
    out[(x.astype(int) // 7 + y.astype(int) // 5) % 9 == 0] = 250  # hard edges
    return np.clip(out, 0, 255).astype(np.uint8)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png16(path, array, color_type):
    """PIL cannot write 16-bit RGB/LA PNGs, so we do: array is uint16 (h, w, c)."""
    h, w, c = array.shape
    raw = b"".join(b"\0" + array[row].astype(">u2").tobytes() for row in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def lzw_encode(indices, min_code_size):
    """A plain GIF LZW encoder (variable code size, clear when the table is full)."""
    clear, eoi = 1 << min_code_size, (1 << min_code_size) + 1
    codes, size = [], min_code_size + 1
    out_bits, nbits, out = 0, 0, bytearray()

    def put(code):
        nonlocal out_bits, nbits
        out_bits |= code << nbits
        nbits += size
        while nbits >= 8:
            out.append(out_bits & 0xFF)
            out_bits >>= 8
            nbits -= 8

    table = {(i,): i for i in range(clear)}
    next_code = eoi + 1
    put(clear)
    cur = ()
    for v in indices:
        cand = cur + (int(v),)
        if cand in table:
            cur = cand
            continue
        put(table[cur])
        if next_code < 4096:
            table[cand] = next_code
            next_code += 1
            if next_code - 1 == (1 << size) and size < 12:
                size += 1
        else:
            put(clear)
            table = {(i,): i for i in range(clear)}
            next_code = eoi + 1
            size = min_code_size + 1
        cur = (int(v),)
    put(table[cur])
    put(eoi)
    if nbits:
        out.append(out_bits & 0xFF)
    blocks = bytearray([min_code_size])
    for i in range(0, len(out), 255):
        chunk = out[i:i + 255]
        blocks += bytes([len(chunk)]) + chunk
    return bytes(blocks + b"\0")


def write_gif_by_hand(path, screen, global_pal, frames):
    """frames: list of dicts with x, y, w, h, indices, local_pal, transparency, interlace."""
    sw, sh = screen
    data = bytearray(b"GIF89a" + struct.pack("<HH", sw, sh))
    if global_pal is not None:
        bits = int(np.log2(len(global_pal))) - 1
        data += bytes([0x80 | bits, 0, 0]) + bytes(np.array(global_pal, np.uint8).ravel())
    else:
        data += bytes([0, 0, 0])
    for fr in frames:
        if fr.get("transparency") is not None:
            data += bytes([0x21, 0xF9, 4, 1, 0, 0, fr["transparency"], 0])
        flags = 0x40 if fr.get("interlace") else 0
        local = fr.get("local_pal")
        if local is not None:
            flags |= 0x80 | (int(np.log2(len(local))) - 1)
        data += b"," + struct.pack("<HHHH", fr["x"], fr["y"], fr["w"], fr["h"]) + bytes([flags])
        if local is not None:
            data += bytes(np.array(local, np.uint8).ravel())
        idx = np.array(fr["indices"], np.uint8).reshape(fr["h"], fr["w"])
        if fr.get("interlace"):
            order = list(range(0, fr["h"], 8)) + list(range(4, fr["h"], 8)) + list(range(2, fr["h"], 4)) + list(range(1, fr["h"], 2))
            idx = idx[order]
        data += lzw_encode(idx.ravel(), fr.get("min_code_size", 8))
    data += b";"
    with open(path, "wb") as f:
        f.write(bytes(data))


def main():
    os.makedirs(BAD, exist_ok=True)
    for d in (OUT, BAD):
        for name in os.listdir(d):
            if os.path.isfile(os.path.join(d, name)):
                os.remove(os.path.join(d, name))
    cases = []

    def add(name, size, kind="exact", note=""):
        path = os.path.join(OUT, name)
        crop = reference_crop(path, size)
        crop_name = f"{name}.crop{size}.npy"
        np.save(os.path.join(OUT, crop_name), crop)
        im = Image.open(path)
        fmt = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "BMP": "bmp"}[im.format]
        cases.append({"file": name, "size": size, "crop": crop_name, "compare": kind, "format": fmt,
                      "width": im.size[0], "height": im.size[1], "pil_mode": im.mode, "note": note})

    rgb = smooth(97, 75, 1)
    Image.fromarray(rgb).save(os.path.join(OUT, "rgb.png"))
    add("rgb.png", 64, note="RGB, landscape")

    # Centre crop at an exact .5: Python's round() takes the even neighbour.
    w = 75
    h = next(h for h in range(90, 200) if (int(64 * h / w) - 64) % 2 == 1 and ((int(64 * h / w) - 65) // 2) % 2 == 0)
    Image.fromarray(smooth(w, h, 2)).save(os.path.join(OUT, "portrait_half_crop.png"))
    add("portrait_half_crop.png", 64, note="crop top at k + 0.5, banker's rounding")

    Image.fromarray(smooth(83, 61, 3, 1)[..., 0], "L").save(os.path.join(OUT, "grey.png"))
    add("grey.png", 64, note="L")

    grey16 = (smooth(60, 80, 4, 1)[..., 0].astype(np.uint32) * 3).astype(np.uint16)  # 0..765
    Image.fromarray(grey16).save(os.path.join(OUT, "grey16.png"))
    add("grey16.png", 48, note="16-bit grey opens as mode I: convert clips at 255")

    rgb16 = smooth(70, 52, 5).astype(np.uint16) * 257 + np.random.default_rng(5).integers(0, 256, (52, 70, 3)).astype(np.uint16)
    write_png16(os.path.join(OUT, "rgb16.png"), rgb16, 2)
    add("rgb16.png", 48, note="16-bit RGB: high byte")

    la16 = np.stack([smooth(50, 66, 6, 1)[..., 0].astype(np.uint16) * 257, np.full((66, 50), 1000, np.uint16)], -1)
    write_png16(os.path.join(OUT, "la16.png"), la16, 4)
    add("la16.png", 40, note="16-bit grey+alpha: LA, high byte, alpha dropped")

    rgba = np.concatenate([smooth(90, 70, 7), np.zeros((70, 90, 1), np.uint8)], -1)
    rgba[..., 3] = (np.arange(90)[None, :] * 3 % 256).astype(np.uint8)  # alpha 0 included
    Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "rgba.png"))
    add("rgba.png", 64, note="RGBA: alpha dropped, not composited")

    la = np.stack([smooth(66, 50, 8, 1)[..., 0], (np.arange(66)[None, :] * 4 % 256).repeat(50, 0).astype(np.uint8)], -1)
    Image.fromarray(la, "LA").save(os.path.join(OUT, "la.png"))
    add("la.png", 40, note="LA")

    pal_img = Image.fromarray(smooth(88, 72, 9)).quantize(16)
    pal_img.save(os.path.join(OUT, "palette.png"), transparency=0)
    add("palette.png", 64, note="P, 16 colours, tRNS")
    Image.fromarray(smooth(72, 88, 10)).quantize(4).save(os.path.join(OUT, "palette2bit.png"), bits=2)
    add("palette2bit.png", 48, note="P, 2-bit")
    Image.fromarray(smooth(40, 30, 11, 1)[..., 0], "L").convert("1").save(os.path.join(OUT, "bilevel.png"))
    add("bilevel.png", 32, note="1-bit")

    Image.fromarray(smooth(1, 1, 13)).save(os.path.join(OUT, "one_pixel.png"))
    add("one_pixel.png", 24, note="1 x 1")
    Image.fromarray(smooth(2, 3, 14)).save(os.path.join(OUT, "two_by_three.png"))
    add("two_by_three.png", 24, note="2 x 3, upsampled")
    wide = smooth(10000, 1, 15)
    Image.fromarray(wide).save(os.path.join(OUT, "wide_10000x1.png"))
    add("wide_10000x1.png", 32, note="10000 x 1: resized to 320000 x 32, crop in the middle")
    Image.fromarray(smooth(3, 700, 16)).save(os.path.join(OUT, "tall_3x700.png"))
    add("tall_3x700.png", 32, note="tall")

    Image.fromarray(smooth(101, 77, 17)).save(os.path.join(OUT, "pil.gif"))  # PIL: interlaced by default
    add("pil.gif", 64, note="GIF written by PIL (adaptive palette, interlaced)")

    # First frame of an animation: frame smaller than the screen, local palette, a
    # transparent index that PIL shows as its palette colour, a second frame to ignore.
    rng = np.random.default_rng(18)
    local = rng.integers(0, 256, (16, 3))
    glob = rng.integers(0, 256, (4, 3))
    ys, xs = np.mgrid[0:40, 0:50]
    first = ((xs // 3 + ys // 4) % 16).astype(np.uint8)
    second = ((xs // 5) % 4).astype(np.uint8)
    write_gif_by_hand(os.path.join(OUT, "anim.gif"), (64, 48), glob, [
        dict(x=5, y=3, w=50, h=40, indices=first, local_pal=local, transparency=2, interlace=True, min_code_size=4),
        dict(x=0, y=0, w=50, h=40, indices=second, transparency=None, min_code_size=2),
    ])
    add("anim.gif", 40, note="first frame at (5,3) on a 64x48 canvas, transparency kept as colour")
    # Indices past the end of a 4-entry global palette (PIL shows them as grey i,i,i).
    write_gif_by_hand(os.path.join(OUT, "short_palette.gif"), (30, 20), glob, [
        dict(x=0, y=0, w=32, h=22, indices=((xs[:22, :32] + ys[:22, :32]) % 8).astype(np.uint8), min_code_size=3),
    ])
    add("short_palette.gif", 24, note="frame larger than the screen; indices beyond the palette")

    Image.fromarray(smooth(77, 91, 19)).save(os.path.join(OUT, "rgb24.bmp"))
    add("rgb24.bmp", 48, note="24-bit BMP")
    Image.fromarray(smooth(66, 50, 20)).quantize(200).save(os.path.join(OUT, "palette8.bmp"))
    add("palette8.bmp", 40, note="8-bit palette BMP")

    photo = smooth(160, 120, 21)
    Image.fromarray(photo).save(os.path.join(OUT, "baseline.jpg"), quality=90)
    add("baseline.jpg", 64, "jpeg", "baseline 4:2:0")
    Image.fromarray(photo).save(os.path.join(OUT, "progressive.jpg"), quality=85, progressive=True)
    add("progressive.jpg", 64, "jpeg", "progressive")
    Image.fromarray(photo).save(os.path.join(OUT, "q95_444.jpg"), quality=95, subsampling=0)
    add("q95_444.jpg", 64, "jpeg", "4:4:4")
    Image.fromarray(photo[..., 1]).save(os.path.join(OUT, "grey.jpg"), quality=90)
    add("grey.jpg", 64, "jpeg", "greyscale JPEG")
    Image.fromarray(smooth(61, 97, 22)).save(os.path.join(OUT, "odd_size.jpg"), quality=90)
    add("odd_size.jpg", 48, "jpeg", "odd size, partial MCUs")

    # ---- bad inputs ----
    bad = []

    def add_bad(name, data, kind, needle):
        with open(os.path.join(BAD, name), "wb") as f:
            f.write(data)
        bad.append({"file": "bad/" + name, "error": kind, "message_contains": needle})

    png_bytes = open(os.path.join(OUT, "rgb.png"), "rb").read()
    jpg_bytes = open(os.path.join(OUT, "baseline.jpg"), "rb").read()
    gif_bytes = open(os.path.join(OUT, "pil.gif"), "rb").read()
    add_bad("empty.png", b"", "empty", "empty")
    add_bad("truncated.png", png_bytes[: len(png_bytes) // 2], "truncated", "truncated PNG")
    add_bad("truncated.jpg", jpg_bytes[: len(jpg_bytes) * 2 // 3], "truncated", "truncated JPEG")
    add_bad("truncated_header.jpg", jpg_bytes[:100], "truncated", "truncated JPEG")
    add_bad("truncated.gif", gif_bytes[: len(gif_bytes) // 2], "truncated", "truncated GIF")
    # Huffman table counts summing past 256 (stb_image 2.27 writes past its tables on these).
    dht = jpg_bytes.index(b"\xff\xc4")
    add_bad("bad_huffman.jpg", jpg_bytes[:dht + 5] + b"\xff" * 16 + jpg_bytes[dht + 21:], "corrupt", "Huffman")
    add_bad("notes.txt", b"This is a text file, not an image.\nSecond line.\n", "not_an_image", "text file")
    add_bad("drawing.svg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b'<rect width="10" height="10" fill="red"/></svg>\n', "unsupported", "SVG")
    add_bad("photo.heic", struct.pack(">I", 24) + b"ftypheic" + struct.pack(">I", 0) + b"mif1heic" + bytes(64),
            "unsupported", "HEIC")
    add_bad("photo.avif", struct.pack(">I", 28) + b"ftypavif" + struct.pack(">I", 0) + b"avifmif1miaf" + bytes(64),
            "unsupported", "AVIF")
    add_bad("photo.webp", b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8 " + bytes(30), "unsupported", "WebP")
    # A header claiming 50,000 x 50,000: rejected from the header alone.
    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    add_bad("huge.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\0" * 1000))
            + png_chunk(b"IEND", b""), "too_large", "50000 x 50000")
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, 50000, 50000, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    add_bad("huge.jpg", b"\xff\xd8" + sof + b"\xff\xd9", "too_large", "50000 x 50000")
    add_bad("huge.gif", b"GIF89a" + struct.pack("<HH", 50000, 50000) + b"\0\0\0," + struct.pack("<HHHH", 0, 0, 50000, 50000)
            + b"\0\x08\x02\x00\x00\0;", "too_large", "50000 x 50000")
    add_bad("huge.bmp", b"BM" + struct.pack("<IHHI", 0, 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, 50000, 50000, 1, 24, 0, 0, 0, 0, 0, 0),
            "too_large", "50000 x 50000")
    # A PNG bomb: 1 x 1 pixel whose IDAT inflates to 64 MB.
    bomb = zlib.compress(b"\0" * (64 << 20), 9)
    ihdr1 = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    add_bad("bomb.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr1) + png_chunk(b"IDAT", bomb) + png_chunk(b"IEND", b""),
            "corrupt", "PNG")
    add_bad("random.bin", bytes(np.random.default_rng(23).integers(0, 256, 200, dtype=np.uint8)), "not_an_image",
            "unrecognised")

    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"cases": cases, "bad": bad}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(d, n)) for d in (OUT, BAD) for n in os.listdir(d) if os.path.isfile(os.path.join(d, n)))
    print(f"{len(cases)} cases, {len(bad)} bad inputs, {total / 1024:.0f} KB in {OUT}")


if __name__ == "__main__":
    main()
