"""Render the committed image sets (deterministic):
  tests/data/tiny_eval/  fixed evaluation set for tests/js/tiny_model.test.mjs (seed 2024,
                         2 scenes per seen pair + 4 per held-out pair, clean style: small PNGs)
  models/tiny/samples/   sample scenes for the page (seed 77), with index.json

usage: /usr/bin/python3 scripts/tiny/make_sets.py
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ALL_PAIRS, HELD_OUT, SEEN_PAIRS, LABEL_TEMPLATE, Tokenizer  # noqa: E402
from scenes import render_scene  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_set(out_dir, seed, plan, with_caption=False):
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith(".png"):
            os.remove(os.path.join(out_dir, f))
    rng = np.random.default_rng(seed)
    index = []
    for i, (c, s) in enumerate(plan):
        img, meta = render_scene(rng, c, s, clean=True)
        name = f"{i:03d}_{c}_{s}.png"
        img.save(os.path.join(out_dir, name), optimize=True)
        e = {"file": name, "colour": c, "shape": s, "held_out": (c, s) in HELD_OUT}
        if with_caption:
            e["caption"] = LABEL_TEMPLATE.format(colour=c, shape=s)
        index.append(e)
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(out_dir, e["file"])) for e in index)
    print(f"{out_dir}: {len(index)} images, {total / 1e3:.0f} kB")


def main():
    eval_plan = SEEN_PAIRS * 2 + HELD_OUT * 4
    write_set(os.path.join(ROOT, "tests/data/tiny_eval"), 2024, eval_plan)

    # ids the model was trained with, for checking the C++ tokenizer against the Python one
    tok = Tokenizer(os.path.join(ROOT, "models/tiny/tokenizer.json"))
    texts = [LABEL_TEMPLATE.format(colour=c, shape=s) for c, s in ALL_PAIRS[::5]] + [
        "A Photo of a RED   circle", "a small purple star on a dark background", "something orange",
        "a photo of a dog", "an octagon, maybe?", "the 3 blue squares", "purple-star's"]
    expected = [{"text": t, "ids": tok.encode(t, 32)} for t in texts]
    with open(os.path.join(ROOT, "tests/data/tiny_eval/expected_tokens.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(e) for e in expected) + "\n]\n")

    first = [("red", "circle"), ("blue", "square"), ("green", "triangle")]
    rest = [p for p in SEEN_PAIRS if p not in first]
    rng = np.random.default_rng(77)
    picks = [rest[i] for i in sorted(rng.choice(len(rest), 19, replace=False))]
    write_set(os.path.join(ROOT, "models/tiny/samples"), 77, first + list(HELD_OUT) + picks,
              with_caption=True)


if __name__ == "__main__":
    main()
