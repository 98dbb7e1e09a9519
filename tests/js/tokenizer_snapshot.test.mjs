// The tokenizer snapshot through the worker's own facade (clip-core.js): a tokenizer rebuilt
// from snapshot bytes gives the ids and strings of the tokenizer.json it came from, and bytes
// that are not such a snapshot are refused with the core's reason.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadCore, repoDir, sharedDir } from './load-core.mjs';
import { CoreError } from '../../web/src/core/clip-core.js';

const core = await loadCore();
const realPath = path.join(sharedDir, 'data', 'clip-vit-b32', 'tokenizer.json');
const tinyPath = path.join(repoDir, 'models', 'tiny', 'tokenizer.json');
const casesPath = path.join(sharedDir, 'reference', 'tokenizer_cases.jsonl');

const texts = ['a photo of a cat', '', 'A photo of a café 🐈', '<|endoftext|> the &amp; dog', 'x'.repeat(3000), '日本語のテキスト', 'number 12345'];

for (const [name, file] of [['tiny', tinyPath], ['real CLIP', realPath]]) {
  test(`a snapshot encodes as its tokenizer.json does (${name})`, { skip: !fs.existsSync(file) && `${file} is absent` }, () => {
    const original = core.createTokenizer(fs.readFileSync(file, 'utf8'));
    const bytes = original.snapshot();
    assert.ok(bytes instanceof Uint8Array && bytes.length > 1000);
    const copy = core.createTokenizerFromSnapshot(bytes);
    assert.deepEqual([copy.startId, copy.endId, copy.vocabSize], [original.startId, original.endId, original.vocabSize]);
    for (const text of texts) {
      for (const ctx of [77, 5]) assert.deepEqual(copy.encode(text, ctx), original.encode(text, ctx), `${JSON.stringify(text.slice(0, 20))} at ${ctx}`);
    }
    assert.deepEqual(copy.snapshot(), bytes);
    original.dispose();
    copy.dispose();
  });
}

test('a snapshot matches every OpenAI reference case', { skip: (!fs.existsSync(casesPath) || !fs.existsSync(realPath)) && 'the reference data in ../shared is absent' }, () => {
  const original = core.createTokenizer(fs.readFileSync(realPath, 'utf8'));
  const copy = core.createTokenizerFromSnapshot(original.snapshot());
  original.dispose();
  for (const c of fs.readFileSync(casesPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))) {
    assert.deepEqual(Array.from(copy.encode(c.text, 77).ids), c.ids, c.text);
  }
  copy.dispose();
});

test('bytes that are not an intact snapshot are refused with a reason', () => {
  const tiny = core.createTokenizer(fs.readFileSync(tinyPath, 'utf8'));
  const good = tiny.snapshot();
  tiny.dispose();
  const refused = (bytes) => {
    try {
      core.createTokenizerFromSnapshot(bytes).dispose();
    } catch (err) {
      assert.ok(err instanceof CoreError);
      return err.message;
    }
    return 'accepted';
  };
  const flipped = good.slice();
  flipped[good.length >> 1] ^= 1;
  assert.equal(refused(flipped), 'tokenizer snapshot: checksum mismatch (the copy is damaged)');
  assert.equal(refused(good.subarray(0, 10)), 'tokenizer snapshot: not a tokenizer snapshot');
  assert.equal(refused(new TextEncoder().encode('{"model": {}}')), 'tokenizer snapshot: not a tokenizer snapshot');
  assert.equal(refused('not bytes'), 'tokenizer snapshot: loadSnapshot() needs a Uint8Array');
  assert.equal(refused(good), 'accepted');
});

test('a tokenizer.json error keeps its own prefix, once', () => {
  assert.throws(() => core.createTokenizer('{"model": 1}'), (err) => err instanceof CoreError && /^tokenizer\.json: "model" is not an object$/.test(err.message));
});

// The worker's use of snapshots, over a cache that keeps records in memory as IndexedDB would.
class MemoryCache {
  constructor() { this.records = new Map(); this.puts = 0; }
  async get(key) { return this.records.get(key) ?? null; }
  async put(key, record) { this.puts++; this.records.set(key, record); return null; }
}

const tinyJson = () => new Uint8Array(fs.readFileSync(tinyPath));
const SHA = 'ab'.repeat(32);

test('the first load parses tokenizer.json and saves a snapshot; the next load uses it', async () => {
  const { tokenizerLoader, SNAPSHOT_PREFIX } = await import('../../web/src/worker/tokenizer-snapshot.js');
  const cache = new MemoryCache();
  const first = await tokenizerLoader({ core, cache, sha256: SHA, coreVersion: 'v1' })(tinyJson());
  assert.equal(first.from, 'tokenizer.json');
  assert.equal(await first.stored, null);
  assert.ok(cache.records.get(`${SNAPSHOT_PREFIX}/${SHA}`).data instanceof Blob);

  const second = await tokenizerLoader({ core, cache, sha256: SHA, coreVersion: 'v1' })(tinyJson());
  assert.equal(second.from, 'snapshot');
  assert.equal(cache.puts, 1, 'nothing stored again');
  for (const text of texts) assert.deepEqual(second.tokenizer.encode(text, 77), first.tokenizer.encode(text, 77));
  first.tokenizer.dispose();
  second.tokenizer.dispose();
});

test('a snapshot from another core build, a damaged one, or no SHA-256: tokenizer.json is parsed', async (t) => {
  const { tokenizerLoader, SNAPSHOT_PREFIX } = await import('../../web/src/worker/tokenizer-snapshot.js');
  const cache = new MemoryCache();
  const seeded = await tokenizerLoader({ core, cache, sha256: SHA, coreVersion: 'v1' })(tinyJson());
  await seeded.stored;
  seeded.tokenizer.dispose();

  const newerCore = await tokenizerLoader({ core, cache, sha256: SHA, coreVersion: 'v2' })(tinyJson());
  assert.equal(newerCore.from, 'tokenizer.json');
  await newerCore.stored;
  assert.equal(cache.records.get(`${SNAPSHOT_PREFIX}/${SHA}`).coreVersion, 'v2', 'replaced by the current build\'s');
  newerCore.tokenizer.dispose();

  const record = cache.records.get(`${SNAPSHOT_PREFIX}/${SHA}`);
  const bytes = new Uint8Array(await record.data.arrayBuffer());
  bytes[bytes.length - 7] ^= 4;
  cache.records.set(`${SNAPSHOT_PREFIX}/${SHA}`, { ...record, data: new Blob([bytes]) });
  const warn = t.mock.method(console, 'warn', () => {});
  const damaged = await tokenizerLoader({ core, cache, sha256: SHA, coreVersion: 'v2' })(tinyJson());
  assert.equal(damaged.from, 'tokenizer.json');
  assert.match(warn.mock.calls[0].arguments[0], /checksum mismatch/);
  await damaged.stored;
  const repaired = await tokenizerLoader({ core, cache, sha256: SHA, coreVersion: 'v2' })(tinyJson());
  assert.equal(repaired.from, 'snapshot', 'the damaged snapshot was replaced');
  damaged.tokenizer.dispose();
  repaired.tokenizer.dispose();

  const before = cache.puts;
  const unkeyed = await tokenizerLoader({ core, cache, sha256: null, coreVersion: 'v2' })(tinyJson());
  assert.equal(unkeyed.from, 'tokenizer.json');
  assert.equal(cache.puts, before, 'nothing stored without a key');
  unkeyed.tokenizer.dispose();
});
