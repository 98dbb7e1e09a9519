// web/src/model/external-weights.js: an ONNX file's large initializers moved out of its
// protobuf, to be handed to ONNX Runtime Web as external data (a smaller WebAssembly heap).
//  - the split graph is small and names every large tensor's bytes in the original file
//  - ONNX Runtime gives bit-identical embeddings from the split and from the whole file
//  - anything that is not a well-formed protobuf fails with OnnxLayoutError, never another
//    exception or a hang (truncations, bit flips, other file types)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { externalizeWeights, OnnxLayoutError } from '../../web/src/model/external-weights.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tinyDir = path.join(root, 'models/tiny');
const ortPath = path.join(root, 'web/node_modules/onnxruntime-web/dist/ort.node.min.mjs');
const skipOrt = fs.existsSync(ortPath) ? false : `onnxruntime-web not installed at ${ortPath}`;
const vision = new Uint8Array(fs.readFileSync(path.join(tinyDir, 'vision.onnx')));
const text = new Uint8Array(fs.readFileSync(path.join(tinyDir, 'text.onnx')));

test('the split graph is small and accounts for the weights it moved out', () => {
  for (const [name, bytes] of [['vision', vision], ['text', text]]) {
    const { graph, externalBytes, tensors } = externalizeWeights(bytes, 'w.bin');
    assert.ok(tensors > 5, `${name}: ${tensors} tensors moved`);
    assert.ok(externalBytes > 0.8 * bytes.length, `${name}: only ${externalBytes} of ${bytes.length} bytes moved`);
    assert.ok(graph.length < 0.2 * bytes.length, `${name}: graph is ${graph.length} of ${bytes.length} bytes`);
    // Every byte not moved out is still in the graph (plus the small external-data entries).
    assert.ok(graph.length + externalBytes >= bytes.length, `${name}: bytes went missing`);
    const names = new TextDecoder('latin1').decode(graph);
    assert.equal(names.split('w.bin').length - 1, tensors, `${name}: one location entry per moved tensor`);
  }
});

test('ONNX Runtime gives identical embeddings from the split and from the whole file', { skip: skipOrt }, async () => {
  const ort = await import(pathToFileURL(ortPath).href);
  ort.env.wasm.numThreads = 1;
  const open = (bytes, split) => {
    if (!split) return ort.InferenceSession.create(bytes);
    const { graph } = externalizeWeights(bytes, 'weights.bin');
    return ort.InferenceSession.create(graph, { externalData: [{ path: 'weights.bin', data: bytes }] });
  };
  const size = JSON.parse(fs.readFileSync(path.join(tinyDir, 'manifest.json'), 'utf8')).image.size;
  const pixels = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.37));
  const ids = BigInt64Array.from([1n, 5n, 9n, 2n]);
  const run = async (split) => {
    const v = await open(vision, split);
    const t = await open(text, split);
    const img = await v.run({ [v.inputNames[0]]: new ort.Tensor('float32', pixels, [1, 3, size, size]) });
    const txt = await t.run({ [t.inputNames[0]]: new ort.Tensor('int64', ids, [1, ids.length]) });
    const out = [Array.from(img[v.outputNames[0]].data), Array.from(txt[t.outputNames[0]].data)];
    await v.release();
    await t.release();
    return out;
  };
  const [whole, split] = [await run(false), await run(true)];
  assert.deepEqual(split, whole);
});

function expectLayoutErrorOrGraph(bytes, what) {
  try {
    const r = externalizeWeights(bytes);
    assert.ok(r.graph instanceof Uint8Array, what);
  } catch (err) {
    assert.ok(err instanceof OnnxLayoutError, `${what}: ${err?.constructor?.name}: ${err?.message}`);
  }
}

test('files that are not ONNX protobufs fail with OnnxLayoutError', () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  const json = new TextEncoder().encode('{"model": "not really"}');
  for (const [what, bytes] of [['empty', new Uint8Array(0)], ['png', png], ['json', json], ['zeros', new Uint8Array(64)]]) {
    assert.throws(() => externalizeWeights(bytes), OnnxLayoutError, what);
  }
});

test('every truncation of a model fails cleanly or still splits what is left', () => {
  const cuts = new Set([1, 2, 3, 7, 50, 400, vision.length - 1, vision.length - 3]);
  for (let i = 0; i < 200; i++) cuts.add(Math.floor((i / 200) * vision.length));
  for (const cut of cuts) expectLayoutErrorOrGraph(vision.subarray(0, cut), `cut at ${cut}`);
});

test('bytes flipped in the header and node list fail cleanly (fuzz, fixed seed)', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let round = 0; round < 2000; round++) {
    const bytes = text.slice();
    const flips = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < flips; k++) bytes[Math.floor(rand() * Math.min(bytes.length, 8192))] = Math.floor(rand() * 256);
    expectLayoutErrorOrGraph(bytes, `round ${round}`);
  }
});

test('tensors already stored outside the file, and small ones, stay as they are', () => {
  const once = externalizeWeights(vision).graph;
  const twice = externalizeWeights(once);
  assert.equal(twice.tensors, 0, 'a split graph has nothing left to move');
  assert.deepEqual(twice.graph, once);
});
