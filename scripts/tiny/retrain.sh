#!/bin/sh
# Retrain the tiny CLIP from scratch and rebuild models/tiny (CPU, ~80 min on 2 cores).
# Stage 1 learns colours and then shapes with a 3-layer text tower that is locked for the
# first quarter; stage 2 continues with a 1-layer text tower and more colour-only /
# shape-only captions; stage 3 adds greyscale images with shape-only captions. Stages 2 and 3
# are what make unseen colour-shape pairs work (see models/tiny/README.md).
# Step counts are fixed here; the committed model was trained with the same recipe under a
# wall-time budget on a shared machine (see models/tiny/README.md), so weights differ slightly.
set -e
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
$PY scripts/tiny/bpe.py models/tiny/tokenizer.json
$PY scripts/tiny/train.py --steps 2650 --max-minutes 0 --stop-step 1250 --out /tmp/tiny/stage1.pt
$PY scripts/tiny/train.py --init-from /tmp/tiny/stage1.pt --t-layers 1 --partial 0.4 \
    --text-freeze 0 --text-ramp 0 --warmup 100 --steps 2630 --max-minutes 0 --stop-step 1000 \
    --out /tmp/tiny/stage2.pt
$PY scripts/tiny/train.py --init-from /tmp/tiny/stage2.pt --t-layers 1 --partial 0.4 --grey 0.3 \
    --text-freeze 0 --text-ramp 0 --warmup 100 --lr 8e-4 --steps 2290 --max-minutes 0 \
    --out /tmp/tiny/ckpt.pt
$PY scripts/tiny/export.py /tmp/tiny/ckpt.pt models/tiny
$PY scripts/tiny/make_sets.py
$PY scripts/tiny/eval.py /tmp/tiny/ckpt.pt --dump /tmp/tiny/onnx_check
node scripts/tiny/eval_onnx.mjs /tmp/tiny/onnx_check models/tiny
