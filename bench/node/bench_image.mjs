// Image preprocessing speed in WebAssembly under Node (the same module the JS tests use).
//   node bench/node/bench_image.mjs [--module build/img-wasm/node/clipcore.cjs] [--reps N] IMAGE...
// For each file: preprocessEncoded (decode + preprocess, file bytes in) and preprocessRGBA
// on an RGBA buffer of the same size (the page's path: the browser decodes). Without
// IMAGE arguments: synthetic 4000x3000 and 640x480 RGBA only. Median and min in ms.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
let modulePath = process.env.CLIPX_WASM_NODE_MODULE || path.join(repo, 'build', 'img-wasm', 'node', 'clipcore.cjs');
let reps = 0;
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--module') modulePath = path.resolve(args[++i]);
  else if (args[i] === '--reps') reps = Number(args[++i]);
  else files.push(args[i]);
}

const require = createRequire(import.meta.url);
const createClipCore = require(modulePath);
const Module = await createClipCore({ wasmBinary: fs.readFileSync(modulePath.replace(/\.cjs$/, '.wasm')) });
const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];

// The JS contract the page relies on (checked on every warm-up result).
function checkResult(r, size) {
  if (r.error !== '') throw new Error(r.error);
  if (!(r.tensor instanceof Float32Array) || r.tensor.length !== 3 * size * size) throw new Error('bad tensor');
  if (!(r.crop instanceof Uint8ClampedArray) || r.crop.length !== 4 * size * size || r.crop[3] !== 255) {
    throw new Error('bad crop');
  }
  if ('format' in r && !['png', 'jpeg', 'gif', 'bmp'].includes(r.format)) throw new Error('bad format');
}

function time(n, fn) {
  const first = fn();  // warm-up (and the result, to check it)
  checkResult(first, 224);
  const ms = [];
  for (let i = 0; i < n; ++i) {
    const t0 = performance.now();
    const r = fn();
    ms.push(performance.now() - t0);
    if (r.error) throw new Error(r.error);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[ms.length >> 1], min: ms[0] };
}

function report(name, what, t) {
  console.log(`node-wasm ${name.padEnd(28)} ${what.padEnd(22)} median ${t.median.toFixed(2).padStart(8)} ms  min ${t.min.toFixed(2).padStart(8)} ms`);
}

function syntheticRGBA(w, h) {
  const rgba = new Uint8ClampedArray(w * h * 4);
  let s = 12345;
  for (let i = 0; i < rgba.length; ++i) {
    s = (s * 1664525 + 1013904223) >>> 0;
    rgba[i] = (((i >> 2) % w) >> 4) + (s >>> 28);
  }
  return rgba;
}

function benchRGBA(name, w, h, n) {
  const rgba = syntheticRGBA(w, h);
  report(name, 'rgba_preprocess', time(n, () => Module.preprocessRGBA(rgba, w, h, 224, MEAN, STD)));
}

if (files.length === 0) {
  benchRGBA('synthetic-4000x3000', 4000, 3000, reps || 15);
  benchRGBA('synthetic-640x480', 640, 480, reps || 100);
} else {
  for (const file of files) {
    const bytes = new Uint8Array(fs.readFileSync(file));
    const name = path.basename(file);
    const probe = Module.preprocessEncoded(bytes, 224, MEAN, STD);
    if (probe.error) throw new Error(`${file}: ${probe.error}`);
    const big = probe.width * probe.height > 4e6;
    const n = reps || (big ? 8 : 50);
    console.log(`node-wasm ${name.padEnd(28)} ${probe.width}x${probe.height}, ${bytes.length} bytes`);
    report(name, 'file_to_tensor', time(n, () => Module.preprocessEncoded(bytes, 224, MEAN, STD)));
    benchRGBA(name, probe.width, probe.height, n);
  }
}
