#!/usr/bin/env bash
# Sets up, builds and runs every test tier:
#   1. native Catch2 + clip-cli tests (CTest)   2. the same Catch2 tests as WASM under Node
#   3. JavaScript unit tests (node --test)     4. browser end-to-end (Chromium, playwright-core)
# With --real-model it also checks the real CLIP ViT-B/32 in models/clip-vit-b32/ (fetched
# with scripts/fetch_model.py) against OpenAI's published cosine similarities.
set -euo pipefail
REAL_MODEL=0
for arg in "$@"; do
  case "$arg" in
    --real-model) REAL_MODEL=1 ;;
    *) echo "test: unknown option $arg (known: --real-model)" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"

if [[ ! -d "$ROOT/../shared" ]]; then
  echo "test: NOTE ../shared is absent: reference-data comparisons are skipped (each test says which)"
fi

# The large-download tests need a model with CLIP ViT-B/32's shapes; generate it once
# (random weights, ~150 MB, git-ignored) with the real tokenizer from ../shared.
if [[ ! -f models/random-vit-b32/manifest.json ]]; then
  if [[ -f "$ROOT/../shared/data/clip-vit-b32/tokenizer.json" ]]; then
    echo "test: generating models/random-vit-b32 (random weights with ViT-B/32's shapes)"
    nice /usr/bin/python3 scripts/make_random_vitb32.py --no-fp32 --threads 2 \
      --tokenizer "$ROOT/../shared/data/clip-vit-b32/tokenizer.json"
  else
    echo "test: NOTE no CLIP tokenizer in ../shared: the large-download tests will be skipped"
  fi
fi

echo "== 1/4 native tests (CTest)"
ctest --test-dir build/native --output-on-failure -j 2
echo "== 2/4 WASM tests under Node (CTest)"
ctest --test-dir build/wasm --output-on-failure -j 2
echo "== 3/4 JavaScript unit tests"
node --test --test-reporter=spec tests/js/
echo "== 4/4 browser end-to-end tests (Chromium)"
node --test --test-concurrency=1 --test-reporter=spec tests/e2e/
if ((REAL_MODEL)); then
  echo "== real-model check (--real-model)"
  node --test --test-reporter=spec tests/real/
fi
echo "test: all tiers passed"
