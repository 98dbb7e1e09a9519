// Tokenizer speed in WebAssembly under Node (the module the JS tests use), and a check of
// the embind contract the page relies on. Targets: load <= 250 ms, 10,000 labels <= 100 ms.
//   node bench/node/bench_tokenizer.mjs [--module build/wasm/node/clipcore.cjs]
//                                       [--tokenizer ../shared/data/clip-vit-b32/tokenizer.json]
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
let modulePath = path.join(repo, 'build', 'wasm', 'node', 'clipcore.cjs');
let tokenizerPath = path.join(repo, '..', 'shared', 'data', 'clip-vit-b32', 'tokenizer.json');
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--module') modulePath = path.resolve(args[++i]);
  else if (args[i] === '--tokenizer') tokenizerPath = path.resolve(args[++i]);
  else throw new Error(`unknown argument ${args[i]}`);
}

const require = createRequire(import.meta.url);
const createClipCore = require(modulePath);
const Module = await createClipCore({ wasmBinary: fs.readFileSync(modulePath.replace(/\.cjs$/, '.wasm')) });
const jsonText = fs.readFileSync(tokenizerPath, 'utf8');

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (fn) => { const t0 = performance.now(); fn(); return performance.now() - t0; };

// ---- the contract ----
{
  const t = new Module.Tokenizer();
  assert.equal(t.startId(), -1);
  const before = t.encode('a photo', 77);
  assert.match(before.error, /no tokenizer loaded/);
  assert.ok(before.ids instanceof Int32Array && before.ids.length === 0);
  assert.match(t.load('{"model": '), /^tokenizer\.json: not valid JSON/);
  assert.match(t.load(null), /needs the file's text as a string/);
  assert.match(t.load('{"model": {"vocab": {"a": 0}, "merges": []}}'), /no start token/);
  assert.equal(t.load(jsonText), '');
  assert.equal(t.startId(), 49406);
  assert.equal(t.endId(), 49407);
  assert.equal(t.vocabSize(), 49408);
  const r = t.encode('A photo of a café 🐈', 77);
  assert.equal(r.error, '');
  assert.ok(r.ids instanceof Int32Array);
  assert.equal(r.ids[0], 49406);
  assert.equal(r.ids[r.ids.length - 1], 49407);
  assert.equal(r.tokens[2], 'photo</w>');
  assert.equal(r.display[2], 'photo');
  assert.equal(r.wordEnd[2], true);
  assert.equal(r.wordEnd[0], false);
  assert.equal(r.truncated, false);
  assert.equal(r.tokens.length, r.ids.length);
  assert.equal(r.display.length, r.ids.length);
  assert.equal(r.wordEnd.length, r.ids.length);
  const long = t.encode('cat '.repeat(200), 77);
  assert.equal(long.ids.length, 77);
  assert.equal(long.truncated, true);
  assert.equal(long.ids[76], 49407);
  assert.match(t.encode('x', -1).error, /context length/);
  assert.match(t.encode(42, 77).error, /must be a string/);
  // a lone surrogate is U+FFFD (as TextEncoder makes it), never merged with the next letter
  assert.deepEqual(Array.from(t.encode('\uD800a', 77).ids), Array.from(t.encode('\uFFFDa', 77).ids));
  const many = t.encodeMany(['A photo of a café 🐈', 'cat '.repeat(200)], 77);
  assert.equal(many.error, '');
  assert.deepEqual(Array.from(many.ids.subarray(many.offsets[0], many.offsets[1])), Array.from(r.ids));
  assert.deepEqual(Array.from(many.truncated), [0, 1]);
  assert.deepEqual(t.describe(r.ids).tokens, r.tokens);
  assert.deepEqual(t.describe(r.ids).display, r.display);
  const cases = path.join(path.dirname(tokenizerPath), '..', '..', 'reference', 'tokenizer_cases.jsonl');
  if (fs.existsSync(cases)) {
    for (const line of fs.readFileSync(cases, 'utf8').split('\n').filter(Boolean)) {
      const c = JSON.parse(line);
      assert.deepEqual(Array.from(t.encode(c.text, 77).ids), c.ids, c.text);
    }
  }
  t.delete();
  console.log('embind contract: ok (reference cases exact)');
}

// ---- load ----
const loads = [];
for (let i = 0; i < 5; ++i) {
  const t = new Module.Tokenizer();
  loads.push(ms(() => assert.equal(t.load(jsonText), '')));
  t.delete();
}
console.log(`load tokenizer.json (${(jsonText.length / 1e6).toFixed(1)} MB string into WASM, parse + tables): ` +
            `median ${median(loads).toFixed(1)} ms of 5 (first ${loads[0].toFixed(1)} ms)`);
{
  const source = new Module.Tokenizer();
  assert.equal(source.load(jsonText), '');
  const { bytes } = source.snapshot();
  source.delete();
  const snapLoads = [];
  for (let i = 0; i < 5; ++i) {
    const t = new Module.Tokenizer();
    snapLoads.push(ms(() => assert.equal(t.loadSnapshot(bytes), '')));
    t.delete();
  }
  console.log(`load its snapshot (${(bytes.length / 1e6).toFixed(1)} MB Uint8Array into WASM, checked + tables): ` +
              `median ${median(snapLoads).toFixed(1)} ms of 5 (first ${snapLoads[0].toFixed(1)} ms)`);
}

// ---- 10,000 labels, the same set as bench/native/bench_tokenizer.cpp ----
const templates = ['a photo of a %a %n.', 'a blurry photo of the %a %n', 'a close-up photo of a %a %n',
                   'an illustration of a %a %n'];
const adjectives = ['small', 'large', 'red', 'striped', 'sleepy', 'wet', 'old', 'young', 'fluffy', 'shiny',
  'wooden', 'golden', 'tiny', 'happy', 'dark', 'bright', 'broken', 'vintage', 'spotted', 'white', 'black',
  'green', 'frozen', 'wild', 'tame'];
const nouns = ['tabby cat', 'golden retriever', 'parrot', 'skateboard', 'tarantula', 'sports car', 'teapot',
  'lighthouse', 'sunflower', 'violin', 'bicycle', 'mountain', 'sushi', 'astronaut', 'rocket', 'horse',
  'umbrella', 'keyboard', 'pineapple', 'penguin', 'tractor', 'castle', 'jellyfish', 'cactus', 'hamburger',
  'owl', 'canoe', 'fox', 'robot', 'lantern', 'river', 'zebra', 'camera', 'dragonfly', 'pizza', 'train',
  'snowman', 'guitar', 'tortoise', 'balloon', 'cathedral', 'kayak', 'hedgehog', 'motorcycle', 'croissant',
  'octopus', 'windmill', 'butterfly', 'bulldozer', 'peacock', 'lemon', 'submarine', 'flamingo', 'harp',
  'igloo', 'koala', 'mushroom', 'anchor', 'volcano', 'waffle', 'yak', 'xylophone', 'bagel', 'donkey', 'eagle',
  'ferret', 'gorilla', 'hammer', 'iguana', 'jaguar', 'kettle', 'llama', 'magpie', 'narwhal', 'otter',
  'pelican', 'quail', 'raccoon', 'seahorse', 'toucan', 'unicorn', 'vulture', 'walrus', 'beaver', 'cobra',
  'dolphin', 'elephant', 'falcon', 'giraffe', 'hippo', 'ibis', 'jackal', 'kangaroo', 'lobster', 'moose',
  'newt', 'ostrich', 'panda', 'rhino', 'salmon'];
const labels = [];
for (const tpl of templates) for (const a of adjectives) for (const n of nouns)
  if (labels.length < 10000) labels.push(tpl.replace('%a', a).replace('%n', n));

{
  // The very first pass also pays for V8 compiling the WASM and JS glue to optimised code;
  // a second fresh tokenizer shows the cost of an empty word cache alone.
  let t = new Module.Tokenizer();
  assert.equal(t.load(jsonText), '');
  let tokens = 0;
  const first = ms(() => { for (const l of labels) tokens += t.encode(l, 77).ids.length; });
  for (let r = 0; r < 3; ++r) for (const l of labels) t.encode(l, 77);
  t.delete();
  t = new Module.Tokenizer();
  assert.equal(t.load(jsonText), '');
  const fresh = ms(() => { for (const l of labels) t.encode(l, 77); });
  const warm = [];
  for (let r = 0; r < 5; ++r) warm.push(ms(() => { for (const l of labels) t.encode(l, 77); }));
  console.log(`${labels.length} labels through encode() (${(tokens / labels.length).toFixed(1)} ids each, ` +
              `object with ids/tokens/display/wordEnd): ${median(warm).toFixed(1)} ms warm (median of 5), ` +
              `${fresh.toFixed(1)} ms on a fresh tokenizer (empty word cache), ` +
              `${first.toFixed(1)} ms on the very first pass (engine not yet warmed up)`);

  // All labels in one call: packed ids and offsets, no per-label result objects.
  t.delete();
  t = new Module.Tokenizer();
  assert.equal(t.load(jsonText), '');
  let batch;
  const batchFresh = ms(() => { batch = t.encodeMany(labels, 77); });
  assert.equal(batch.error, '');
  assert.equal(batch.ids.length, tokens);
  const batchWarm = [];
  for (let r = 0; r < 5; ++r) batchWarm.push(ms(() => { batch = t.encodeMany(labels, 77); }));
  console.log(`${labels.length} labels through one encodeMany() (packed ids + offsets): ` +
              `${median(batchWarm).toFixed(1)} ms warm (median of 5), ${batchFresh.toFixed(1)} ms on a fresh tokenizer`);

  const words = 'a photo of a tabby cat on the sofa. '.repeat(29128);
  const oneWord = 'a'.repeat(1 << 20);
  const cjk = '日本語'.repeat(116509);  // ~1 MB of UTF-8, no spaces
  for (const [name, text] of [['1 MB of words', words], ["1 MB, one word of 'a'", oneWord],
                              ['1 MB of CJK without spaces', cjk]]) {
    let r;
    const took = ms(() => { r = t.encode(text, 77); });
    assert.equal(r.error, '');
    assert.equal(r.ids.length, 77);
    console.log(`${name}: ${took.toFixed(1)} ms (77 ids, truncated: ${r.truncated})`);
  }
  t.delete();
}
