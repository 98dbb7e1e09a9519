// Preprocessing fidelity: how far each implementation's model input is from the reference
// tensors (../shared/reference/preprocess_ref.npz, CLIP's own PIL pipeline: bicubic resize of
// the short side to 224 with antialiasing, centre crop, normalise) for the six reference photos.
//   ours            the WASM core (Node build, the same C++ the page's worker runs):
//                   core.preprocessEncoded(bytes, 224, mean, std)
//   tjs (node)      transformers.js AutoProcessor in Node (decoding and resizing by sharp)
//   tjs (browser)   transformers.js AutoProcessor in Chromium (createImageBitmap + canvas), the
//                   path a reader's browser takes
// The difference is measured in pixel units: each tensor is un-normalised (x·std + mean)·255,
// then mean |Δ| and the 99th percentile of |Δ| over all 3·224·224 values of an image.
//   node bench/preprocess_fidelity.mjs [--no-browser]
// Needs build/wasm/node/ (scripts/build.sh) and bench/transformers-js/node_modules (npm ci there).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { loadCore, repoDir, sharedDir } from '../tests/js/load-core.mjs';
import { prepareProcessorDir, startStaticServer, tjsDir, tjsModelsRoot, versions } from './transformers-js/serve.mjs';

const SIZE = 224;
const refDir = path.join(sharedDir, 'reference');
const imagesDir = path.join(refDir, 'images');
const noBrowser = process.argv.includes('--no-browser');

// ---- .npz (a zip of .npy files) -----------------------------------------------------------
function readZip(buf) {
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const compSize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + compSize);
    if (method === 0) entries.set(name, raw);
    else if (method === 8) entries.set(name, zlib.inflateRawSync(raw));
    else throw new Error(`${name}: zip method ${method} not supported`);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function readNpy(buf) {
  if (buf.readUInt32BE(0) !== 0x934e554d || buf[4] !== 0x50 || buf[5] !== 0x59) throw new Error('not a .npy file');
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (descr !== '<f4' || fortran) throw new Error(`unsupported .npy (${descr}, fortran=${fortran})`);
  const body = buf.subarray(start + headerLen);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = body.readFloatLE(i * 4);
  return { shape, data };
}

export function readNpz(file) {
  const out = new Map();
  for (const [name, bytes] of readZip(fs.readFileSync(file))) out.set(name.replace(/\.npy$/, ''), readNpy(bytes));
  return out;
}

// ---- comparison ---------------------------------------------------------------------------
function pixelError(candidate, reference, std) {
  const plane = SIZE * SIZE;
  if (candidate.length !== reference.length) throw new Error(`length ${candidate.length} ≠ ${reference.length}`);
  const d = new Float64Array(candidate.length);
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    d[i] = Math.abs(candidate[i] - reference[i]) * std[Math.floor(i / plane)] * 255;
    sum += d[i];
  }
  d.sort();
  return { mean: sum / d.length, p99: d[Math.min(d.length - 1, Math.floor(0.99 * d.length))], max: d[d.length - 1] };
}

const pre = JSON.parse(fs.readFileSync(path.join(sharedDir, 'data', 'clip-vit-b32', 'preprocessor_config.json'), 'utf8'));
const mean = pre.image_mean;
const std = pre.image_std;
const refs = readNpz(path.join(refDir, 'preprocess_ref.npz'));
const names = fs.readdirSync(imagesDir).filter((n) => refs.has(n)).sort();
const results = Object.fromEntries(names.map((n) => [n, {}]));

// Ours: the core decodes PNG/JPEG itself, in Node exactly as in the page's worker.
const core = await loadCore();
if (typeof core.module.preprocessEncoded !== 'function') {
  throw new Error('this build of the core has no preprocessEncoded binding: rebuild it (scripts/build.sh)');
}
for (const n of names) {
  const r = core.preprocessEncoded(new Uint8Array(fs.readFileSync(path.join(imagesDir, n))), SIZE, mean, std);
  results[n].ours = pixelError(r.tensor, refs.get(n).data, std);
}

// transformers.js in Node.
prepareProcessorDir();
const tjs = await import(pathToFileURL(path.join(tjsDir, 'node_modules', '@huggingface', 'transformers', 'dist', 'transformers.node.mjs')).href);
tjs.env.allowRemoteModels = false;
tjs.env.allowLocalModels = true;
tjs.env.localModelPath = tjsModelsRoot + path.sep;
const processor = await tjs.AutoProcessor.from_pretrained('clip-processor');
for (const n of names) {
  const image = await tjs.RawImage.read(path.join(imagesDir, n));
  const { pixel_values } = await processor(image);
  results[n].tjsNode = pixelError(pixel_values.data, refs.get(n).data, std);
}

// transformers.js in Chromium.
let browserNote = 'skipped (--no-browser)';
if (!noBrowser) {
  const { launchBrowser } = await import('../tests/e2e/harness.mjs');
  const server = await startStaticServer();
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}?model=clip-processor&only=processor`);
    for (const n of names) {
      const b64 = fs.readFileSync(path.join(imagesDir, n)).toString('base64');
      const out = await page.evaluate(async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        return window.tjs.preprocess(bytes);
      }, b64);
      results[n].tjsBrowser = pixelError(Float32Array.from(out.data), refs.get(n).data, std);
    }
    browserNote = `Chromium ${browser.version()}`;
  } finally {
    await browser.close();
    await server.stop();
  }
}

const v = versions();
const f = (r) => (r ? `${r.mean < 0.001 && r.mean > 0 ? r.mean.toExponential(1) : r.mean.toFixed(3)} / ${r.p99.toFixed(2)} / ${r.max.toFixed(1)}` : '—');
const lines = [
  `Preprocessing fidelity against ../shared/reference/preprocess_ref.npz, in pixel units (0–255): mean |Δ| / 99th percentile |Δ| / max |Δ|.`,
  `ours = WASM core (Node build of the page's C++); transformers.js ${v.transformers} AutoProcessor in Node (sharp) and in the browser (${browserNote}).`,
  '',
  '| image | ours | transformers.js, Node | transformers.js, browser |',
  '|---|---|---|---|',
  ...names.map((n) => `| ${n} | ${f(results[n].ours)} | ${f(results[n].tjsNode)} | ${f(results[n].tjsBrowser)} |`),
];
const avg = (k) => {
  const rs = names.map((n) => results[n][k]).filter(Boolean);
  return rs.length ? { mean: rs.reduce((a, r) => a + r.mean, 0) / rs.length, p99: Math.max(...rs.map((r) => r.p99)), max: Math.max(...rs.map((r) => r.max)) } : null;
};
lines.push(`| **all six** (mean of means / worst p99 / worst max) | ${f(avg('ours'))} | ${f(avg('tjsNode'))} | ${f(avg('tjsBrowser'))} |`);
const md = lines.join('\n');
console.log(md);
const outDir = path.join(repoDir, 'bench', 'results');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'preprocess_fidelity.md'), md + '\n');
fs.writeFileSync(path.join(outDir, 'preprocess_fidelity.json'), JSON.stringify(results, null, 2));
