#!/usr/bin/env bash
# Installs what the project needs and does nothing when it is all there (safe to re-run).
#   scripts/setup.sh            build, serve and test
#   scripts/setup.sh --train    also what training the tiny model and generating test models need
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

APT_PACKAGES=(
  cmake ninja-build g++ clang          # native build; clang for the libFuzzer targets
  libclang-rt-14-dev                   # ASan/UBSan/libFuzzer runtimes for clang 14
  emscripten node-acorn                # Debian's Emscripten 3.1.6 (and the acorn it needs)
  libstb-dev nlohmann-json3-dev catch2 # the core's libraries
  chromium                             # browser end-to-end tests (driven by playwright-core)
  python3 python3-numpy                # small helpers in tests/cli
  python3-skimage                      # its sample photos are the real model's gallery
  python3-torch python3-onnx           # the random ViT-B/32-shaped test model (tests, benchmarks)
  libopenblas0-pthread                 # makes Debian's torch several times faster
)
if [[ "${1:-}" == "--train" ]]; then
  APT_PACKAGES+=(python3-pil)          # drawing the tiny model's training scenes
fi

say() { printf 'setup: %s\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""
  if [[ $EUID -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js 20+ (Vite 8 needs it). Debian 12's own nodejs is 18, so we only check.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  say "Node.js 20 or later with npm is required and was not found on PATH" >&2
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 20)); then
  say "Node.js $(node --version) is too old: Vite 8 needs 20.19 or later" >&2
  exit 1
fi

# npm packages, exactly as locked. Re-run only when the lockfile changed since the last install.
cd "$ROOT/web"
if ! cmp -s package-lock.json node_modules/.clipx-installed-lock 2>/dev/null; then
  say "installing npm packages from web/package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.clipx-installed-lock
fi
say "all dependencies present"
