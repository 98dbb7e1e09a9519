"""Train the tiny CLIP on rendered scenes (CPU, Debian python3-torch).

usage: /usr/bin/python3 scripts/tiny/train.py --out /tmp/tiny/ckpt.pt   (defaults = the committed model)
The training set is rendered once (cached under --cache) and augmented cheaply in memory
(flips and quarter turns). Batches are balanced over the seen (colour, shape) pairs, and the
contrastive target treats every caption that fits an image as a positive, so two red circles
in one batch are never pushed apart.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (COLOURS, SHAPES, SEEN_PAIRS, HELD_OUT, ALL_PAIRS, LABEL_TEMPLATE,  # noqa: E402
                    TEMPLATES_FULL, TEMPLATES_SIZE, TEMPLATES_BG, TEMPLATES_COLOUR_ONLY,
                    TEMPLATES_SHAPE_ONLY, Tokenizer)
from model import TinyCLIP, clip_loss  # noqa: E402
from render import load_or_render  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def caption_for(rng, meta, partial=0.2):
    c, s, z, b = meta["colour"], meta["shape"], meta["size"], meta["background"]
    u = rng.random()
    if u < partial / 2:
        return rng.choice(TEMPLATES_COLOUR_ONLY).format(c=c), c, None
    if u < partial:
        return rng.choice(TEMPLATES_SHAPE_ONLY).format(s=s), None, s
    u = rng.random()
    if u < 0.6:
        t = rng.choice(TEMPLATES_FULL)
    elif u < 0.8 and z:
        t = rng.choice(TEMPLATES_SIZE)
    else:
        t = rng.choice(TEMPLATES_BG)
    t = t.replace("{z} ", "{z} " if z else "")
    return t.format(c=c, s=s, z=z, b=b), c, s


def to_input(batch_u8):
    """uint8 [B,H,W,3] -> normalised float [B,3,H,W] (exactly CLIP's /255, mean, std)."""
    x = batch_u8.permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def pad_ids(seqs, pad=0):
    L = max(len(s) for s in seqs)
    out = torch.full((len(seqs), L), pad, dtype=torch.int64)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = torch.tensor(s)
    return out


@torch.no_grad()
def evaluate(model, tok, images_u8, metas, bs=64):
    model.eval()
    labels = [LABEL_TEMPLATE.format(colour=c, shape=s) for c, s in ALL_PAIRS]
    t = model.text(pad_ids([tok.encode(x) for x in labels]))
    t = torch.nn.functional.normalize(t, dim=-1)
    correct = {"held": [0, 0], "seen": [0, 0]}
    col_ok = shp_ok = 0
    for i in range(0, len(images_u8), bs):
        x = to_input(torch.from_numpy(images_u8[i:i + bs]))
        v = torch.nn.functional.normalize(model.visual(x), dim=-1)
        pred = (v @ t.t()).argmax(1).tolist()
        for j, p in enumerate(pred):
            m = metas[i + j]
            truth = (m["colour"], m["shape"])
            k = "held" if truth in HELD_OUT else "seen"
            correct[k][1] += 1
            correct[k][0] += int(ALL_PAIRS[p] == truth)
            col_ok += int(ALL_PAIRS[p][0] == truth[0])
            shp_ok += int(ALL_PAIRS[p][1] == truth[1])
    model.train()
    n = len(images_u8)
    return {k: v[0] / max(1, v[1]) for k, v in correct.items()} | {"colour": col_ok / n, "shape": shp_ok / n}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=4000, help="step cap (schedule end if no time budget)")
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-train", type=int, default=20000)
    ap.add_argument("--cache", default="/tmp/tiny")
    ap.add_argument("--tokenizer", default=os.path.join(ROOT, "models/tiny/tokenizer.json"))
    ap.add_argument("--out", default="/tmp/tiny/ckpt.pt")
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--max-minutes", type=float, default=50.0,
                    help="wall-time budget the schedule is fitted to (0: schedule by --steps only)")
    ap.add_argument("--v-width", type=int, default=128)
    ap.add_argument("--v-layers", type=int, default=4)
    ap.add_argument("--t-width", type=int, default=64)
    ap.add_argument("--t-layers", type=int, default=3)
    ap.add_argument("--embed-dim", type=int, default=64)
    ap.add_argument("--grid", type=int, default=7)
    ap.add_argument("--logit-scale-init", type=float, default=1 / 0.07)
    ap.add_argument("--threads", type=int, default=1)  # 2 threads on a shared 2-core box ran 6x slower
    ap.add_argument("--init-from", default=None, help="start from this checkpoint's weights")
    ap.add_argument("--partial", type=float, default=0.2, help="share of colour-only/shape-only captions")
    ap.add_argument("--grey", type=float, default=0.0, help="share of greyscale images (shape-only captions)")
    ap.add_argument("--stop-step", type=int, default=0, help="stop (and save) after this many steps")
    ap.add_argument("--text-freeze", type=float, default=0.25)
    ap.add_argument("--text-ramp", type=float, default=0.1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    os.makedirs(args.cache, exist_ok=True)

    t0 = time.time()
    train_u8, train_meta = load_or_render(os.path.join(args.cache, f"train_s{args.seed}"), args.seed,
                                          args.n_train, "seen")
    # validation: all 48 pairs, 10 each, a different seed
    val_u8, val_meta = load_or_render(os.path.join(args.cache, "val_s1000"), 1000, 480, "all")
    print(f"data ready: {train_u8.shape} train, {val_u8.shape} val, {time.time() - t0:.0f}s", flush=True)
    train_t = torch.from_numpy(train_u8)

    by_pair = {p: [] for p in SEEN_PAIRS}
    for i, m in enumerate(train_meta):
        by_pair[(m["colour"], m["shape"])].append(i)
    assert all(len(v) > 0 for v in by_pair.values())
    assert not any((m["colour"], m["shape"]) in HELD_OUT for m in train_meta)

    tok = Tokenizer(args.tokenizer)
    vocab_size = len(tok.vocab)
    cfg = dict(vocab_size=vocab_size, end_id=tok.end_id, embed_dim=args.embed_dim,
               v_width=args.v_width, v_layers=args.v_layers, t_width=args.t_width,
               t_layers=args.t_layers, grid=args.grid)
    model = TinyCLIP(**cfg, logit_scale_init=args.logit_scale_init)
    if args.init_from:
        # non-strict: a smaller text tower keeps the layers it shares with the checkpoint
        res = model.load_state_dict(torch.load(args.init_from, map_location="cpu")["state_dict"], strict=False)
        print(f"init from {args.init_from}: {res}", flush=True)
    print(f"params: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M", flush=True)

    # Four groups: (vision+scale | text) x (decay | no decay). The text tower is locked for the
    # first --text-freeze fraction of training, then ramps up: otherwise it learns within a few
    # hundred steps to map all shapes of one colour to one point (the images cannot tell shapes
    # apart yet), which removes the image tower's gradient towards shape (measured: text cosine
    # 0.985 between "a photo of a red circle" and "... red square" at step 400, shapes at chance).
    groups = {}
    for n_, p in model.named_parameters():
        tower = "text" if n_.startswith("text.") else "vision"
        dec = p.ndim >= 2 and "pos" not in n_ and "tok" not in n_
        groups.setdefault((tower, dec), []).append(p)
    opt = torch.optim.AdamW([{"params": ps, "weight_decay": args.wd if dec else 0.0, "tower": tower}
                             for (tower, dec), ps in groups.items()], lr=args.lr,
                            betas=(0.9, 0.98), eps=1e-6)

    def progress(step, elapsed):
        # Training progress in [0, 1]: by steps, or by wall time when a budget is given (the
        # machine is shared, so a step count alone cannot promise to end on time). The cosine
        # schedule and the text-tower phases follow this progress.
        p = step / args.steps
        if args.max_minutes > 0:
            p = max(p, elapsed / (args.max_minutes * 60))
        return min(p, 1.0)

    def lr_at(step, p):
        return args.lr * min(1.0, (step + 1) / args.warmup) * 0.5 * (1 + math.cos(math.pi * p))

    def text_mult(p):
        if p < args.text_freeze:
            return 0.0
        return min(1.0, (p - args.text_freeze) / max(1e-9, args.text_ramp))

    pair_order = []
    history = []
    t_start = time.time()
    step = 0
    for step in range(args.steps):
        # balanced batch: walk through shuffled pair lists, one image per slot
        idx = []
        while len(idx) < args.batch:
            if not pair_order:
                pair_order = SEEN_PAIRS[:]
                rng.shuffle(pair_order)
            p = pair_order.pop()
            idx.append(rng.choice(by_pair[p]))
        imgs = train_t[idx]
        # cheap augmentation: quarter turns and mirror images (shape names are invariant)
        imgs = torch.stack([torch.rot90(im, rng.randrange(4), (0, 1)).flip(1) if rng.random() < 0.5
                            else torch.rot90(im, rng.randrange(4), (0, 1)) for im in imgs])
        caps = [caption_for(rng, train_meta[i], args.partial) for i in idx]
        img_colour = [train_meta[i]["colour"] for i in idx]
        # greyscale copies with shape-only captions: the image tower has to know a star by its
        # outline, not by "purple things here are usually crosses" (that entanglement is what
        # kept unseen colour-shape pairs near zero)
        grey = [b for b in range(len(idx)) if rng.random() < args.grey]
        if grey:
            g = imgs[grey].float()
            luma = (g[..., 0] * 0.299 + g[..., 1] * 0.587 + g[..., 2] * 0.114).round().clamp(0, 255)
            imgs[grey] = luma.to(torch.uint8).unsqueeze(-1).expand(-1, -1, -1, 3)
            for b in grey:
                s_ = train_meta[idx[b]]["shape"]
                caps[b] = (rng.choice(TEMPLATES_SHAPE_ONLY).format(s=s_), None, s_)
                img_colour[b] = None
        ids = pad_ids([tok.encode(c[0]) for c in caps])
        target = torch.zeros(len(idx), len(idx))
        for a, (_, cc, cs) in enumerate(caps):
            for b, i in enumerate(idx):
                target[a, b] = float((cc is None or cc == img_colour[b])
                                     and (cs is None or cs == train_meta[i]["shape"]))

        p = progress(step, time.time() - t_start)
        lr = lr_at(step, p)
        for g in opt.param_groups:
            g["lr"] = lr * (text_mult(p) if g["tower"] == "text" else 1.0)
        img_e = model.visual(to_input(imgs))
        txt_e = model.text(ids)
        loss = clip_loss(img_e, txt_e, model.logit_scale, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))

        el = time.time() - t_start
        if step % 25 == 0:
            print(f"step {step} loss {loss.item():.3f} scale {model.logit_scale.exp().item():.1f} "
                  f"lr {lr:.2e} p {p:.3f} text x{text_mult(p):.2f} {el / (step + 1):.2f}s/step {el / 60:.1f}min", flush=True)
        last = (step == args.steps - 1 or progress(step + 1, el) >= 1.0
                or (args.stop_step and step + 1 >= args.stop_step))
        if (step + 1) % args.eval_every == 0 or last:
            acc = evaluate(model, tok, val_u8, val_meta)
            history.append({"step": step + 1, "minutes": round(el / 60, 2), **acc})
            print(f"EVAL step {step + 1}: {json.dumps(acc)}", flush=True)
            torch.save({"state_dict": model.state_dict(), "config": cfg, "args": vars(args),
                        "steps_done": step + 1, "minutes": el / 60, "history": history}, args.out)
        if last:
            break
    print(f"done: {step + 1} steps in {(time.time() - t_start) / 60:.1f} min -> {args.out}", flush=True)


if __name__ == "__main__":
    main()
