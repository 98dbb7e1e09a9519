#!/usr/bin/env bash
# Builds a self-contained folder for an offline classroom kiosk: the page (web/dist without its
# models), the model packages that have a manifest.json, models/index.json (the model ids, so
# the page needs no directory listing), precache.json (the shell files the service worker
# stores at install) and README.txt. Any static web server can serve the folder; nothing in it
# refers to anything outside it or on the internet.
#
#   scripts/build_kiosk.sh [--no-build] [--models ID,ID,...] [OUT_DIR]      (default: dist/kiosk)
#
#   --no-build   reuse the current web/dist instead of running scripts/build.sh first
#   --models     copy only these model ids (default: every models/*/ with a manifest.json,
#                except the random-weight test models)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD=1
ONLY=""
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --models) ONLY="${2:?--models needs a comma-separated list of model ids}"; shift ;;
    --models=*) ONLY="${1#--models=}" ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build_kiosk: unknown option $1" >&2; exit 2 ;;
    *) [[ -z "$OUT" ]] || { echo "build_kiosk: only one OUT_DIR, please" >&2; exit 2; }; OUT="$1" ;;
  esac
  shift
done
OUT="${OUT:-$ROOT/dist/kiosk}"
mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
MARKER=".clipx-kiosk"

# The folder is replaced as a whole; refuse anything that does not look like an earlier kiosk.
case "$OUT" in
  /|"$ROOT"|"$ROOT/web"|"$ROOT/web/dist"|"$ROOT/models"|"$HOME") echo "build_kiosk: refusing to write into $OUT" >&2; exit 2 ;;
esac
if [[ -e "$OUT" && ! -f "$OUT/$MARKER" && -n "$(ls -A "$OUT" 2>/dev/null)" ]]; then
  echo "build_kiosk: $OUT exists, is not empty and is not a kiosk build; pick another folder" >&2
  exit 2
fi

if [[ "$BUILD" == 1 ]]; then
  "$ROOT/scripts/build.sh"
fi
DIST="$ROOT/web/dist"
for f in index.html sw.js wasm/clipcore.mjs wasm/clipcore.wasm ort/ort.wasm.min.mjs; do
  [[ -f "$DIST/$f" ]] || { echo "build_kiosk: $DIST/$f is missing; run scripts/build.sh first" >&2; exit 1; }
done

STAGE="$(mktemp -d "$(dirname "$OUT")/.kiosk-stage.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT

# 1. The page, without the models vite copied in wholesale (partial downloads included).
for entry in "$DIST"/* "$DIST"/.[!.]*; do
  [[ -e "$entry" ]] || continue
  [[ "$(basename "$entry")" == models ]] && continue
  cp -RL --reflink=auto "$entry" "$STAGE/"
done

# 2. The models, 3. models/index.json, precache.json and README.txt: one Node step, since it
# reads the manifests anyway.
node --input-type=module - "$ROOT/models" "$STAGE" "$ONLY" <<'NODE'
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const [modelsDir, stage, only] = process.argv.slice(2);
const wanted = only ? only.split(',').map((s) => s.trim()).filter(Boolean) : null;
const fail = (msg) => { console.error(`build_kiosk: ${msg}`); process.exit(1); };

// Order: the tiny model (the default), then the real model, then the rest by name.
const rank = (id) => (id === 'tiny' ? 0 : id === 'clip-vit-b32' ? 1 : 2);
const ids = fs.readdirSync(modelsDir)
  .filter((id) => fs.existsSync(path.join(modelsDir, id, 'manifest.json')))
  // Test-only models (random weights) go in only when named with --models.
  .filter((id) => (wanted ? wanted.includes(id) : !id.startsWith('random-')))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
for (const id of wanted ?? []) if (!ids.includes(id)) fail(`model "${id}" has no models/${id}/manifest.json`);
if (!ids.length) fail('no model has a manifest.json (the tiny model needs models/tiny/manifest.json)');

// Leftovers of interrupted downloads and editor files never go onto a kiosk.
const skip = (name) => name.startsWith('.') || name.endsWith('.part') || name.endsWith('~');
function copyTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) {
    if (skip(name)) continue;
    const src = path.join(from, name);
    const st = fs.statSync(src);   // follows symlinks: the kiosk holds real files
    if (st.isDirectory()) copyTree(src, path.join(to, name));
    else if (st.isFile()) fs.copyFileSync(src, path.join(to, name), fs.constants.COPYFILE_FICLONE);
  }
}

const models = [];
for (const id of ids) {
  const src = path.join(modelsDir, id);
  let manifest;
  try { manifest = JSON.parse(fs.readFileSync(path.join(src, 'manifest.json'), 'utf8')); } catch (err) { fail(`models/${id}/manifest.json: ${err.message}`); }
  if (manifest.id !== id) fail(`models/${id}/manifest.json says its id is "${manifest.id}"`);
  let bytes = 0;
  for (const role of ['tokenizer', 'vision', 'text']) {
    const e = manifest[role];
    if (!e || typeof e.file !== 'string') fail(`model "${id}": ${role} is not a local file, so it would need the network`);
    const st = fs.statSync(path.join(src, e.file), { throwIfNoEntry: false });
    if (!st) fail(`model "${id}": ${e.file} is missing (a download not finished?)`);
    if (st.size !== e.bytes) fail(`model "${id}": ${e.file} has ${st.size} bytes, its manifest says ${e.bytes}`);
    bytes += e.bytes;
  }
  copyTree(src, path.join(stage, 'models', id));
  models.push({ id, name: typeof manifest.name === 'string' ? manifest.name : id, bytes });
  console.log(`build_kiosk: model ${id} (${(bytes / 1e6).toFixed(1)} MB)`);
}
fs.writeFileSync(path.join(stage, 'models', 'index.json'),
  JSON.stringify({ version: 1, default: models[0].id, models }, null, 2) + '\n');

// The shell the service worker stores at install: everything except model weights.
const files = [];
const walk = (dir, rel) => {
  for (const name of fs.readdirSync(dir).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (fs.statSync(path.join(dir, name)).isDirectory()) walk(path.join(dir, name), r);
    else files.push(r);
  }
};
walk(stage, '');
const shell = files.filter((f) => f === 'index.html' || f === 'models/index.json' ||
  /^(assets|wasm|ort|gallery)\//.test(f) ||
  /^models\/[^/]+\/(manifest|example)\.json$/.test(f) ||
  /^models\/[^/]+\/samples\/[^/]+$/.test(f));
const hash = crypto.createHash('sha256');
for (const f of shell) hash.update(f).update('\0').update(fs.readFileSync(path.join(stage, f)));
const version = hash.digest('hex').slice(0, 16);
fs.writeFileSync(path.join(stage, 'precache.json'), JSON.stringify({ version, files: shell }, null, 1) + '\n');
// Browsers reinstall a service worker only when its script changes: stamp the build into the
// kiosk's copy, so a rebuilt folder is precached afresh (and stale bundles dropped).
fs.appendFileSync(path.join(stage, 'sw.js'), `\n// kiosk build ${version}\n`);

// Self-containment: the page must not point at another host.
const html = fs.readFileSync(path.join(stage, 'index.html'), 'utf8');
const remote = [...html.matchAll(/\b(?:src|href)\s*=\s*["']?\s*((?:https?:)?\/\/[^"'\s>]+)/gi)].map((m) => m[1]);
if (remote.length) fail(`index.html loads from other hosts: ${remote.join(', ')}`);

const list = models.map((m) => `  - ${m.id}: ${m.name} (${(m.bytes / 1e6).toFixed(1)} MB)`).join('\n');
fs.writeFileSync(path.join(stage, 'README.txt'), `CLIP, zero-shot: offline kiosk folder
=====================================

Everything the article needs is in this folder: the page, its WebAssembly core, ONNX
Runtime's files, and these models:
${list}
Nothing here needs the internet, and the page never asks for it in kiosk mode.

Serve the folder with any static web server and open it in Chromium, Chrome, Edge or Firefox
on the same machine, for example:

    cd <this folder>
    python3 -m http.server 8000 --bind 127.0.0.1

then open  http://127.0.0.1:8000/?kiosk=1

?kiosk=1 turns links to other sites into plain text, hides offers to download from the
internet, and returns to the starting example after 3 idle minutes (?kiosk=1&idle=60000
for one minute).

Notes
- No special server configuration is needed. The page's service worker (sw.js) adds the
  cross-origin-isolation headers that let the model use several threads, and keeps the page
  for offline use. The very first visit loads once without them and reloads itself once.
- The first visit copies the model into the browser's own storage (IndexedDB); later visits
  read it from there, even with the server or the network down.
- Use http://127.0.0.1 or http://localhost, or serve over https. Browsers allow service
  workers and the hashing the page uses to verify models only on such "secure" addresses:
  a plain http://<LAN address> from another machine will not work. Opening index.html
  directly as a file does not work either.
`);
fs.writeFileSync(path.join(stage, '.clipx-kiosk'), `built ${new Date().toISOString()}\n`);
console.log(`build_kiosk: ${shell.length} shell files for the service worker`);
NODE

# Swap the finished folder in.
rm -rf "$OUT"
mv "$STAGE" "$OUT"
trap - EXIT
chmod 755 "$OUT"
echo "build_kiosk: done: $OUT ($(du -sh "$OUT" | cut -f1)). Serve it with any static server; see $OUT/README.txt"
