#!/usr/bin/python3
"""Image preprocessing speed: PIL (the reference pipeline) against our native and WASM
builds, on the same images, in the same run, with the ratio.

    /usr/bin/python3 bench/pil_preprocess.py \
        [--native build/img-native/bench_image] [--node build/img-wasm/node/clipcore.cjs]

It writes photo-like test images (4000x3000 and 640x480, JPEG q90 and PNG) to
build/img-bench/ if they are not there, times PIL on them:
  decode   = Image.open(f).convert("RGB") (forces the decode)
  pipeline = decode + resize of the short side to 224 (BICUBIC, torchvision's long side)
             + centre crop + /255 + normalise to a float32 CHW array (numpy)
  resize   = the pipeline without the decode (from the decoded RGB image)
then runs the native benchmark and the Node/WASM benchmark on the same files (if built)
and prints a table. Timings are medians (ms) on this machine; all runs are single-threaded.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32).reshape(3, 1, 1)
STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32).reshape(3, 1, 1)


def photo_like(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    for c in range(3):
        fx, fy = rng.uniform(0.001, 0.02, 2) * (4000 / w)
        img[..., c] = 120 + 60 * np.sin(x * fx + c) * np.cos(y * fy - c) + 40 * x / w
    img += rng.normal(0, 6, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_images(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for w, h in ((4000, 3000), (640, 480)):
        arr = None
        for ext in ("jpg", "png"):
            path = os.path.join(out_dir, f"photo_{w}x{h}.{ext}")
            if not os.path.exists(path):
                arr = photo_like(w, h, w) if arr is None else arr
                im = Image.fromarray(arr)
                if ext == "jpg":
                    im.save(path, quality=90)
                else:
                    im.save(path, compress_level=6)
            paths.append(path)
    return paths


def pil_decode(path):
    im = Image.open(path)
    return im.convert("RGB")  # convert() loads, i.e. decodes


def pil_resize_crop_normalise(im, size=224):
    w, h = im.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)
    nw, nh = (size, new_long) if w <= h else (new_long, size)
    im = im.resize((nw, nh), Image.BICUBIC)
    top, left = int(round((nh - size) / 2.0)), int(round((nw - size) / 2.0))
    im = im.crop((left, top, left + size, top + size))
    t = np.asarray(im, dtype=np.float32).transpose(2, 0, 1) / np.float32(255)
    return (t - MEAN) / STD


def timed(fn, reps):
    fn()
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ms)


def parse(output, prefix):
    """'<prefix> NAME WHAT median X ms ...' lines -> {(name, what): X}."""
    got = {}
    for line in output.splitlines():
        m = re.match(rf"{prefix}\s+(\S+)\s+(\S+)\s+median\s+([\d.]+) ms", line)
        if m:
            got[(m.group(1), m.group(2))] = float(m.group(3))
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--native", default=os.path.join(ROOT, "build", "img-native", "bench_image"))
    ap.add_argument("--node", default=os.path.join(ROOT, "build", "img-wasm", "node", "clipcore.cjs"))
    ap.add_argument("--images", default=os.path.join(ROOT, "build", "img-bench"))
    args = ap.parse_args()

    paths = make_images(args.images)
    native, node = {}, {}
    if os.path.exists(args.native):
        out = subprocess.run([args.native] + paths, check=True, capture_output=True, text=True).stdout
        print(out, end="")
        native = parse(out, "native")
    else:
        print(f"(no native benchmark at {args.native}: build build/img-native first)")
    if os.path.exists(args.node):
        cmd = ["node", os.path.join(ROOT, "bench", "node", "bench_image.mjs"), "--module", args.node] + paths
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        print(out, end="")
        node = parse(out, "node-wasm")
    else:
        print(f"(no WASM module at {args.node}: build build/img-wasm first)")

    print()
    print(f"{'image':24} {'PIL decode':>10} {'PIL resize':>10} {'PIL total':>10} | {'native total':>12} {'x faster':>8} "
          f"{'native rgba':>11} {'x faster':>8} | {'wasm total':>10} {'wasm rgba':>9}")
    for path in paths:
        name = os.path.basename(path)
        big = "4000" in name
        reps = 5 if big else 40
        decoded = pil_decode(path)
        t_dec = timed(lambda: pil_decode(path), reps)
        t_res = timed(lambda: pil_resize_crop_normalise(decoded), reps)
        t_all = timed(lambda: pil_resize_crop_normalise(pil_decode(path)), reps)
        n_all = native.get((name, "file_to_tensor"))
        n_rgba = native.get((name, "rgba_preprocess"))
        w_all = node.get((name, "file_to_tensor"))
        w_rgba = node.get((name, "rgba_preprocess"))
        fmt = lambda v: f"{v:.2f}" if v is not None else "-"
        ratio = lambda a, b: f"{a / b:.1f}x" if b else "-"
        print(f"{name:24} {t_dec:10.2f} {t_res:10.2f} {t_all:10.2f} | {fmt(n_all):>12} {ratio(t_all, n_all):>8} "
              f"{fmt(n_rgba):>11} {ratio(t_res, n_rgba):>8} | {fmt(w_all):>10} {fmt(w_rgba):>9}")
    print("\nms, medians. 'x faster': PIL total / native total, and PIL resize+crop+normalise / native RGBA entry.")


if __name__ == "__main__":
    sys.exit(main())
