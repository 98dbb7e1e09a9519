#!/usr/bin/env bash
# scripts/fetch_model.py without the hub: --from-dir copies small fake files and writes a manifest
# with their sizes and SHA-256; a fetch from an unreachable address fails within seconds with one
# clear message; and the download path (redirect, progress, HTTP Range resume, SHA-256 check)
# against a tiny local stand-in for the hub on 127.0.0.1. No network needed; a few seconds.
# $1 = clip-cli (unused), $2 = ../shared (unused).
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
FETCH="$ROOT/scripts/fetch_model.py"
PY=/usr/bin/python3
[[ -x "$PY" ]] || PY=python3
TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() { [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Small fake package: .onnx files in onnx/ (the hub's layout), the rest at the top.
SRC="$TMP/usb/clip-vit-b32"
mkdir -p "$SRC/onnx"
head -c 300000 /dev/urandom > "$SRC/onnx/vision_model_quantized.onnx"
head -c 200001 /dev/urandom > "$SRC/onnx/text_model_quantized.onnx"
echo '{"model": {"type": "BPE"}}' > "$SRC/tokenizer.json"
echo '{"projection_dim": 512, "text_config": {"max_position_embeddings": 77}}' > "$SRC/config.json"
echo '{"image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711]}' > "$SRC/preprocessor_config.json"

# check_manifest OUT SRC: every entry's file exists in OUT, equals SRC's file, and has its size and SHA-256.
check_manifest() {
  "$PY" - "$1" "$2" <<'EOF'
import hashlib, json, os, sys
out, src = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(out, "manifest.json")))
def src_of(name):
    for p in (os.path.join(src, name), os.path.join(src, "onnx", name)):
        if os.path.isfile(p):
            return p
    raise SystemExit(f"{name} not in the source")
errs = []
want = {"tokenizer": "tokenizer.json", "vision": "vision_model_quantized.onnx", "text": "text_model_quantized.onnx"}
entries = {k: m[k] for k in want}
entries.update({k: v for k, v in m.get("files", {}).items()})
for role, e in entries.items():
    if role in want and e["file"] != want[role]:
        errs.append(f"{role}.file is {e['file']}")
    data = open(src_of(e["file"]), "rb").read()
    copied = open(os.path.join(out, e["file"]), "rb").read()
    if copied != data:
        errs.append(f"{e['file']}: the copy differs from the source")
    if e["bytes"] != len(data) or e["sha256"] != hashlib.sha256(data).hexdigest():
        errs.append(f"{role}: bytes/sha256 {e['bytes']}/{e['sha256'][:12]} != {len(data)}/{hashlib.sha256(data).hexdigest()[:12]}")
if set(m.get("files", {})) != {"config", "preprocessor_config"}:
    errs.append(f"files: {sorted(m.get('files', {}))}")
checks = [(m["id"], "clip-vit-b32"), (m["embed_dim"], 512), (m["logit_scale"], 100), (m["image"]["size"], 224),
          (m["image"]["mean"], [0.48145466, 0.4578275, 0.40821073]), (m["image"]["std"], [0.26862954, 0.26130258, 0.27577711]),
          (m["tokenizer"]["context_length"], 77), (m["vision"]["input"], "pixel_values"), (m["vision"]["output"], "image_embeds"),
          (m["text"]["input"], "input_ids"), (m["text"]["output"], "text_embeds"), (m["text"]["input_type"], "int64"),
          (m["text"]["dynamic_length"], True), (m["vision"]["quantization"], "uint8 (dynamic)")]
errs += [f"{got!r} != {want!r}" for got, want in checks if got != want]
errs += [f"leftover {f}" for f in os.listdir(out) if f.endswith(".part")]
print("; ".join(errs))
sys.exit(1 if errs else 0)
EOF
}

# 1. --from-dir: copies flat into OUT and writes the manifest.
OUT="$TMP/out"
"$PY" "$FETCH" --from-dir "$SRC" --out "$OUT" >"$TMP/log" 2>&1 || fail "--from-dir failed: $(cat "$TMP/log")"
[[ -f "$OUT/vision_model_quantized.onnx" && -f "$OUT/text_model_quantized.onnx" ]] || fail "--from-dir: the .onnx files are not at the top of OUT"
msg=$(check_manifest "$OUT" "$SRC") || fail "--from-dir manifest: $msg"

# 2. --from-dir from a copy of that package (it has a manifest.json): same result; a file that does
#    not match the source's manifest is refused and not copied.
"$PY" "$FETCH" --from-dir "$OUT" --out "$TMP/out2" >"$TMP/log" 2>&1 || fail "--from-dir of a package failed: $(cat "$TMP/log")"
msg=$(check_manifest "$TMP/out2" "$OUT") || fail "--from-dir of a package, manifest: $msg"
cp -r "$OUT" "$TMP/bad"
printf 'X' | dd of="$TMP/bad/text_model_quantized.onnx" bs=1 seek=1000 conv=notrunc status=none
"$PY" "$FETCH" --from-dir "$TMP/bad" --out "$TMP/out3" >"$TMP/log" 2>&1
rc=$?
[[ $rc == 1 ]] || fail "--from-dir with a corrupt file: exit $rc, expected 1"
grep -q "text_model_quantized.onnx.*SHA-256" "$TMP/log" || fail "--from-dir corrupt file: no SHA-256 message: $(cat "$TMP/log")"
[[ -e "$TMP/out3/manifest.json" ]] && fail "--from-dir corrupt file: a manifest was written"

# 3. --from-dir with a required file missing: exit 1, names it, copies nothing.
mkdir -p "$TMP/partial" && cp "$SRC/tokenizer.json" "$SRC/onnx/text_model_quantized.onnx" "$TMP/partial/"
"$PY" "$FETCH" --from-dir "$TMP/partial" --out "$TMP/out4" >"$TMP/log" 2>&1
rc=$?
[[ $rc == 1 ]] || fail "--from-dir with a missing file: exit $rc, expected 1"
grep -q "missing vision_model_quantized.onnx" "$TMP/log" || fail "--from-dir missing file: message: $(cat "$TMP/log")"
[[ -e "$TMP/out4/text_model_quantized.onnx" ]] && fail "--from-dir missing file: copied anyway"

# 4. Unreachable hub (TEST-NET-1 address, never routed): fails within seconds, exit 3, one clear message.
start=$(date +%s)
"$PY" "$FETCH" --hub-url http://192.0.2.1:81 --timeout 3 --out "$TMP/net" >"$TMP/log" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
[[ $rc == 3 ]] || fail "unreachable hub: exit $rc, expected 3: $(cat "$TMP/log")"
(( took <= 8 )) || fail "unreachable hub: took ${took} s"
for want in "unreachable" "--from-dir" "load model from files" "Nothing was downloaded"; do
  grep -q -- "$want" "$TMP/log" || fail "unreachable hub: message lacks '$want': $(cat "$TMP/log")"
done
[[ -e "$TMP/net" ]] && fail "unreachable hub: created the output folder"

# 5. The download path against a local stand-in for the hub: resolve URLs answer HEAD/GET with a
#    redirect (X-Linked-Size/-Etag, X-Repo-Commit) to a file server that honours Range.
HUB="$TMP/hub"
mkdir -p "$HUB"
cp "$SRC"/*.json "$SRC"/onnx/*.onnx "$HUB/"
"$PY" - "$HUB" "$TMP/port" "$TMP/requests" <<'EOF' &
import hashlib, http.server, os, re, sys
root, port_file, log = sys.argv[1:4]
COMMIT = "0123456789abcdef0123456789abcdef01234567"
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def record(self):
        with open(log, "a") as f:
            f.write(f"{self.command} {self.path} {self.headers.get('Range', '-')}\n")
    def do_HEAD(self):
        self.serve(False)
    def do_GET(self):
        self.serve(True)
    def serve(self, body):
        self.record()
        m = re.fullmatch(r"/Xenova/clip-vit-base-patch32/resolve/([^/]+)/(?:onnx/)?([\w.]+)", self.path)
        c = re.fullmatch(r"/cdn/([\w.]+)", self.path)
        name = (m or c).group(m.lastindex if m else 1) if (m or c) else None
        path = os.path.join(root, name) if name else None
        if not path or not os.path.isfile(path) or (m and m.group(1) not in ("main", COMMIT)):
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        data = open(path, "rb").read()
        if m and name.endswith(".onnx"):
            etag = hashlib.sha256(data).hexdigest()
            self.send_response(302)
            self.send_header("Location", "/cdn/" + name)
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("X-Linked-Etag", f'"{etag}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = 0
        r = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        if r:
            start = int(r.group(1))
            if start >= len(data):
                self.send_response(416); self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0"); self.end_headers(); return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        if m:
            self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        if body:
            self.wfile.write(data[start:])
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.replace(port_file + ".tmp", port_file)
srv.serve_forever()
EOF
SERVER_PID=$!
for _ in $(seq 50); do [[ -s "$TMP/port" ]] && break; sleep 0.1; done
if [[ ! -s "$TMP/port" ]]; then
  fail "the local stand-in hub did not start"
else
  BASE="http://127.0.0.1:$(cat "$TMP/port")"
  NET="$TMP/net2"
  mkdir -p "$NET"
  # an interrupted earlier run left the first 123456 bytes of the vision model
  head -c 123456 "$HUB/vision_model_quantized.onnx" > "$NET/vision_model_quantized.onnx.part"
  "$PY" "$FETCH" --hub-url "$BASE" --out "$NET" >"$TMP/log" 2>&1 || fail "download from the stand-in hub failed: $(cat "$TMP/log")"
  msg=$(check_manifest "$NET" "$HUB") || fail "downloaded package, manifest: $msg"
  grep -q "GET /cdn/vision_model_quantized.onnx bytes=123456-" "$TMP/requests" || fail "no Range request resumed the partial file: $(cat "$TMP/requests")"
  grep -q "resumed at" "$TMP/log" || fail "the progress line does not say it resumed: $(cat "$TMP/log")"
  grep -q '"commit": "0123456789abcdef0123456789abcdef01234567"' "$NET/manifest.json" || fail "the manifest lacks the resolved commit"
  # a second run keeps complete files (HEAD only)
  : > "$TMP/requests"
  "$PY" "$FETCH" --hub-url "$BASE" --out "$NET" >"$TMP/log" 2>&1 || fail "second run failed: $(cat "$TMP/log")"
  grep -q "^GET" "$TMP/requests" && fail "second run downloaded again: $(cat "$TMP/requests")"
  # a download that does not match the hub's announced SHA-256 is deleted and refused
  rm "$NET/text_model_quantized.onnx"
  head -c 100 "$HUB/text_model_quantized.onnx" > "$NET/text_model_quantized.onnx.part"
  printf 'Y' | dd of="$NET/text_model_quantized.onnx.part" bs=1 seek=50 conv=notrunc status=none  # a corrupt partial file
  "$PY" "$FETCH" --hub-url "$BASE" --out "$NET" >"$TMP/log" 2>&1
  rc=$?
  [[ $rc == 1 ]] || fail "corrupt resumed download: exit $rc, expected 1: $(cat "$TMP/log")"
  grep -q "SHA-256 .* is not the hub's" "$TMP/log" || fail "corrupt resumed download: message: $(cat "$TMP/log")"
  [[ -e "$NET/text_model_quantized.onnx" || -e "$NET/text_model_quantized.onnx.part" ]] && fail "corrupt download was kept"
  # a revision the hub does not have: exit 1 with the HTTP status
  "$PY" "$FETCH" --hub-url "$BASE" --revision nosuchbranch --out "$TMP/net3" >"$TMP/log" 2>&1
  rc=$?
  [[ $rc == 1 ]] && grep -q "HTTP 404" "$TMP/log" || fail "unknown revision: exit $rc: $(cat "$TMP/log")"
fi

if (( failures )); then
  echo "fetch_model_from_dir: $failures failure(s)"
  exit 1
fi
echo "fetch_model_from_dir: all checks passed"
