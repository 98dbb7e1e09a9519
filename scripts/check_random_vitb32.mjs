// Checks the random-weight ViT-B/32 package (scripts/make_random_vitb32.py) under
// onnxruntime-web in Node, WASM backend:
//   - every file's size and SHA-256 match manifest.json;
//   - the four models (fp32 + uint8 quantized, vision + text) load and run, with batch and
//     text length dynamic, and give [B,512];
//   - the quantized embeddings follow the fp32 ones: cosine > 0.98 for each embedding;
//   - a text embedding at its real length equals the one padded to 77 with 0 (fp32: within 1e-4);
//   - timings at --threads (default 1): session creation, 1 image, 1 label of 8 tokens,
//     10 labels of 8 tokens (first run and best of the next --repeat runs).
//
//   node scripts/check_random_vitb32.mjs [DIR (default models/random-vit-b32)] [--threads N] [--repeat N]
// Exits 1 on a failed check.
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const threads = Number(opt('--threads', '1'));
const repeat = Number(opt('--repeat', '3'));
const dir = resolve(args[0] ?? join(ROOT, 'models', 'random-vit-b32'));

const ortPath = join(ROOT, 'web', 'node_modules', 'onnxruntime-web', 'dist', 'ort.node.min.mjs');
if (!existsSync(ortPath)) {
  console.error(`check: onnxruntime-web is not installed (${ortPath}); run scripts/setup.sh`);
  process.exit(1);
}
if (!existsSync(join(dir, 'manifest.json'))) {
  console.error(`check: no model package at ${dir}; run: nice /usr/bin/python3 scripts/make_random_vitb32.py`);
  process.exit(1);
}
const ort = await import(pathToFileURL(ortPath).href);
ort.env.wasm.numThreads = threads;
ort.env.logLevel = 'error';

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

// ---- files against the manifest
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const entries = { tokenizer: manifest.tokenizer, vision: manifest.vision, text: manifest.text };
if (manifest.variants?.fp32) {
  entries['fp32 vision'] = manifest.variants.fp32.vision;
  entries['fp32 text'] = manifest.variants.fp32.text;
}
const bytesOf = {};
for (const [role, e] of Object.entries(entries)) {
  const buf = readFileSync(join(dir, e.file));
  const sha = createHash('sha256').update(buf).digest('hex');
  check(buf.length === e.bytes && sha === e.sha256, `${role}: ${e.file} ${(buf.length / 1e6).toFixed(1)} MB, size and SHA-256 as in the manifest`);
  if (role !== 'tokenizer') bytesOf[role] = buf;
}
if (!manifest.variants?.fp32) {
  console.error('check: the manifest has no fp32 variant (made with --no-fp32?): the comparisons need it');
  process.exit(1);
}

// ---- deterministic inputs
function rng(seed) { // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(1234);
const S = manifest.image.size, CTX = manifest.tokenizer.context_length, D = manifest.embed_dim;
const START = 49406n, END = 49407n;

function images(n) { // uniform pixels, normalised with the manifest's mean/std: like real inputs in range
  const data = new Float32Array(n * 3 * S * S);
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < 3; c++) {
      const off = (b * 3 + c) * S * S;
      for (let i = 0; i < S * S; i++) data[off + i] = (rand() - manifest.image.mean[c]) / manifest.image.std[c];
    }
  }
  return new ort.Tensor('float32', data, [n, 3, S, S]);
}
const LABEL_LEN = 8;
const labels = Array.from({ length: 10 }, () => [START, ...Array.from({ length: LABEL_LEN - 2 }, () => BigInt(256 + Math.floor(rand() * 49000))), END]);
function ids(rows, len) {
  const data = new BigInt64Array(rows.length * len); // zeros after the end token
  rows.forEach((r, b) => r.forEach((t, i) => { data[b * len + i] = t; }));
  return new ort.Tensor('int64', data, [rows.length, len]);
}
const img2 = images(2);
const img1 = new ort.Tensor('float32', img2.data.slice(0, 3 * S * S), [1, 3, S, S]);

// ---- helpers
const now = () => performance.now();
const rowsOf = (t) => Array.from({ length: t.dims[0] }, (_, b) => t.data.subarray(b * D, (b + 1) * D));
function cosine(u, v) {
  let uv = 0, uu = 0, vv = 0;
  for (let i = 0; i < u.length; i++) { uv += u[i] * v[i]; uu += u[i] * u[i]; vv += v[i] * v[i]; }
  return uv / Math.sqrt(uu * vv);
}
function maxAbsDiff(u, v) {
  let m = 0;
  for (let i = 0; i < u.length; i++) m = Math.max(m, Math.abs(u[i] - v[i]));
  return m;
}
async function timed(session, feeds) {
  const t0 = now();
  const first = await session.run(feeds);
  const firstMs = now() - t0;
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t = now();
    await session.run(feeds);
    best = Math.min(best, now() - t);
  }
  return { out: first, firstMs, best };
}
const ms = (x) => `${x.toFixed(0)} ms`;
const timings = [];

async function runVision(role) {
  const e = entries[role];
  const t0 = now();
  const s = await ort.InferenceSession.create(bytesOf[role], { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const create = now() - t0;
  const one = await timed(s, { [e.input]: img1 });
  const two = (await s.run({ [e.input]: img2 }))[e.output];
  check(two.dims.join() === `2,${D}` && one.out[e.output].dims.join() === `1,${D}`, `${role}: image_embeds [1,${D}] and [2,${D}]`);
  await s.release();
  timings.push([role, create, [['1 image', one]]]);
  return two;
}

async function runText(role) {
  const e = entries[role];
  const t0 = now();
  const s = await ort.InferenceSession.create(bytesOf[role], { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const create = now() - t0;
  const one = await timed(s, { [e.input]: ids(labels.slice(0, 1), LABEL_LEN) });
  const ten = await timed(s, { [e.input]: ids(labels, LABEL_LEN) });
  const padded = (await s.run({ [e.input]: ids(labels, CTX) }))[e.output];
  await s.release();
  const t10 = ten.out[e.output];
  check(t10.dims.join() === `10,${D}` && padded.dims.join() === `10,${D}`, `${role}: text_embeds [10,${D}] at length ${LABEL_LEN} and ${CTX}`);
  timings.push([role, create, [['1 label', one], ['10 labels', ten]]]);
  return { alone: one.out[e.output], ten: t10, padded };
}

const vf = await runVision('fp32 vision');
const vq = await runVision('vision');
const tf = await runText('fp32 text');
const tq = await runText('text');

// ---- quantized vs fp32
const minCos = (a, b) => Math.min(...rowsOf(a).map((r, i) => cosine(r, rowsOf(b)[i])));
const imgCos = minCos(vq, vf);
const txtCos = Math.min(minCos(tq.ten, tf.ten), minCos(tq.padded, tf.padded));
const fr = rowsOf(tf.ten);
let baseline = 0, pairs = 0;
for (let i = 0; i < fr.length; i++) for (let j = i + 1; j < fr.length; j++) { baseline += cosine(fr[i], fr[j]); pairs++; }
console.log(`     (for scale, fp32 cosine between different inputs: images ${cosine(...rowsOf(vf)).toFixed(3)}, labels mean ${(baseline / pairs).toFixed(3)})`);
check(imgCos > 0.98, `quantized vs fp32 image embeddings: min cosine ${imgCos.toFixed(4)} > 0.98`);
check(txtCos > 0.98, `quantized vs fp32 text embeddings: min cosine ${txtCos.toFixed(4)} > 0.98`);

// ---- padding and batching
const padF = maxAbsDiff(tf.ten.data, tf.padded.data);
check(padF < 1e-4, `fp32 text: length ${LABEL_LEN} vs padded to ${CTX} with 0, max |diff| ${padF.toExponential(2)} < 1e-4`);
const padQ = Math.min(...rowsOf(tq.ten).map((r, i) => cosine(r, rowsOf(tq.padded)[i])));
console.log(`     quantized text: length ${LABEL_LEN} vs padded to ${CTX}: max |diff| ${maxAbsDiff(tq.ten.data, tq.padded.data).toExponential(2)}, min cosine ${padQ.toFixed(5)} `
  + '(not exact: DynamicQuantizeLinear takes one scale over the whole batch x length)');
const batchF = maxAbsDiff(tf.alone.data, tf.ten.data.subarray(0, D));
const batchQ = cosine(tq.alone.data, tq.ten.data.subarray(0, D));
check(batchF < 1e-4, `fp32 text: a label alone vs in a batch of 10, max |diff| ${batchF.toExponential(2)} < 1e-4`);
console.log(`     quantized text: a label alone vs in a batch of 10: max |diff| ${maxAbsDiff(tq.alone.data, tq.ten.data.subarray(0, D)).toExponential(2)}, cosine ${batchQ.toFixed(5)}`);

// ---- timings
console.log(`\ntimings, onnxruntime-web ${ort.env.versions?.web ?? ''} WASM in Node ${process.version}, ${threads} thread(s); run = first / best of next ${repeat}:`);
for (const [role, create, runs] of timings) {
  const r = runs.map(([what, t]) => `${what} ${ms(t.firstMs)} / ${ms(t.best)}`).join('; ');
  console.log(`  ${role.padEnd(11)} (${(bytesOf[role].length / 1e6).toFixed(1).padStart(5)} MB): session ${ms(create)}; ${r}`);
}
console.log(failures ? `\ncheck: ${failures} check(s) FAILED` : '\ncheck: all passed');
process.exit(failures ? 1 : 0);
