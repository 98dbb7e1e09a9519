"""Export a trained tiny CLIP checkpoint to ONNX and write the model package manifest.

usage: /usr/bin/python3 scripts/tiny/export.py /tmp/tiny/ckpt.pt models/tiny
Writes vision.onnx (pixel_values [B,3,224,224] -> image_embeds [B,D]) and text.onnx
(input_ids int64 [B,L], L dynamic -> text_embeds [B,D]), both unnormalised, opset 17,
plus manifest.json with sizes and SHA-256 of every file.
"""
import hashlib
import json
import math
import os
import sys

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (COLOURS, SHAPES, HELD_OUT, LABEL_TEMPLATE, all_template_strings,  # noqa: E402
                    Tokenizer)
from model import TinyCLIP  # noqa: E402
from train import MEAN, STD  # noqa: E402

OPSET = 17
CONTEXT_LENGTH = 32


def file_entry(path):
    data = open(path, "rb").read()
    return {"file": os.path.basename(path), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


class _Text(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids):
        return self.m.text(input_ids)


class _Vision(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.visual(pixel_values)


def main():
    ckpt_path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tiny/ckpt.pt"
    out = sys.argv[2] if len(sys.argv) > 2 else "models/tiny"
    ck = torch.load(ckpt_path, map_location="cpu")
    model = TinyCLIP(**ck["config"])
    model.load_state_dict(ck["state_dict"])
    model.eval()
    tok = Tokenizer(os.path.join(out, "tokenizer.json"))

    ids = torch.tensor([tok.encode("a photo of a red circle"), tok.encode("a blue star") + [0, 0, 0]])
    torch.onnx.export(_Text(model), (ids,), os.path.join(out, "text.onnx"), opset_version=OPSET,
                      input_names=["input_ids"], output_names=["text_embeds"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "text_embeds": {0: "batch"}},
                      do_constant_folding=True)
    px = torch.randn(2, 3, 224, 224)
    torch.onnx.export(_Vision(model), (px,), os.path.join(out, "vision.onnx"), opset_version=OPSET,
                      input_names=["pixel_values"], output_names=["image_embeds"],
                      dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}},
                      do_constant_folding=True)
    for f in ("text.onnx", "vision.onnx"):
        m = onnx.load(os.path.join(out, f))
        onnx.checker.check_model(m)

    # padding after the end token must not change the text embedding
    with torch.no_grad():
        real = torch.tensor([tok.encode("a photo of a purple star")])
        padded = torch.zeros(1, CONTEXT_LENGTH, dtype=torch.int64)
        padded[0, :real.shape[1]] = real
        d = (model.text(real) - model.text(padded)).abs().max().item()
    assert d < 1e-4, d

    hist = ck.get("history", [])
    manifest = {
        "id": "tiny",
        "name": "Tiny CLIP (shapes and colours)",
        "license": "MIT (trained by this project on procedurally drawn scenes)",
        "description": ("A miniature CLIP trained from scratch on drawn scenes of one coloured shape: "
                        f"{len(COLOURS)} colours x {len(SHAPES)} shapes, with {len(HELD_OUT)} "
                        "colour-shape pairs never seen in training. It knows nothing else."),
        "embed_dim": ck["config"]["embed_dim"],
        "logit_scale": round(math.exp(ck["state_dict"]["logit_scale"].item()), 4),
        "image": {"size": 224, "mean": MEAN, "std": STD},
        "tokenizer": {**file_entry(os.path.join(out, "tokenizer.json")), "context_length": CONTEXT_LENGTH},
        "vision": {**file_entry(os.path.join(out, "vision.onnx")), "input": "pixel_values",
                   "output": "image_embeds", "quantization": "none"},
        "text": {**file_entry(os.path.join(out, "text.onnx")), "input": "input_ids", "output": "text_embeds",
                 "input_type": "int64", "dynamic_length": True, "quantization": "none"},
        "labels": {"colours": COLOURS, "shapes": SHAPES, "held_out_pairs": [list(p) for p in HELD_OUT],
                   "label_template": LABEL_TEMPLATE},
        "default_labels": ["red circle", "blue square", "green triangle"],
        "templates": all_template_strings(),
        "training": {"steps": ck.get("steps_done"), "minutes": round(ck.get("minutes", 0), 1),
                     "seed": ck["args"]["seed"], "final_validation": hist[-1] if hist else None},
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    total = sum(manifest[k]["bytes"] for k in ("tokenizer", "vision", "text"))
    print(f"exported; pad check {d:.2e}; package {total / 1e6:.2f} MB; logit_scale {manifest['logit_scale']}")


if __name__ == "__main__":
    main()
