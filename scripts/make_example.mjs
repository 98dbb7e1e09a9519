#!/usr/bin/env node
// Writes models/<id>/example.json: the embeddings and scores of the model's default photo and
// labels, computed by the page's own pipeline (the WASM core + ONNX Runtime Web under Node).
// The page renders it before the model has loaded, then replaces it with live numbers.
//   node scripts/make_example.mjs [model-id]        (after scripts/build.sh)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { loadCore, repoDir } from '../tests/js/load-core.mjs';

const id = process.argv[2] || 'tiny';
const dir = path.join(repoDir, 'models', id);
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const samples = JSON.parse(fs.readFileSync(path.join(dir, 'samples', 'index.json'), 'utf8'));
const require = createRequire(path.join(repoDir, 'web', 'package.json'));
const ort = require('onnxruntime-web');
ort.env.wasm.numThreads = 1;

const core = await loadCore();
const tokenizer = core.createTokenizer(fs.readFileSync(path.join(dir, manifest.tokenizer.file), 'utf8'));
const labels = manifest.default_labels ?? ['red circle', 'blue square', 'green triangle'];
const template = 'a photo of a {}';
const photo = samples[0];

const vision = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, manifest.vision.file)));
const text = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, manifest.text.file)));
const { size, mean, std } = manifest.image;
const pre = core.preprocessEncoded(fs.readFileSync(path.join(dir, 'samples', photo.file)), size, mean, std);
const imageOut = await vision.run({ [manifest.vision.input]: new ort.Tensor('float32', pre.tensor, [1, 3, size, size]) });
const imageVector = core.l2Normalize(imageOut[manifest.vision.output].data).vector;

const labelVectors = [];
for (const label of labels) {
  const ids = tokenizer.encode(template.replace('{}', label), manifest.tokenizer.context_length).ids;
  const out = await text.run({ [manifest.text.input]: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) });
  labelVectors.push(core.l2Normalize(out[manifest.text.output].data).vector);
}
const dim = manifest.embed_dim;
const flat = new Float32Array(labels.length * dim);
labelVectors.forEach((v, i) => flat.set(v, i * dim));
const scores = Array.from(core.cosineMatrix(imageVector, flat, dim).values);

const round = (xs) => Array.from(xs, (x) => Number(x.toFixed(6)));
const example = {
  about: 'Precomputed by scripts/make_example.mjs with the page\'s own pipeline; shown before the model loads.',
  model: manifest.id, photo: photo.file, photo_caption: photo.caption, template, labels,
  logit_scale: manifest.logit_scale, image_vector: round(imageVector), label_vectors: labelVectors.map(round), scores: round(scores),
};
fs.writeFileSync(path.join(dir, 'example.json'), `${JSON.stringify(example)}\n`);
console.log(`wrote models/${id}/example.json: ${labels.map((l, i) => `${l} ${scores[i].toFixed(4)}`).join(', ')}`);
