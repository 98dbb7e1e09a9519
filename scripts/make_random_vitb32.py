"""Generate a random-weight model with CLIP ViT-B/32's exact shapes and I/O (for benchmarks and
large-download tests; it recognises nothing).

Writes into --out (default models/random-vit-b32/, git-ignored; never commit it):
  vision_model.onnx            fp32, input pixel_values float32 [B,3,224,224] -> image_embeds [B,512]
  text_model.onnx              fp32, input input_ids int64 [B,L] (B, L dynamic, L <= 77, no attention
                               mask) -> text_embeds [B,512]
  vision_model_quantized.onnx  the same, uint8 dynamically quantized (scripts/quantize_dynamic.py),
  text_model_quantized.onnx    like the hub's *_quantized.onnx files (~88 + ~64 MB)
  tokenizer.json               copied from the real CLIP tokenizer (--tokenizer)
  manifest.json                the project's model-package manifest (sizes, SHA-256, I/O names)

Architecture (as OpenAI CLIP / Hugging Face CLIPModel):
  vision: Conv 32x32 stride 32 (no bias) 3->768, class token, 50 learned positions, pre-LN,
          12 pre-LN blocks (width 768, 12 heads, MLP 3072, quick_gelu), post-LN of the class token,
          projection 768->512 without bias.
  text:   token embedding 49408x512, 77 learned positions, 12 pre-LN blocks (width 512, 8 heads,
          MLP 2048, quick_gelu, causal mask), final LN, pooled at argmax(input_ids) (the end token
          49407 is the largest id), projection 512->512 without bias.
Linear layers are written as x @ W (+ b), so they export as MatMul(+Add), and attention is
written by hand (nn.MultiheadAttention's fast path does not export).

Run (Debian's torch and onnx, a few minutes, ~3 GB of RAM):
    nice /usr/bin/python3 scripts/make_random_vitb32.py [--out DIR] [--seed 0] [--threads 1]
Then check it under onnxruntime-web:  node scripts/check_random_vitb32.mjs [DIR]
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import sys
import time

import onnx
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quantize_dynamic import quantize_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
CONTEXT_LENGTH = 77
VOCAB = 49408
START_TOKEN, END_TOKEN = 49406, 49407
EMBED_DIM = 512
OPSET = 17


class Linear(nn.Module):
    """y = x @ W (+ b) with W stored [in, out]: exports as MatMul with a constant B (+ Add)."""

    def __init__(self, n_in, n_out, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.empty(n_out)) if bias else None

    def forward(self, x):
        y = torch.matmul(x, self.weight)
        return y + self.bias if self.bias is not None else y


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads, self.head_dim = heads, width // heads
        self.q, self.k, self.v, self.o = (Linear(width, width) for _ in range(4))

    def forward(self, x, mask=None):
        b, n, w = x.shape
        h, d = self.heads, self.head_dim
        q = (self.q(x) * (d ** -0.5)).reshape(b, n, h, d).transpose(1, 2)
        k = self.k(x).reshape(b, n, h, d).transpose(1, 2)
        v = self.v(x).reshape(b, n, h, d).transpose(1, 2)
        att = torch.matmul(q, k.transpose(2, 3))
        if mask is not None:
            att = att + mask
        y = torch.matmul(torch.softmax(att, dim=-1), v)
        return self.o(y.transpose(1, 2).reshape(b, n, w))


class Block(nn.Module):
    def __init__(self, width, heads, mlp):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = Attention(width, heads)
        self.fc1, self.fc2 = Linear(width, mlp), Linear(mlp, width)

    def forward(self, x, mask=None):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.fc2(quick_gelu(self.fc1(self.ln2(x))))


class Vision(nn.Module):
    def __init__(self, width=768, layers=12, heads=12, mlp=3072, patch=32, size=224):
        super().__init__()
        self.width = width
        self.patch = nn.Conv2d(3, width, patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(torch.empty(width))
        self.positions = nn.Parameter(torch.empty((size // patch) ** 2 + 1, width))
        self.pre_ln, self.post_ln = nn.LayerNorm(width), nn.LayerNorm(width)
        self.blocks = nn.ModuleList(Block(width, heads, mlp) for _ in range(layers))
        self.proj = Linear(width, EMBED_DIM, bias=False)

    def forward(self, pixel_values):
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)  # [B,49,768]
        cls = self.class_embedding.reshape(1, 1, self.width).expand(x.shape[0], 1, self.width)
        x = self.pre_ln(torch.cat([cls, x], dim=1) + self.positions)
        for blk in self.blocks:
            x = blk(x)
        return self.proj(self.post_ln(x[:, 0]))


class Text(nn.Module):
    def __init__(self, width=512, layers=12, heads=8, mlp=2048):
        super().__init__()
        self.width = width
        self.token_embedding = nn.Embedding(VOCAB, width)
        self.positions = nn.Parameter(torch.empty(CONTEXT_LENGTH, width))
        self.blocks = nn.ModuleList(Block(width, heads, mlp) for _ in range(layers))
        self.final_ln = nn.LayerNorm(width)
        self.proj = Linear(width, EMBED_DIM, bias=False)
        mask = torch.full((CONTEXT_LENGTH, CONTEXT_LENGTH), torch.finfo(torch.float32).min).triu(1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, input_ids):
        n = input_ids.shape[1]
        x = self.token_embedding(input_ids) + self.positions[:n]
        mask = self.mask[:n, :n]
        for blk in self.blocks:
            x = blk(x, mask)
        x = self.final_ln(x)
        # pool at the end token: it has the largest id, so argmax finds it (first one on ties)
        end = input_ids.to(torch.int32).argmax(dim=-1).to(torch.int64)
        idx = end.reshape(-1, 1, 1).expand(x.shape[0], 1, self.width)
        return self.proj(torch.gather(x, 1, idx)[:, 0])  # [:, 0], not squeeze: no If node in the graph


def init_random(model, gen):
    """Seeded random weights, scaled (fan-in) so activations stay O(1) and different inputs give
    clearly different embeddings; LayerNorm gains/biases and Linear biases get some noise too so
    every path of the graph carries signal."""
    def normal_(t, std):
        with torch.no_grad():
            t.copy_(torch.randn(t.shape, generator=gen) * std)

    for m in model.modules():
        if isinstance(m, Linear):
            normal_(m.weight, m.weight.shape[0] ** -0.5)
            if m.bias is not None:
                normal_(m.bias, 0.02)
        elif isinstance(m, nn.LayerNorm):
            with torch.no_grad():
                m.weight.copy_(1.0 + torch.randn(m.weight.shape, generator=gen) * 0.1)
            normal_(m.bias, 0.02)
        elif isinstance(m, nn.Conv2d):
            normal_(m.weight, (m.weight[0].numel()) ** -0.5)
        elif isinstance(m, nn.Embedding):
            normal_(m.weight, 1.0)
    if isinstance(model, Vision):
        normal_(model.class_embedding, 1.0)
        normal_(model.positions, 0.5)
    else:
        normal_(model.positions, 0.5)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_entry(path):
    return {"file": os.path.basename(path), "bytes": os.path.getsize(path), "sha256": sha256_of(path)}


def export(model, example, in_name, out_name, dyn, path):
    torch.onnx.export(model, (example,), path, input_names=[in_name], output_names=[out_name],
                      dynamic_axes={in_name: dyn, out_name: {0: "batch"}}, opset_version=OPSET,
                      do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    if ops.get("Gemm"):
        print(f"  note: {path} has {ops['Gemm']} Gemm node(s); the quantizer rewrites them")
    return m


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "random-vit-b32"), help="output folder (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default: %(default)s)")
    ap.add_argument("--tokenizer", default=os.path.join(ROOT, "..", "shared", "data", "clip-vit-b32", "tokenizer.json"),
                    help="the real CLIP tokenizer.json to copy in (default: %(default)s)")
    ap.add_argument("--per-column", action="store_true", help="quantize MatMul weights per output column (default: per tensor, like the hub's files)")
    ap.add_argument("--no-fp32", action="store_true", help="delete the fp32 files after quantizing (the manifest then has no fp32 variant)")
    a = ap.parse_args(argv)

    if not os.path.isfile(a.tokenizer):
        sys.exit(f"make_random_vitb32: the CLIP tokenizer is not at {a.tokenizer} (give --tokenizer PATH)")
    torch.set_num_threads(max(1, a.threads))
    os.makedirs(a.out, exist_ok=True)
    gen = torch.Generator().manual_seed(a.seed)
    t0 = time.time()

    files = {}
    with torch.no_grad():
        vision, text = Vision().eval(), Text().eval()
        init_random(vision, gen)
        init_random(text, gen)
        pixels = torch.randn(2, 3, 224, 224, generator=gen)
        ids = torch.tensor([[START_TOKEN, 320, 1125, 539, 320, 2368, 269, END_TOKEN],
                            [START_TOKEN, 320, 1929, END_TOKEN, 0, 0, 0, 0]])
        ref_img, ref_txt = vision(pixels), text(ids)
        # padding after the end token must not change the text embedding (causal mask + argmax pool)
        pad = torch.zeros(1, CONTEXT_LENGTH, dtype=torch.int64)
        pad[0, :8] = ids[0]
        pad_diff = (text(ids[:1]) - text(pad)).abs().max().item()
        assert pad_diff < 1e-4, f"padding changed the text embedding by {pad_diff}"
        cos = lambda u, v: torch.nn.functional.cosine_similarity(u, v, dim=-1)  # noqa: E731
        print(f"random weights (seed {a.seed}); torch: image cos(x0,x1) {cos(ref_img[0], ref_img[1]).item():.3f}, "
              f"text cos(t0,t1) {cos(ref_txt[0], ref_txt[1]).item():.3f}, pad diff {pad_diff:.1e}")

        for name, model, example, in_name, out_name, dyn in (
                ("vision_model", vision, pixels, "pixel_values", "image_embeds", {0: "batch"}),
                ("text_model", text, ids, "input_ids", "text_embeds", {0: "batch", 1: "sequence"})):
            fp32 = os.path.join(a.out, name + ".onnx")
            m = export(model, example, in_name, out_name, dyn, fp32)
            print(f"  exported {fp32} ({os.path.getsize(fp32) / 1e6:.1f} MB) in {time.time() - t0:.0f} s")
            qm, stats = quantize_model(m, per_column=a.per_column)
            qpath = os.path.join(a.out, name + "_quantized.onnx")
            onnx.save(qm, qpath)
            del m, qm
            print(f"  quantized {qpath} ({os.path.getsize(qpath) / 1e6:.1f} MB): {stats}")
            files[name] = (fp32, qpath)

    tok = os.path.join(a.out, "tokenizer.json")
    shutil.copyfile(a.tokenizer, tok)
    io = {"vision_model": {"input": "pixel_values", "output": "image_embeds"},
          "text_model": {"input": "input_ids", "output": "text_embeds", "input_type": "int64", "dynamic_length": True}}
    quant = "uint8 (dynamic, per column)" if a.per_column else "uint8 (dynamic)"
    manifest = {
        "id": "random-vit-b32",
        "name": "Random weights with CLIP ViT-B/32's shapes (benchmarks and tests only)",
        "description": ("Random weights (seed %d) in CLIP ViT-B/32's exact architecture, shapes and input/output "
                        "names, made by scripts/make_random_vitb32.py for benchmarks and large-download tests. "
                        "Its predictions are meaningless." % a.seed),
        "license": "MIT (random weights generated by this project; tokenizer from OpenAI CLIP, MIT)",
        "source": "scripts/make_random_vitb32.py --seed %d" % a.seed,
        "embed_dim": EMBED_DIM,
        "logit_scale": 100,
        "image": {"size": 224, "mean": MEAN, "std": STD},
        "tokenizer": {**file_entry(tok), "context_length": CONTEXT_LENGTH},
        "vision": {**file_entry(files["vision_model"][1]), **io["vision_model"], "quantization": quant},
        "text": {**file_entry(files["text_model"][1]), **io["text_model"], "quantization": quant},
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if a.no_fp32:
        for fp32, _ in files.values():
            os.remove(fp32)
    else:
        manifest["variants"] = {"fp32": {
            "vision": {**file_entry(files["vision_model"][0]), **io["vision_model"], "quantization": "none"},
            "text": {**file_entry(files["text_model"][0]), **io["text_model"], "quantization": "none"}}}
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    q = manifest["vision"]["bytes"] + manifest["text"]["bytes"]
    print(f"wrote {a.out}: quantized vision {manifest['vision']['bytes'] / 1e6:.1f} MB + text "
          f"{manifest['text']['bytes'] / 1e6:.1f} MB = {q / 1e6:.1f} MB; {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
