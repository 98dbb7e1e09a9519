"""Evaluate the tiny CLIP (PyTorch checkpoint) on three sets and dump inputs for the ONNX check.

  val     480 scenes of the training renderer, new seed (10 per pair)
  eval    the committed PNG set tests/data/tiny_eval (what the JS test uses)
  other   240 scenes from a deliberately different renderer (other_style.py, 5 per pair)

Top-1 over the 48 labels "a photo of a {colour} {shape}", split held-out / seen pairs.
usage: /usr/bin/python3 scripts/tiny/eval.py /tmp/tiny/ckpt.pt [--dump /tmp/tiny/onnx_check]
With --dump it writes the preprocessed pixel tensors (float32) and label ids so that
scripts/tiny/eval_onnx.mjs can repeat the evaluation with onnxruntime-web on the exported files.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ALL_PAIRS, HELD_OUT, LABEL_TEMPLATE, Tokenizer  # noqa: E402
from model import TinyCLIP  # noqa: E402
from train import MEAN, STD, pad_ids, to_input  # noqa: E402
from render import load_or_render  # noqa: E402
from other_style import render_other_set  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def clip_preprocess(img, size=224):
    """CLIP's preprocessing: RGB, bicubic resize of the short side, centre crop -> uint8 HWC."""
    img = img.convert("RGB")
    w, h = img.size
    s = size / min(w, h)
    if (w, h) != (size, size):
        img = img.resize((max(size, round(w * s)), max(size, round(h * s))), Image.BICUBIC)
    w, h = img.size
    left, top = (w - size) // 2, (h - size) // 2
    return np.asarray(img.crop((left, top, left + size, top + size)))


def load_png_set(d):
    index = json.load(open(os.path.join(d, "index.json")))
    arr = np.stack([clip_preprocess(Image.open(os.path.join(d, e["file"]))) for e in index])
    return arr, index


@torch.no_grad()
def accuracy(model, tok, u8, metas):
    labels = [LABEL_TEMPLATE.format(colour=c, shape=s) for c, s in ALL_PAIRS]
    t = torch.nn.functional.normalize(model.text(pad_ids([tok.encode(x) for x in labels])), dim=-1)
    preds = []
    for i in range(0, len(u8), 64):
        v = torch.nn.functional.normalize(model.visual(to_input(torch.from_numpy(u8[i:i + 64]))), dim=-1)
        preds += (v @ t.t()).argmax(1).tolist()
    res = {"held": [0, 0], "seen": [0, 0]}
    for p, m in zip(preds, metas):
        truth = (m["colour"], m["shape"])
        k = "held" if truth in HELD_OUT else "seen"
        res[k][0] += int(ALL_PAIRS[p] == truth)
        res[k][1] += 1
    return {k: {"acc": round(a / n, 4), "n": n} for k, (a, n) in res.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt", nargs="?", default="/tmp/tiny/ckpt.pt")
    ap.add_argument("--dump", default=None)
    ap.add_argument("--cache", default="/tmp/tiny")
    args = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(args.ckpt, map_location="cpu")
    model = TinyCLIP(**ck["config"])
    model.load_state_dict(ck["state_dict"])
    model.eval()
    tok = Tokenizer(os.path.join(ROOT, "models/tiny/tokenizer.json"))

    sets = {
        "val": load_or_render(os.path.join(args.cache, "val_s1000"), 1000, 480, "all"),
        "eval": load_png_set(os.path.join(ROOT, "tests/data/tiny_eval")),
        "other": render_other_set(4242, ALL_PAIRS, 5),
    }
    out = {name: accuracy(model, tok, u8, metas) for name, (u8, metas) in sets.items()}
    print(json.dumps(out))
    if args.dump:
        os.makedirs(args.dump, exist_ok=True)
        mean = np.array(MEAN, np.float32).reshape(1, 3, 1, 1)
        std = np.array(STD, np.float32).reshape(1, 3, 1, 1)
        for name in ("eval", "other"):
            u8, metas = sets[name]
            x = ((u8.transpose(0, 3, 1, 2).astype(np.float32) / 255.0) - mean) / std
            x.astype(np.float32).tofile(os.path.join(args.dump, f"{name}.f32"))
            json.dump([{"colour": m["colour"], "shape": m["shape"]} for m in metas],
                      open(os.path.join(args.dump, f"{name}.json"), "w"))
        labels = [LABEL_TEMPLATE.format(colour=c, shape=s) for c, s in ALL_PAIRS]
        json.dump({"pairs": ALL_PAIRS, "held_out": HELD_OUT, "ids": [tok.encode(x) for x in labels],
                   "torch": out}, open(os.path.join(args.dump, "labels.json"), "w"))


if __name__ == "__main__":
    main()
