// Repeat the tiny model's evaluation with onnxruntime-web (Node) on the exported ONNX files,
// using inputs dumped by `scripts/tiny/eval.py --dump DIR` (Python-side preprocessing).
// usage: node scripts/tiny/eval_onnx.mjs DIR [models/tiny]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ort = await import(pathToFileURL(path.join(root, 'web/node_modules/onnxruntime-web/dist/ort.node.min.mjs')).href);
ort.env.wasm.numThreads = 1;

const dir = process.argv[2] || '/tmp/tiny/onnx_check';
const modelDir = process.argv[3] || path.join(root, 'models/tiny');
const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, 'manifest.json'), 'utf8'));
const text = await ort.InferenceSession.create(fs.readFileSync(path.join(modelDir, manifest.text.file)));
const vision = await ort.InferenceSession.create(fs.readFileSync(path.join(modelDir, manifest.vision.file)));
const labels = JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8'));
const D = manifest.embed_dim;

const norm = (v) => { const n = Math.hypot(...v); return v.map((x) => x / n); };

async function embedText(ids) {
  const t = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
  const out = await text.run({ [manifest.text.input]: t });
  return Array.from(out[manifest.text.output].data);
}

const textVecs = [];
for (const ids of labels.ids) textVecs.push(norm(await embedText(ids)));

// padding after the end token must not change the embedding
let maxPadDiff = 0;
for (const ids of labels.ids.slice(0, 6)) {
  const padded = ids.concat(Array(manifest.tokenizer.context_length - ids.length).fill(0));
  const a = await embedText(ids); const b = await embedText(padded);
  for (let i = 0; i < D; i++) maxPadDiff = Math.max(maxPadDiff, Math.abs(a[i] - b[i]));
}
console.log(`pad check: max |diff| = ${maxPadDiff.toExponential(2)}`);

const heldKey = new Set(labels.held_out.map((p) => p.join(' ')));
const result = {};
for (const name of ['eval', 'other']) {
  const metas = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  const buf = fs.readFileSync(path.join(dir, `${name}.f32`));
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const per = 3 * 224 * 224;
  const acc = { held: [0, 0], seen: [0, 0] };
  const B = 16;
  for (let i = 0; i < metas.length; i += B) {
    const n = Math.min(B, metas.length - i);
    const px = new ort.Tensor('float32', all.slice(i * per, (i + n) * per), [n, 3, 224, 224]);
    const out = (await vision.run({ [manifest.vision.input]: px }))[manifest.vision.output].data;
    for (let j = 0; j < n; j++) {
      const v = norm(Array.from(out.slice(j * D, (j + 1) * D)));
      let best = -1; let bs = -Infinity;
      textVecs.forEach((t, k) => { const s = t.reduce((a, x, q) => a + x * v[q], 0); if (s > bs) { bs = s; best = k; } });
      const m = metas[i + j];
      const key = heldKey.has(`${m.colour} ${m.shape}`) ? 'held' : 'seen';
      acc[key][1]++;
      if (labels.pairs[best][0] === m.colour && labels.pairs[best][1] === m.shape) acc[key][0]++;
    }
  }
  result[name] = Object.fromEntries(Object.entries(acc).map(([k, [a, n]]) => [k, { acc: +(a / n).toFixed(4), n }]));
}
console.log('onnxruntime-web:', JSON.stringify(result));
console.log('torch         :', JSON.stringify({ eval: labels.torch.eval, other: labels.torch.other }));
