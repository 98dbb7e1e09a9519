#!/usr/bin/env bash
# Sets up, builds and serves the page on http://127.0.0.1:${PORT:-8080} with the
# cross-origin isolation headers ONNX Runtime Web needs for threads.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"
export PORT="${PORT:-8080}"
echo "serve: http://127.0.0.1:$PORT/  (Ctrl-C stops)"
cd "$ROOT/web"
exec node node_modules/vite/bin/vite.js preview --logLevel warn
