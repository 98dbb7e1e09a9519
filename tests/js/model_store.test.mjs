// Downloads and the cache, with a scripted fetch and an in-memory cache: progress, size and
// SHA-256 checks, cancel, resume with HTTP Range, restart when Range is ignored, a full cache.
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { downloadFile, loadPackageFiles, checkCachedFiles, sha256Hex, DownloadError } from '../../web/src/model/model-store.js';

const bytesOf = (n, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
// A stored file (a Blob) with one bit changed: what a damaged disk would hand back.
const flipByte = async (blob, at) => {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  bytes[at] ^= 0x40;
  return new Blob([bytes]);
};
const hex = (b) => crypto.createHash('sha256').update(b).digest('hex');

/** A fetch that serves `files` (url → bytes), honours Range, and can break mid-stream. */
function fakeFetch(files, { breakAfter = null, ignoreRange = false, log = [] } = {}) {
  return async (url, { headers = {}, signal } = {}) => {
    log.push({ url, range: headers.Range ?? null });
    const data = files[url];
    if (!data) return new Response('missing', { status: 404, statusText: 'Not Found' });
    let start = 0;
    const m = /bytes=(\d+)-/.exec(headers.Range ?? '');
    if (m && !ignoreRange) start = Number(m[1]);
    const body = data.subarray(start);
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (signal?.aborted) { controller.error(new DOMException('aborted', 'AbortError')); return; }
        if (breakAfter !== null && sent >= breakAfter) { controller.error(new TypeError('connection reset')); breakAfter = null; return; }
        const chunk = body.subarray(sent, sent + 1000);
        if (!chunk.length) { controller.close(); return; }
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    return new Response(stream, { status: start ? 206 : 200 });
  };
}

class MemoryCache {
  constructor({ full = false } = {}) { this.map = new Map(); this.full = full; this.unavailable = null; }
  async open() { return this; }
  async get(k) { return this.map.get(k) ?? null; }
  async put(k, v) { if (this.full) return 'the browser\'s storage quota is full'; this.map.set(k, v); return null; }
  async delete(k) { this.map.delete(k); }
  async removeStale(id, keep) { for (const k of [...this.map.keys()]) if (k.startsWith(`${id}/`) && !keep.includes(k)) this.map.delete(k); }
}

test('sha256Hex agrees with Node\'s crypto', async () => {
  const b = bytesOf(5000);
  assert.equal(await sha256Hex(b), hex(b));
});

test('a download reports progress and returns exactly the bytes', async () => {
  const data = bytesOf(4500);
  const seen = [];
  const out = await downloadFile('u', { expectedBytes: 4500, fetchImpl: fakeFetch({ u: data }), onProgress: (p) => seen.push(p.loaded) });
  assert.deepEqual(out, data);
  assert.deepEqual(seen, [1000, 2000, 3000, 4000, 4500]);
});

test('a broken download resumes with Range from where it stopped', async () => {
  const data = bytesOf(5000);
  const log = [];
  const fetchImpl = fakeFetch({ u: data }, { breakAfter: 2000, log });
  const partial = { chunks: [], loaded: 0 };
  await assert.rejects(downloadFile('u', { expectedBytes: 5000, fetchImpl, partial }),
    (e) => e instanceof DownloadError && e.kind === 'network' && /broke off after 2000 of 5000 bytes/.test(e.message));
  assert.equal(partial.loaded, 2000);
  const out = await downloadFile('u', { expectedBytes: 5000, fetchImpl, partial });
  assert.deepEqual(out, data);
  assert.equal(log[1].range, 'bytes=2000-');
});

test('a server that ignores Range makes the retry start over cleanly', async () => {
  const data = bytesOf(3000);
  const partial = { chunks: [bytesOf(1000, 9)], loaded: 1000 };
  const out = await downloadFile('u', { expectedBytes: 3000, fetchImpl: fakeFetch({ u: data }, { ignoreRange: true }), partial });
  assert.deepEqual(out, data);
});

test('wrong size, HTTP errors and cancel each end with their own kind', async () => {
  await assert.rejects(downloadFile('u', { expectedBytes: 10, fetchImpl: fakeFetch({ u: bytesOf(3000) }) }), (e) => e.kind === 'size' && /larger than the manifest's 10 bytes/.test(e.message));
  await assert.rejects(downloadFile('u', { expectedBytes: 9000, fetchImpl: fakeFetch({ u: bytesOf(3000) }) }), (e) => e.kind === 'size' && /3000 bytes but the manifest says 9000/.test(e.message));
  await assert.rejects(downloadFile('nope', { expectedBytes: 10, fetchImpl: fakeFetch({}) }), (e) => e.kind === 'http' && /HTTP 404 Not Found/.test(e.message));
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(downloadFile('u', { expectedBytes: 3000, signal: ac.signal, fetchImpl: async () => { throw new DOMException('aborted', 'AbortError'); } }), (e) => e.kind === 'cancelled');
});

// A tokenizer, a text and a vision file of the given sizes, pinned by their SHA-256.
function threeFilePackage([tokBytes, textBytes, visionBytes], seed) {
  const tok = bytesOf(tokBytes, seed), text = bytesOf(textBytes, seed + 1), vision = bytesOf(visionBytes, seed + 2);
  const files = [
    { role: 'tokenizer', name: 'tokenizer.json', bytes: tok.length, sha256: hex(tok) },
    { role: 'text', name: 'text.onnx', bytes: text.length, sha256: hex(text) },
    { role: 'vision', name: 'vision.onnx', bytes: vision.length, sha256: hex(vision) },
  ];
  return { tok, text, vision, files };
}

test('a package loads from the network once, then from the cache; SHA-256 mismatches are refused', async () => {
  const { tok, text, vision, files } = threeFilePackage([1200, 2500, 3100], 1);
  const log = [];
  const fetchImpl = fakeFetch({ 'm/tokenizer.json': tok, 'm/text.onnx': text, 'm/vision.onnx': vision }, { log });
  const cache = new MemoryCache();
  cache.map.set('demo/old-vision.onnx', { stale: true });
  const urlFor = (f) => `m/${f.name}`;
  const first = await loadPackageFiles({ modelId: 'demo', files, urlFor, cache, fetchImpl, partials: new Map() });
  assert.deepEqual(first.sources, { tokenizer: 'network', text: 'network', vision: 'network' });
  assert.deepEqual(first.bytes.vision, vision);
  assert.equal(first.cacheNote, null);
  assert.ok(!cache.map.has('demo/old-vision.onnx'), 'stale entries of the same model are removed');
  const requestsBefore = log.length;
  const second = await loadPackageFiles({ modelId: 'demo', files, urlFor, cache, fetchImpl, partials: new Map() });
  assert.deepEqual(second.sources, { tokenizer: 'cache', text: 'cache', vision: 'cache' });
  assert.equal(log.length, requestsBefore, 'a cached load makes no request');

  const wrong = files.map((f) => (f.role === 'text' ? { ...f, sha256: 'f'.repeat(64) } : f));
  await assert.rejects(loadPackageFiles({ modelId: 'other', files: wrong, urlFor, cache: new MemoryCache(), fetchImpl, partials: new Map() }),
    (e) => e.kind === 'sha256' && /text\.onnx: SHA-256 is .* the manifest expects ffffffffffff/.test(e.message));
});

test('a full cache still loads the model, and says it is uncached', async () => {
  const tok = bytesOf(100, 4);
  const files = [{ role: 'tokenizer', name: 't.json', bytes: 100, sha256: hex(tok) }];
  const r = await loadPackageFiles({ modelId: 'x', files, urlFor: () => 'u', cache: new MemoryCache({ full: true }), fetchImpl: fakeFetch({ u: tok }), partials: new Map() });
  assert.deepEqual(r.bytes.tokenizer, tok);
  assert.match(r.cacheNote, /working without a cache: the browser's storage quota is full/);
});

test('a download interrupted by a reload resumes from the bytes checkpointed in the cache', async () => {
  const data = bytesOf(50_000, 7);
  const files = [{ role: 'vision', name: 'v.onnx', bytes: data.length, sha256: hex(data) }];
  const cache = new MemoryCache();
  const log = [];
  // First visit: the connection dies after 30 kB; checkpoints every 10 kB went to the cache.
  await assert.rejects(loadPackageFiles({ modelId: 'm', files, urlFor: () => 'u', cache, partials: new Map(),
    fetchImpl: fakeFetch({ u: data }, { breakAfter: 30_000, log }), checkpointBytes: 10_000 }));
  const saved = cache.map.get('partial/m/v.onnx');
  assert.ok(saved && saved.loaded >= 10_000, 'a checkpoint was stored');
  // "Reload": new in-memory state, same cache.
  const r = await loadPackageFiles({ modelId: 'm', files, urlFor: () => 'u', cache, partials: new Map(), fetchImpl: fakeFetch({ u: data }, { log }) });
  assert.deepEqual(r.bytes.vision, data);
  assert.equal(log.at(-1).range, `bytes=${saved.loaded}-`);
  assert.ok(!cache.map.has('partial/m/v.onnx'), 'the checkpoint is removed once complete');
});

test('an unpinned file records its SHA-256 and the cache is verified against it', async () => {
  const data = bytesOf(4000, 8);
  const files = [{ role: 'text', name: 't.onnx', bytes: null, sha256: null }];
  const cache = new MemoryCache();
  const first = await loadPackageFiles({ modelId: 'h', files, urlFor: () => 'u', cache, partials: new Map(), fetchImpl: fakeFetch({ u: data }) });
  assert.equal(first.digests.text, hex(data));
  assert.equal(cache.map.get('h/t.onnx').sha256, hex(data));
  const second = await loadPackageFiles({ modelId: 'h', files, urlFor: () => 'u', cache, partials: new Map(), fetchImpl: fakeFetch({}) });
  assert.equal(second.sources.text, 'cache');
  // A corrupted cache entry is noticed and fetched again.
  const entry = cache.map.get('h/t.onnx');
  entry.data = await flipByte(entry.data, 5);
  const third = await loadPackageFiles({ modelId: 'h', files, urlFor: () => 'u', cache, partials: new Map(), fetchImpl: fakeFetch({ u: data }) });
  assert.equal(third.sources.text, 'network');
});

test('each file is handed over as soon as it is here; a corrupted cache entry is handed over again once re-fetched', async () => {
  const { tok, text, vision, files } = threeFilePackage([300, 2000, 2600], 11);
  const fetchImpl = fakeFetch({ 'm/tokenizer.json': tok, 'm/text.onnx': text, 'm/vision.onnx': vision });
  const cache = new MemoryCache();
  const urlFor = (f) => `m/${f.name}`;
  const seen = [];
  const onFileReady = async ({ role, bytes, source }) => { seen.push([role, source, hex(bytes)]); };
  await loadPackageFiles({ modelId: 'p', files, urlFor, cache, fetchImpl, partials: new Map(), onFileReady });
  assert.deepEqual(seen.map(([r, s]) => [r, s]), [['tokenizer', 'network'], ['text', 'network'], ['vision', 'network']]);
  // Flip one byte of the cached text model: it is handed over from the cache, found corrupt
  // by the SHA-256 re-check, then fetched and handed over again with the right bytes.
  const textEntry = cache.map.get('p/text.onnx');
  textEntry.data = await flipByte(textEntry.data, 7);
  seen.length = 0;
  const r = await loadPackageFiles({ modelId: 'p', files, urlFor, cache, fetchImpl, partials: new Map(), onFileReady });
  assert.deepEqual(seen.map(([r, s]) => [r, s]), [['tokenizer', 'cache'], ['text', 'cache'], ['vision', 'cache'], ['text', 'network']]);
  assert.equal(seen.at(-1)[2], hex(text));
  assert.equal(r.sources.text, 'network');
  assert.equal(hex(r.bytes.text), hex(text));
  // What the caller fails to build from verified bytes is reported, not retried.
  await assert.rejects(
    loadPackageFiles({ modelId: 'p', files, urlFor, cache, fetchImpl, partials: new Map(),
      onFileReady: async ({ role }) => { if (role === 'vision') throw new Error('not a model ONNX Runtime can load'); } }),
    /not a model ONNX Runtime can load/);
});

test('a large cached file is handed over before the next is read; a small one does not hold the next back', async () => {
  const { tok, text, vision, files } = threeFilePackage([300, 2000, 2600], 12);
  const fetchImpl = fakeFetch({ 'm/tokenizer.json': tok, 'm/text.onnx': text, 'm/vision.onnx': vision });
  const cache = new MemoryCache();
  const urlFor = (f) => `m/${f.name}`;
  await loadPackageFiles({ modelId: 'q', files, urlFor, cache, fetchImpl, partials: new Map() });
  // The caller finishes with each file only when told to: what has it been handed meanwhile?
  const handed = [];
  const finish = {};
  const onFileReady = ({ role }) => { handed.push(role); return new Promise((resolve) => { finish[role] = resolve; }); };
  const loading = loadPackageFiles({ modelId: 'q', files, urlFor, cache, fetchImpl, partials: new Map(), onFileReady, holdBackBytes: 1000 });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  await settle();
  // The tokenizer (300 bytes) is still being worked on, and the text model (2000) is already here.
  assert.deepEqual(handed, ['tokenizer', 'text']);
  finish.tokenizer();
  await settle();
  assert.deepEqual(handed, ['tokenizer', 'text'], 'the vision model waits until the text model is done with');
  finish.text();
  await settle();
  assert.deepEqual(handed, ['tokenizer', 'text', 'vision']);
  finish.vision();
  const r = await loading;
  assert.deepEqual(r.sources, { tokenizer: 'cache', text: 'cache', vision: 'cache' });
});

test('a stored file that cannot be read back is fetched again', async () => {
  const { tok, text, vision, files } = threeFilePackage([300, 2000, 2600], 14);
  const log = [];
  const fetchImpl = fakeFetch({ 'u/tokenizer.json': tok, 'u/text.onnx': text, 'u/vision.onnx': vision }, { log });
  const cache = new MemoryCache();
  const urlFor = (f) => `u/${f.name}`;
  await loadPackageFiles({ modelId: 'u', files, urlFor, cache, fetchImpl, partials: new Map() });
  log.length = 0;
  // Chromium answers NotReadableError when a stored Blob's file has gone from disk.
  const stored = cache.map.get('u/text.onnx');
  stored.data = { size: stored.data.size, arrayBuffer: async () => { throw new DOMException('the file could not be read', 'NotReadableError'); } };
  const r = await loadPackageFiles({ modelId: 'u', files, urlFor, cache, fetchImpl, partials: new Map() });
  assert.deepEqual(r.sources, { tokenizer: 'cache', text: 'network', vision: 'cache' });
  assert.equal(hex(r.bytes.text), hex(text));
  assert.deepEqual(log.map((entry) => entry.url), ['u/text.onnx'], 'only the unreadable file was requested again');
});

/** A three-file package under `id`, downloaded once into a fresh cache, with one stored file's
 *  byte `at` flipped: a damaged disk. */
async function storedPackageWithFlip(id, sizes, seed, damagedName, at) {
  const pkg = threeFilePackage(sizes, seed);
  const fetchImpl = fakeFetch({ [`${id}/tokenizer.json`]: pkg.tok, [`${id}/text.onnx`]: pkg.text, [`${id}/vision.onnx`]: pkg.vision });
  const cache = new MemoryCache();
  const urlFor = (f) => `${id}/${f.name}`;
  await loadPackageFiles({ modelId: id, files: pkg.files, urlFor, cache, fetchImpl, partials: new Map() });
  const entry = cache.map.get(`${id}/${damagedName}`);
  entry.data = await flipByte(entry.data, at);
  return { ...pkg, fetchImpl, cache, urlFor };
}

test('deferred cache checks: a cached load hashes nothing, then checkCachedFiles finds a damaged file and drops it', async () => {
  // One flipped bit in the stored vision file: the deferred load hands it over as it is...
  const { files, fetchImpl, cache, urlFor } = await storedPackageWithFlip('d', [500, 70000, 90000], 31, 'vision.onnx', 65000);
  const seen = [];
  const r = await loadPackageFiles({ modelId: 'd', files, urlFor, cache, fetchImpl: fakeFetch({}), partials: new Map(), deferCacheChecks: true,
    onFileReady: async ({ role, source }) => { seen.push([role, source]); } });
  assert.deepEqual(seen, [['tokenizer', 'cache'], ['text', 'cache'], ['vision', 'cache']]);
  assert.deepEqual(r.deferredChecks.map((c) => c.name), ['tokenizer.json', 'text.onnx', 'vision.onnx']);
  // ...and the check, read in small pieces with a pause before each, names it and removes it.
  let pauses = 0;
  const damaged = await checkCachedFiles(r.deferredChecks, { cache, chunkBytes: 4096, pause: async () => { pauses++; } });
  assert.deepEqual(damaged, [{ role: 'vision', name: 'vision.onnx' }]);
  assert.ok(pauses >= Math.ceil(90000 / 4096), `paused between pieces (${pauses})`);
  assert.equal(cache.map.has('d/vision.onnx'), false, 'the damaged entry is gone');
  assert.equal(cache.map.has('d/text.onnx'), true, 'intact entries stay');
  // The next load fetches the removed file again; an aborted check reports nothing.
  const again = await loadPackageFiles({ modelId: 'd', files, urlFor, cache, fetchImpl, partials: new Map(), deferCacheChecks: true });
  assert.equal(again.sources.vision, 'network');
  assert.deepEqual(await checkCachedFiles(again.deferredChecks, { cache }), []);
  const controller = new AbortController();
  controller.abort();
  assert.equal(await checkCachedFiles(again.deferredChecks, { cache, signal: controller.signal }), null);
});

test('deferred cache checks: a cached file the caller cannot build is checked at once, and a damaged one fetched again', async () => {
  const { text, files, fetchImpl, cache, urlFor } = await storedPackageWithFlip('e', [400, 3000, 5000], 41, 'text.onnx', 10);
  // The caller refuses anything but the right bytes, as ONNX Runtime refuses a broken graph.
  const seen = [];
  const onFileReady = async ({ role, bytes, source }) => {
    seen.push([role, source]);
    if (role === 'text' && hex(bytes) !== hex(text)) throw new Error('not a model ONNX Runtime can load');
  };
  const r = await loadPackageFiles({ modelId: 'e', files, urlFor, cache, fetchImpl, partials: new Map(), deferCacheChecks: true, onFileReady });
  assert.deepEqual(seen, [['tokenizer', 'cache'], ['text', 'cache'], ['vision', 'cache'], ['text', 'network']]);
  assert.equal(r.sources.text, 'network');
  assert.equal(hex(new Uint8Array(await cache.map.get('e/text.onnx').data.arrayBuffer())), hex(text), 'the good copy is stored');
  assert.deepEqual(r.deferredChecks.map((c) => c.name), ['tokenizer.json', 'vision.onnx'], 'the replaced file is not checked again later');
  // An intact file the caller cannot build is still reported as the caller's error, not fetched again.
  await assert.rejects(
    loadPackageFiles({ modelId: 'e', files, urlFor, cache, fetchImpl: fakeFetch({}), partials: new Map(), deferCacheChecks: true,
      onFileReady: async ({ role }) => { if (role === 'vision') throw new Error('this ONNX Runtime cannot load it'); } }),
    /this ONNX Runtime cannot load it/);
});

test('cache entries written by earlier versions (ArrayBuffer values) are still read and verified', async () => {
  const data = bytesOf(3000, 21);
  const files = [{ role: 'vision', name: 'v.onnx', bytes: data.length, sha256: hex(data) }];
  const cache = new MemoryCache();
  await cache.open();
  cache.map.set('old/v.onnx', { sha256: hex(data), bytes: data.length, data: data.buffer.slice(0) });
  const r = await loadPackageFiles({ modelId: 'old', files, urlFor: () => 'u', cache, partials: new Map(), fetchImpl: fakeFetch({}) });
  assert.equal(r.sources.vision, 'cache');
  assert.equal(hex(r.bytes.vision), hex(data));
});
