#!/usr/bin/env bash
# Builds everything the page and the tests need, incrementally:
#   build/native  core, clip-cli, Catch2 tests          (g++)
#   build/wasm    the page's WASM module, its Node twin, the Catch2 tests as WASM (Emscripten)
#   web/dist      the page, with the WASM core, ONNX Runtime Web's files and the models
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JOBS="${CLIPX_JOBS:-$(nproc)}"

cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j "$JOBS"

# shellcheck source=../emsdk.env
. ./emsdk.env
if [[ ! -f build/wasm/CMakeCache.txt ]]; then
  emcmake cmake -S . -B build/wasm -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build/wasm -j "$JOBS"

# The real model's gallery: scikit-image's sample photos from Debian's python3-skimage.
SKIMAGE_DATA=/usr/lib/python3/dist-packages/skimage/data
mkdir -p build/gallery
for photo in chelsea.png astronaut.png rocket.jpg coffee.png horse.png camera.png motorcycle_right.png page.png hubble_deep_field.jpg; do
  if [[ -f "$SKIMAGE_DATA/$photo" && ! -f "build/gallery/$photo" ]]; then cp "$SKIMAGE_DATA/$photo" build/gallery/; fi
done

(cd web && node node_modules/vite/bin/vite.js build --logLevel warn)
echo "build: done (native: build/native, wasm: build/wasm, page: web/dist)"
