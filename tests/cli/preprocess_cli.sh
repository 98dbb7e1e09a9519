#!/usr/bin/env bash
# clip-cli preprocess: writes a float32 NPY [1,3,S,S]; bad input -> one stderr line, exit != 0.
# $1 = clip-cli, $2 = ../shared (reference data; its comparison is skipped when absent).
set -u
CLI="$1"
SHARED="${2:-}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="$HERE/../data/image"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A Python with numpy, if there is one (Debian's has it; a pyenv shim may not).
PY=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import numpy" >/dev/null 2>&1; then
    PY="$candidate"
    break
  fi
done

# 1. Output format: NPY v1, '<f4', shape (1, 3, S, S), header + 4*3*S*S bytes.
"$CLI" preprocess "$DATA/rgb.png" --size 64 --out "$TMP/rgb.npy" 2>"$TMP/err" || fail "rgb.png failed: $(cat "$TMP/err")"
[[ -s "$TMP/err" ]] && fail "rgb.png wrote to stderr: $(cat "$TMP/err")"
head -c 6 "$TMP/rgb.npy" | od -c | head -1 | grep -q 'N   U   M   P   Y' || fail "not an NPY file"
head -c 128 "$TMP/rgb.npy" | grep -q "'descr': '<f4'" || fail "dtype is not <f4"
head -c 128 "$TMP/rgb.npy" | grep -q "'shape': (1, 3, 64, 64)" || fail "shape is not (1, 3, 64, 64)"
size=$(stat -c %s "$TMP/rgb.npy")
[[ "$size" == $((128 + 4 * 3 * 64 * 64)) ]] || fail "size $size != 128 + 4*3*64*64"

# 2. Values: against PIL's crop for this file (numpy), and the shared reference tensor.
if [[ -n "$PY" ]]; then
  "$PY" - "$TMP/rgb.npy" "$DATA/rgb.png.crop64.npy" <<'PYEOF' || fail "values differ from PIL's crop"
import sys, numpy as np
t = np.load(sys.argv[1]); crop = np.load(sys.argv[2]).astype(np.float32)
mean = np.array([0.48145466, 0.4578275, 0.40821073], np.float32).reshape(3, 1, 1)
std = np.array([0.26862954, 0.26130258, 0.27577711], np.float32).reshape(3, 1, 1)
want = ((crop.transpose(2, 0, 1) / np.float32(255)) - mean) / std
assert t.shape == (1, 3, 64, 64) and t.dtype == np.float32, (t.shape, t.dtype)
d = np.abs(t[0] - want) * std * 255
print(f"preprocess_cli: rgb.png vs PIL crop: mean {d.mean():.4f}/255 max {d.max():.2f}/255")
assert d.mean() <= 0.05 and d.max() <= 2.01
PYEOF
  if [[ -f "$SHARED/reference/preprocess_ref.npz" ]]; then
    "$CLI" preprocess "$SHARED/reference/images/chelsea.png" --out "$TMP/chelsea.npy" || fail "chelsea.png failed"
    "$PY" - "$TMP/chelsea.npy" "$SHARED/reference/preprocess_ref.npz" <<'PYEOF' || fail "chelsea.png differs from the reference"
import sys, numpy as np
t = np.load(sys.argv[1]); ref = np.load(sys.argv[2])["chelsea.png"]
std = np.array([0.26862954, 0.26130258, 0.27577711], np.float32).reshape(1, 3, 1, 1)
d = np.abs(t - ref) * std * 255
print(f"preprocess_cli: chelsea.png vs reference: mean {d.mean():.4f}/255 p99 {np.percentile(d, 99):.2f}/255")
assert t.shape == (1, 3, 224, 224) and d.mean() <= 0.5 and np.percentile(d, 99) <= 2
PYEOF
  else
    echo "preprocess_cli: SKIPPED the reference comparison: $SHARED/reference is missing"
  fi
  # Custom mean/std: mean 0, std 1 gives v/255.
  "$CLI" preprocess "$DATA/grey.png" --size 32 --mean 0,0,0 --std 1,1,1 --out "$TMP/grey.npy" || fail "--mean/--std failed"
  "$PY" -c "
import numpy as np, sys
t = np.load('$TMP/grey.npy')
assert t.shape == (1, 3, 32, 32) and t.min() >= 0 and t.max() <= 1, (t.shape, t.min(), t.max())
assert (t[0, 0] == t[0, 1]).all() and (t[0, 1] == t[0, 2]).all()
" || fail "--mean 0,0,0 --std 1,1,1 should give grey values in [0, 1]"
else
  echo "preprocess_cli: SKIPPED value checks: no python3 with numpy"
fi

# 3. Bad input: non-zero exit, exactly one line on stderr, no output file.
expect_error() {  # file, text the message must contain, [extra args]
  local file="$1" needle="$2"
  shift 2
  rm -f "$TMP/bad.npy"
  if "$CLI" preprocess "$file" "$@" --out "$TMP/bad.npy" 2>"$TMP/err" >"$TMP/out"; then
    fail "$file: exit 0"
  fi
  local lines
  lines=$(wc -l <"$TMP/err")
  [[ "$lines" == 1 ]] || fail "$file: $lines stderr lines: $(cat "$TMP/err")"
  grep -q -- "$needle" "$TMP/err" || fail "$file: message lacks '$needle': $(cat "$TMP/err")"
  [[ -e "$TMP/bad.npy" ]] && fail "$file: wrote an output file"
  return 0
}
expect_error "$DATA/bad/empty.png" "empty"
expect_error "$DATA/bad/truncated.png" "truncated PNG"
expect_error "$DATA/bad/truncated.jpg" "truncated JPEG"
expect_error "$DATA/bad/notes.txt" "text file"
expect_error "$DATA/bad/drawing.svg" "SVG"
expect_error "$DATA/bad/photo.heic" "HEIC"
expect_error "$DATA/bad/huge.png" "50000 x 50000"
expect_error "$DATA/bad/huge.jpg" "50000 x 50000"
expect_error "$TMP/does-not-exist.png" "cannot read"
expect_error "$DATA/rgb.png" "--size" --size 0
expect_error "$DATA/rgb.png" "--mean" --mean 1,2 --std 1,1,1
expect_error "$DATA/rgb.png" "std" --mean 0,0,0 --std 1,0,1
if "$CLI" preprocess "$DATA/rgb.png" 2>"$TMP/err"; then fail "missing --out accepted"; fi
[[ $(wc -l <"$TMP/err") == 1 ]] || fail "missing --out: not one stderr line"

if [[ $failures -gt 0 ]]; then
  echo "preprocess_cli: $failures failure(s)"
  exit 1
fi
echo "preprocess_cli: all checks passed"
