// Downloads model files with progress, cancel and resume, verifies their size and SHA-256,
// and caches them in IndexedDB. Runs inside the inference worker, so the bytes never cross
// threads. When IndexedDB is blocked or full the model still loads, uncached, and the
// returned `cache` note says why.

import { Sha256 } from './sha256.js';

export class DownloadError extends Error {
  /** kind: 'network' | 'http' | 'cancelled' | 'size' | 'sha256' */
  constructor(kind, message) { super(message); this.name = 'DownloadError'; this.kind = kind; }
}

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The bytes of a cache record's `data`: a Blob (how files are stored now: Chromium reads a
 *  Blob back several times faster than a large ArrayBuffer value) or an ArrayBuffer (entries
 *  written by earlier versions, still valid). */
export async function recordBytes(record) {
  const data = record?.data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (data && typeof data.arrayBuffer === 'function') return new Uint8Array(await data.arrayBuffer());
  return null;
}

const DB_NAME = 'clipx-models';
const DB_VERSION = 1;           // bump when the record layout changes; old stores are dropped
const STORE = 'files';

function promisify(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** IndexedDB cache of verified model files: key "<model id>/<file name>". */
export class FileCache {
  constructor(idb = globalThis.indexedDB) {
    this.idb = idb;
    this.db = null;
    this.unavailable = null;  // a reason string when the cache cannot be used
  }

  async open() {
    if (this.db || this.unavailable) return this;
    if (!this.idb) {
      this.unavailable = 'this browser offers no IndexedDB here';
      return this;
    }
    try {
      this.db = await new Promise((resolve, reject) => {
        const req = this.idb.open(DB_NAME, DB_VERSION);
        req.onupgradeneeded = () => {
          const db = req.result;
          for (const name of Array.from(db.objectStoreNames)) db.deleteObjectStore(name);
          db.createObjectStore(STORE);
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
        req.onblocked = () => reject(new Error('another tab holds an older version of the cache open'));
        setTimeout(() => reject(new Error('IndexedDB did not answer within 5 s')), 5000);
      });
    } catch (err) {
      this.unavailable = `IndexedDB is unavailable (${err?.message || err?.name || 'blocked'})`;
    }
    return this;
  }

  async #tx(mode, fn) {
    const tx = this.db.transaction(STORE, mode);
    const result = await fn(tx.objectStore(STORE));
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
    });
    return result;
  }

  async get(key) {
    if (!this.db) return null;
    try {
      return await this.#tx('readonly', (s) => promisify(s.get(key))) ?? null;
    } catch {
      return null;
    }
  }

  /** Stores a record; returns null on success or a reason string (e.g. the disk is full). */
  async put(key, record) {
    if (!this.db) return this.unavailable;
    try {
      await this.#tx('readwrite', (s) => promisify(s.put(record, key)));
      return null;
    } catch (err) {
      const name = err?.name || '';
      return name === 'QuotaExceededError'
        ? 'the browser\'s storage quota is full'
        : `IndexedDB refused to store it (${err?.message || name})`;
    }
  }

  async keys() {
    if (!this.db) return [];
    try { return await this.#tx('readonly', (s) => promisify(s.getAllKeys())); } catch { return []; }
  }

  async delete(key) {
    if (!this.db) return;
    try { await this.#tx('readwrite', (s) => promisify(s.delete(key))); } catch { /* best effort */ }
  }

  /** Removes every entry of `modelId` that is not one of `keepKeys` (older versions). */
  async removeStale(modelId, keepKeys) {
    for (const key of await this.keys()) {
      if (String(key).startsWith(`${modelId}/`) && !keepKeys.includes(key)) await this.delete(key);
    }
  }

  async clear() {
    if (!this.db) return;
    await this.#tx('readwrite', (s) => promisify(s.clear()));
  }
}

/**
 * Fetches `url` as bytes with progress. `partial` ({chunks, loaded}) carries what an
 * interrupted attempt received: the retry asks for the rest with an HTTP Range header and
 * starts over cleanly if the server ignores it.
 */
export async function downloadFile(url, { expectedBytes, signal, onProgress, partial, onCheckpoint, checkpointBytes = 16 << 20, fetchImpl = fetch }) {
  let chunks = partial?.chunks ?? [];
  let loaded = partial?.loaded ?? 0;
  const headers = {};
  if (loaded > 0 && loaded < expectedBytes) headers.Range = `bytes=${loaded}-`;
  let response;
  try {
    response = await fetchImpl(url, { signal, headers, cache: 'no-store' });
  } catch (err) {
    if (signal?.aborted) throw new DownloadError('cancelled', 'download cancelled');
    throw new DownloadError('network', `could not reach ${url} (${err?.message || 'network error'})`);
  }
  if (headers.Range && response.status !== 206) {
    chunks = [];   // the server sent the whole file again: restart cleanly
    loaded = 0;
  }
  if (!response.ok) {
    throw new DownloadError('http', `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  if (!expectedBytes) {
    // Unpinned file (no size in the manifest): trust the server's length for progress.
    const len = Number(response.headers.get('content-length'));
    expectedBytes = Number.isFinite(len) && len > 0 ? len + loaded : Infinity;
  }
  const reader = response.body.getReader();
  const started = performance.now();
  const startLoaded = loaded;
  let lastCheckpoint = loaded;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      if (loaded > expectedBytes) {
        throw new DownloadError('size', `${url} is larger than the manifest's ${expectedBytes} bytes: it is not the expected file`);
      }
      const seconds = (performance.now() - started) / 1000;
      onProgress?.({ loaded, total: expectedBytes, bytesPerSec: seconds > 0 ? (loaded - startLoaded) / seconds : 0 });
      if (onCheckpoint && loaded - lastCheckpoint >= checkpointBytes) {
        lastCheckpoint = loaded;
        await onCheckpoint(chunks, loaded);  // lets a reload resume from here
      }
    }
  } catch (err) {
    if (partial) { partial.chunks = chunks; partial.loaded = loaded; }
    if (err instanceof DownloadError) throw err;
    if (signal?.aborted) throw new DownloadError('cancelled', 'download cancelled');
    throw new DownloadError('network', `the download of ${url} broke off after ${loaded} of ${expectedBytes} bytes (${err?.message || 'network error'})`);
  }
  if (partial) { partial.chunks = []; partial.loaded = 0; }
  if (expectedBytes !== Infinity && loaded !== expectedBytes) {
    throw new DownloadError('size', `${url} has ${loaded} bytes but the manifest says ${expectedBytes}: it is not the expected file`);
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) { bytes.set(c, offset); offset += c.byteLength; }
  return bytes;
}

/**
 * Makes every file of a package available as verified bytes: from the cache when it holds
 * the right version, otherwise downloaded (then cached). Returns
 * {bytes: {role: Uint8Array}, sources: {role: 'cache'|'network'}, cacheNote, digests, deferredChecks}.
 *
 * `onFileReady({role, name, bytes, source, sha256})` lets the caller start work on each file as soon as
 * it is here (building an ONNX Runtime session while the next file is still being read) instead
 * of after the whole package. Its promise is awaited before this function returns, and for a
 * file from the cache of `holdBackBytes` or more (a model, not the tokenizer) before the next
 * file is read, so that only one model file's bytes are held at a time. A cached file is
 * handed over while its SHA-256 is re-checked; if the check fails the entry is dropped, the
 * file is downloaded again and handed over a second time, so the caller must replace whatever
 * it built from the first copy. With `deferCacheChecks`, stored Blobs are not hashed here at
 * all (in Chromium digest() runs on the calling thread: ~110 ms of the worker's load for the
 * two ViT-B/32 files): they come back in `deferredChecks` for checkCachedFiles(), which the
 * caller runs once it is idle.
 */
export async function loadPackageFiles({ modelId, files, urlFor, cache, signal, onProgress, onFileReady, partials, fetchImpl, checkpointBytes, deferCacheChecks = false, holdBackBytes = 16 << 20 }) {
  await cache.open();
  let cacheNote = cache.unavailable ? `working without a cache: ${cache.unavailable}` : null;
  const overallTotal = files.reduce((n, f) => n + f.bytes, 0);
  let doneBytes = 0;
  const bytes = {};
  const sources = {};
  const work = [];            // the caller's promises for files that arrived from the network
  const cachedChecks = [];    // {f, key, expected, digest, work, data} for files read from the cache
  let deferredChecks = [];    // {role, name, key, expected, blob}: left to checkCachedFiles()

  // Errors surface through the awaits below; this only keeps the runtime from reporting a
  // rejection that is handled later as "unhandled".
  // sha256: the file's as the manifest pins it or as recorded when it arrived (a cached copy
  // is checked against it, now or in idle time).
  const handOver = (f, data, source, sha256) => {
    const p = Promise.resolve().then(() => onFileReady?.({ role: f.role, name: f.name, bytes: data, source, sha256 }));
    p.catch(() => {});
    return p;
  };
  const reporter = (f) => (phase, loaded, bytesPerSec = 0) => onProgress?.({
    phase, role: f.role, file: f.name, loaded, total: f.bytes,
    overallLoaded: doneBytes + loaded, overallTotal, bytesPerSec,
  });

  const download = async (f) => {
    const key = `${modelId}/${f.name}`;
    const report = reporter(f);
    const pinned = Boolean(f.sha256);
    let partial = partials?.get(key);
    if (!partial) {
      // A download interrupted by a reload left its bytes in the cache: continue from there.
      const saved = await cache.get(`partial/${key}`);
      const savedBytes = saved && saved.expected === (f.sha256 || f.name) ? await recordBytes(saved) : null;
      partial = savedBytes ? { chunks: [savedBytes], loaded: saved.loaded } : { chunks: [], loaded: 0 };
      partials?.set(key, partial);
    }
    const data = await downloadFile(urlFor(f), {
      expectedBytes: f.bytes, signal, partial, fetchImpl, checkpointBytes,
      onProgress: (p) => report('download', p.loaded, p.bytesPerSec),
      onCheckpoint: async (chunks, loaded) => {
        await cache.put(`partial/${key}`, { expected: f.sha256 || f.name, loaded, data: new Blob(chunks) });
      },
    });
    report('verify', data.byteLength);
    const digest = await sha256Hex(data);
    if (pinned && digest !== f.sha256) {
      partials?.delete(key);
      await cache.delete(`partial/${key}`);
      throw new DownloadError('sha256', `${f.name}: SHA-256 is ${digest.slice(0, 12)}…, the manifest expects ${f.sha256.slice(0, 12)}…; the file is corrupt or not this model's`);
    }
    partials?.delete(key);
    await cache.delete(`partial/${key}`);
    bytes[f.role] = data;
    sources[f.role] = 'network';
    doneBytes += f.bytes || data.byteLength;
    // The Blob holds its own copy, so the caller may release `data` afterwards.
    const refused = await cache.put(key, { sha256: digest, bytes: data.byteLength, unpinned: !pinned, data: new Blob([data]), storedAt: Date.now() });
    if (refused && !cacheNote) cacheNote = `working without a cache: ${refused}`;
    report('stored', f.bytes);
    work.push(handOver(f, data, 'network', digest));
  };

  for (const f of files) {
    const key = `${modelId}/${f.name}`;
    const cached = await cache.get(key);
    // Unpinned files (sha256 null: a source that publishes no checksum) are verified
    // against the SHA-256 recorded when they first arrived.
    const pinned = Boolean(f.sha256);
    if (cached && (pinned ? cached.sha256 === f.sha256 && cached.bytes === f.bytes : cached.unpinned)) {
      // null when the stored copy cannot be read back (Chromium: NotReadableError once a
      // Blob's file is gone from disk): fetched again like a truncated one.
      const data = await recordBytes(cached).catch(() => null);
      if (data && data.byteLength === cached.bytes) {
        // The caller may check a stored Blob later, in idle time (checkCachedFiles); otherwise
        // digest() copies the bytes now, before the caller may release them.
        const deferred = deferCacheChecks && cached.data instanceof Blob;
        if (deferred) deferredChecks.push({ role: f.role, name: f.name, key, expected: cached.sha256, blob: cached.data });
        const digest = deferred ? null : sha256Hex(data);
        digest?.catch(() => {});
        bytes[f.role] = data;
        sources[f.role] = 'cache';
        doneBytes += data.byteLength;
        reporter(f)('cached', data.byteLength);
        const work = handOver(f, data, 'cache', cached.sha256);
        cachedChecks.push({ f, key, expected: cached.sha256, digest, work, data });
        // Reading from disk is quick; holding two model files in memory at once is not
        // cheap. The next file is read once the caller is done with this one, unless this one
        // is small: the model file is then read while the caller works on it.
        if (data.byteLength >= holdBackBytes) await work.catch(() => {});
        continue;
      }
      await cache.delete(key);  // truncated or unreadable entry: fetch it again
    }
    await download(f);
  }

  for (const c of cachedChecks) {
    const [digest, done] = await Promise.allSettled([c.digest, c.work]);
    // A deferred check (no digest) stays deferred for a file the caller built. For one it
    // could not even build, a damaged copy is the likely cause: it is checked now (its bytes
    // are still here: only a built file is released) rather than failing every load.
    const actual = c.digest ? digest.value
      : done.status === 'fulfilled' ? c.expected : await sha256Hex(c.data).catch(() => null);
    c.data = null;
    if (actual === c.expected) {
      if (done.status === 'rejected') throw done.reason;
      continue;
    }
    deferredChecks = deferredChecks.filter((d) => d.key !== c.key);
    // Corrupted entry (whatever was built from it is replaced): fetch the file again.
    reporter(c.f)('verify', 0);
    await cache.delete(c.key);
    doneBytes -= c.f.bytes || 0;
    await download(c.f);
  }
  await Promise.all(work);
  if (!cache.unavailable) await cache.removeStale(modelId, files.map((f) => `${modelId}/${f.name}`).concat(`${modelId}/manifest.json`));
  // The SHA-256 of what is now in use, for display (and for unpinned sources, the record).
  const digests = {};
  for (const f of files) digests[f.role] = f.sha256 || (await cache.get(`${modelId}/${f.name}`))?.sha256 || null;
  return { bytes, sources, cacheNote, digests, deferredChecks };
}

/**
 * Gives a buffer's memory back now rather than at the next garbage collection, which in an idle
 * worker may be minutes away: a model file once its session holds its own copy (150 MB less
 * for the tab), each piece of a file the cache check has hashed.
 * Transferring the buffer into a message that is never delivered frees it when the channel
 * closes; detaching with ArrayBuffer.prototype.transfer(0) did not release it in Chromium.
 */
export function releaseBytes(bytes) {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) return;
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [buffer]);
  port1.close();
  port2.close();
}

/**
 * The SHA-256 check of cached files that loadPackageFiles left for later (deferCacheChecks):
 * each stored Blob is read `chunkBytes` at a time and hashed as it goes, so neither the memory
 * of a whole file nor a long stretch of the thread is needed; `pause()` is awaited between
 * chunks (the caller waits there while it has other work). A damaged entry is deleted, so the
 * next load fetches the file again. Resolves to the damaged files, or null if `signal` aborted.
 */
export async function checkCachedFiles(checks, { cache, signal, pause = async () => {}, chunkBytes = 2 << 20 }) {
  const damaged = [];
  for (const c of checks) {
    const hash = new Sha256();
    for (let at = 0; at < c.blob.size; at += chunkBytes) {
      await pause();
      if (signal?.aborted) return null;
      const piece = new Uint8Array(await c.blob.slice(at, at + chunkBytes).arrayBuffer());
      hash.update(piece);
      releaseBytes(piece);
    }
    if (hash.hex() !== c.expected) {
      damaged.push({ role: c.role, name: c.name });
      await cache.delete(c.key);
    }
  }
  return damaged;
}
