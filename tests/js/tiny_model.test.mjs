// The embedded tiny CLIP (models/tiny), end to end under Node: the project's WASM core
// tokenizes and preprocesses, onnxruntime-web runs the exported encoders.
//  - manifest sizes and SHA-256 match the files
//  - the WASM tokenizer gives the ids the model was trained with
//  - text embedding at the real length == padded to the context length (1e-4)
//  - zero-shot top-1 over the 48 labels on the fixed set tests/data/tiny_eval:
//    >= 80% on held-out (colour, shape) pairs, >= 95% on seen pairs
// The core's Node module: $CLIPX_WASM_NODE_MODULE or <repo>/build/wasm/node/clipcore.cjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modelDir = process.env.CLIPX_TINY_MODEL_DIR || path.join(root, 'models/tiny');
const evalDir = path.join(root, 'tests/data/tiny_eval');
const manifestPath = path.join(modelDir, 'manifest.json');
const skipModel = fs.existsSync(manifestPath) ? false : `no model package at ${manifestPath}`;
const manifest = skipModel ? null : JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const modulePath = process.env.CLIPX_WASM_NODE_MODULE || path.join(root, 'build/wasm/node/clipcore.cjs');
const haveCore = fs.existsSync(modulePath);
const skipCore = haveCore ? false : `WASM core Node module not found at ${modulePath} (build it, or set CLIPX_WASM_NODE_MODULE)`;
const ortPath = path.join(root, 'web/node_modules/onnxruntime-web/dist/ort.node.min.mjs');
const skipOrt = fs.existsSync(ortPath) ? false : `onnxruntime-web not installed at ${ortPath}`;
const skip = skipModel || skipCore || skipOrt;
if (skip) console.log(`# tiny_model: skipping model tests: ${skip}`);

test('manifest sizes and SHA-256 match the files', { skip: skipModel }, () => {
  let total = 0;
  for (const key of ['tokenizer', 'vision', 'text']) {
    const entry = manifest[key];
    const data = fs.readFileSync(path.join(modelDir, entry.file));
    assert.equal(data.length, entry.bytes, `${key} size`);
    assert.equal(crypto.createHash('sha256').update(data).digest('hex'), entry.sha256, `${key} sha256`);
    total += data.length;
  }
  assert.ok(total <= 8 * 1024 * 1024, `package is ${total} bytes (> 8 MB)`);
  assert.equal(manifest.vision.input, 'pixel_values');
  assert.equal(manifest.text.input, 'input_ids');
  assert.equal(manifest.text.input_type, 'int64');
});

let ctx = null;
async function setup() {
  if (ctx) return ctx;
  const require = createRequire(import.meta.url);
  const mod = require(modulePath);
  const factory = typeof mod === 'function' ? mod : (mod.createClipCore || mod.default);
  // hand over the .wasm bytes: Emscripten 3.1.6 would otherwise try Node's fetch() on a path
  const core = await factory({ wasmBinary: fs.readFileSync(modulePath.replace(/\.cjs$/, '.wasm')) });
  const tok = new core.Tokenizer();
  const err = tok.load(fs.readFileSync(path.join(modelDir, manifest.tokenizer.file), 'utf8'));
  assert.equal(err, '', `tokenizer load: ${err}`);
  const ort = await import(pathToFileURL(ortPath).href);
  ort.env.wasm.numThreads = 1;
  const text = await ort.InferenceSession.create(fs.readFileSync(path.join(modelDir, manifest.text.file)));
  const vision = await ort.InferenceSession.create(fs.readFileSync(path.join(modelDir, manifest.vision.file)));
  ctx = { core, tok, ort, text, vision };
  return ctx;
}

function encode(tok, s, len = manifest.tokenizer.context_length) {
  const r = tok.encode(s, len);
  assert.ok(!r.error, `encode error: ${r.error}`);
  return Array.from(r.ids);
}

async function embedText({ ort, text }, ids) {
  const t = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
  return Array.from((await text.run({ [manifest.text.input]: t }))[manifest.text.output].data);
}

const normalize = (v) => { const n = Math.hypot(...v); return v.map((x) => x / n); };

test('the WASM tokenizer gives the ids the model was trained with', { skip }, async () => {
  const c = await setup();
  const expected = JSON.parse(fs.readFileSync(path.join(evalDir, 'expected_tokens.json'), 'utf8'));
  for (const { text, ids } of expected) assert.deepEqual(encode(c.tok, text), ids, text);
});

test('text embedding at the real length equals the padded one', { skip }, async () => {
  const c = await setup();
  const L = manifest.tokenizer.context_length;
  for (const s of ['a photo of a red circle', 'a photo of a purple star', 'a large white hexagon']) {
    const ids = encode(c.tok, s);
    assert.ok(ids.length < L);
    const a = await embedText(c, ids);
    for (const pad of [0, ids[ids.length - 1]]) {
      const b = await embedText(c, ids.concat(Array(L - ids.length).fill(pad)));
      const d = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
      assert.ok(d < 1e-4, `${s}: padded with ${pad} differs by ${d}`);
    }
  }
});

test('zero-shot accuracy on the fixed evaluation set', { skip }, async () => {
  const c = await setup();
  const { colours, shapes, held_out_pairs: held } = manifest.labels;
  const template = manifest.labels.label_template || 'a photo of a {colour} {shape}';
  const pairs = colours.flatMap((col) => shapes.map((sh) => [col, sh]));
  const labelVecs = [];
  for (const [col, sh] of pairs) {
    labelVecs.push(normalize(await embedText(c, encode(c.tok, template.replace('{colour}', col).replace('{shape}', sh)))));
  }
  const heldSet = new Set(held.map((p) => p.join(' ')));
  const index = JSON.parse(fs.readFileSync(path.join(evalDir, 'index.json'), 'utf8'));
  const { size, mean, std } = manifest.image;
  const D = manifest.embed_dim;
  const acc = { held: [0, 0], seen: [0, 0] };
  const B = 16;
  for (let i = 0; i < index.length; i += B) {
    const batch = index.slice(i, i + B);
    const px = new Float32Array(batch.length * 3 * size * size);
    batch.forEach((e, j) => {
      const bytes = new Uint8Array(fs.readFileSync(path.join(evalDir, e.file)));
      const r = c.core.preprocessEncoded(bytes, size, mean, std);
      assert.ok(!r.error, `${e.file}: ${r.error}`);
      assert.equal(r.tensor.length, 3 * size * size);
      px.set(r.tensor, j * 3 * size * size);
    });
    const out = (await c.vision.run({ [manifest.vision.input]: new c.ort.Tensor('float32', px, [batch.length, 3, size, size]) }))[manifest.vision.output].data;
    batch.forEach((e, j) => {
      const v = normalize(Array.from(out.slice(j * D, (j + 1) * D)));
      let best = 0; let bestScore = -Infinity;
      labelVecs.forEach((t, k) => {
        let s = 0; for (let q = 0; q < D; q++) s += t[q] * v[q];
        if (s > bestScore) { bestScore = s; best = k; }
      });
      const key = heldSet.has(`${e.colour} ${e.shape}`) ? 'held' : 'seen';
      assert.equal(e.held_out, key === 'held');
      acc[key][1]++;
      if (pairs[best][0] === e.colour && pairs[best][1] === e.shape) acc[key][0]++;
    });
  }
  const held_ = acc.held[0] / acc.held[1];
  const seen = acc.seen[0] / acc.seen[1];
  console.log(`# tiny_model: held-out ${acc.held[0]}/${acc.held[1]} = ${(100 * held_).toFixed(1)}%, seen ${acc.seen[0]}/${acc.seen[1]} = ${(100 * seen).toFixed(1)}%`);
  assert.ok(acc.held[1] >= 16 && acc.seen[1] >= 40);
  assert.ok(held_ >= 0.8, `held-out accuracy ${held_}`);
  assert.ok(seen >= 0.95, `seen accuracy ${seen}`);
});

test('cleanup', { skip }, () => { if (ctx && ctx.tok.delete) ctx.tok.delete(); });
