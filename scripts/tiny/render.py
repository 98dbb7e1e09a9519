"""Render a scene set once into a uint8 array (cached as .npy + .json next to it).

usage: /usr/bin/python3 scripts/tiny/render.py OUT_PREFIX SEED N [seen|held|all] [WORKERS]
"""
import json
import os
import sys
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SEEN_PAIRS, HELD_OUT, ALL_PAIRS  # noqa: E402
from scenes import render_dataset  # noqa: E402

CHUNK = 500


def _chunk(args):
    seed, pairs, start, n = args
    # every chunk has its own seed derived from (seed, chunk index): reproducible for any worker count
    arr, metas = render_dataset([seed, start // CHUNK], pairs, n)
    return arr, metas


def render(prefix, seed, n, which="seen", workers=2):
    pairs = {"seen": SEEN_PAIRS, "held": HELD_OUT, "all": ALL_PAIRS}[which]
    jobs = []
    for start in range(0, n, CHUNK):
        # rotate the pair list so that chunks stay balanced across pairs
        k = start % len(pairs)
        jobs.append((seed, pairs[k:] + pairs[:k], start, min(CHUNK, n - start)))
    with Pool(workers) as pool:
        parts = pool.map(_chunk, jobs)
    arr = np.concatenate([p[0] for p in parts])
    metas = [m for p in parts for m in p[1]]
    np.save(prefix + ".npy", arr)
    json.dump(metas, open(prefix + ".json", "w"))
    return arr, metas


def load_or_render(prefix, seed, n, which="seen", workers=2):
    if os.path.exists(prefix + ".npy") and os.path.exists(prefix + ".json"):
        arr = np.load(prefix + ".npy", mmap_mode=None)
        metas = json.load(open(prefix + ".json"))
        if len(arr) == n:
            return arr, metas
    return render(prefix, seed, n, which, workers)


if __name__ == "__main__":
    prefix, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    which = sys.argv[4] if len(sys.argv) > 4 else "seen"
    workers = int(sys.argv[5]) if len(sys.argv) > 5 else 2
    import time
    t = time.time()
    arr, metas = render(prefix, seed, n, which, workers)
    print(arr.shape, f"{time.time() - t:.1f}s")
