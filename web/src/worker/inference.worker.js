// The inference worker owns everything that computes: the WASM core, ONNX Runtime Web and the
// model files. The main thread only renders. Encoders run only when their input changed:
// image embeddings are cached per SHA-256 of the file, text embeddings per (model, prompt).
import { wrapCore, wasmSimdSupported } from '../core/clip-core.js';
import { validateManifest, packageFiles } from '../model/manifest.js';
import { FileCache, loadPackageFiles, sha256Hex, DownloadError } from '../model/model-store.js';
import { imageToTensor } from './image-input.js';

let baseUrl = null;
let core = null;
let coreInfo = null;
let ort = null;
const cache = new FileCache();
const partials = new Map();       // interrupted downloads, resumable with HTTP Range
let loadAbort = null;

// The loaded model. Replaced as a whole when the reader switches models.
let model = null;   // {manifest, tokenizer, vision, text, textCache, imageCache, sources, cacheNote}
const stats = { visionRuns: 0, textRuns: 0, promptsEncoded: 0 };

const post = (type, payload) => self.postMessage({ event: type, payload });

async function loadCore() {
  const started = performance.now();
  const { default: createClipCore } = await import(/* @vite-ignore */ new URL('wasm/clipcore.mjs', baseUrl).href);
  const Module = await createClipCore({ locateFile: (file) => new URL(`wasm/${file}`, baseUrl).href });
  core = wrapCore(Module);
  coreInfo = {
    engine: 'wasm',
    simd: wasmSimdSupported(),
    crossOriginIsolated: self.crossOriginIsolated === true,
    hardwareConcurrency: self.navigator?.hardwareConcurrency ?? 1,
    loadMs: performance.now() - started,
  };
  return coreInfo;
}

async function loadOrt(requestedThreads) {
  if (ort) return ort;
  ort = await import(/* @vite-ignore */ new URL('ort/ort.wasm.min.mjs', baseUrl).href);
  ort.env.wasm.wasmPaths = new URL('ort/', baseUrl).href;
  ort.env.wasm.simd = true;
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page gets.
  const available = self.crossOriginIsolated ? Math.min(4, self.navigator?.hardwareConcurrency ?? 1) : 1;
  ort.env.wasm.numThreads = requestedThreads ? Math.min(requestedThreads, self.crossOriginIsolated ? 8 : 1) : available;
  ort.env.wasm.proxy = false;   // we already are the worker
  return ort;
}

async function createSession(bytes, entry, role) {
  let session;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new Error(`the ${role} model file is not a model ONNX Runtime can load (${String(err?.message || err).split('\n')[0]})`);
  }
  if (!session.inputNames.includes(entry.input)) {
    throw new Error(`the ${role} model's input is named ${JSON.stringify(session.inputNames)}, but the manifest says "${entry.input}"`);
  }
  if (!session.outputNames.includes(entry.output)) {
    throw new Error(`the ${role} model's output is named ${JSON.stringify(session.outputNames)}, but the manifest says "${entry.output}"`);
  }
  return session;
}

async function fetchManifest(id) {
  const url = new URL(`models/${encodeURIComponent(id)}/manifest.json`, baseUrl).href;
  let res;
  try {
    res = await fetch(url, { cache: 'no-cache' });
  } catch (err) {
    throw new Error(`could not fetch the manifest of model "${id}" (${err.message})`);
  }
  if (!res.ok) throw new Error(`model "${id}" is not on this server (manifest: HTTP ${res.status})`);
  let json;
  try { json = await res.json(); } catch { throw new Error(`models/${id}/manifest.json is not valid JSON`); }
  return validateManifest(json);
}

async function loadModel({ id, threads }) {
  const started = performance.now();
  loadAbort?.abort();
  loadAbort = new AbortController();
  const signal = loadAbort.signal;
  const manifest = await fetchManifest(id);
  const files = packageFiles(manifest);
  post('progress', { phase: 'start', modelId: id, overallLoaded: 0, overallTotal: files.reduce((n, f) => n + f.bytes, 0) });
  const loaded = await loadPackageFiles({
    modelId: manifest.id, files, cache, signal, partials,
    urlFor: (f) => f.url ?? new URL(`models/${manifest.id}/${f.name}`, baseUrl).href,
    onProgress: (p) => post('progress', { ...p, modelId: id }),
  });
  if (signal.aborted) throw new DownloadError('cancelled', 'download cancelled');
  post('progress', { phase: 'sessions', modelId: id });
  await loadOrt(threads);
  const tokenizer = core.createTokenizer(new TextDecoder().decode(loaded.bytes.tokenizer));
  const [text, vision] = [
    await createSession(loaded.bytes.text, manifest.text, 'text'),
    await createSession(loaded.bytes.vision, manifest.vision, 'vision'),
  ];
  model?.tokenizer.dispose();
  model = { manifest, tokenizer, text, vision, textCache: new Map(), imageCache: new Map(), sources: loaded.sources, cacheNote: loaded.cacheNote };
  return {
    manifest, sources: loaded.sources, cacheNote: loaded.cacheNote,
    threads: ort.env.wasm.numThreads, readyMs: performance.now() - started,
    tokenizer: { startId: tokenizer.startId, endId: tokenizer.endId, vocabSize: tokenizer.vocabSize },
  };
}

function requireModel() {
  if (!model) throw new Error('no model is loaded yet');
  return model;
}

async function encodeImage({ bytes }) {
  const m = requireModel();
  const data = new Uint8Array(bytes);
  const hash = await sha256Hex(data);
  const key = `${m.manifest.id}/${hash}`;
  if (m.imageCache.has(key)) return { ...m.imageCache.get(key), cached: true };
  const t0 = performance.now();
  const { size, mean, std } = m.manifest.image;
  const pre = await imageToTensor(core, data, { size, mean, std });
  const t1 = performance.now();
  const feeds = { [m.manifest.vision.input]: new ort.Tensor('float32', pre.tensor, [1, 3, size, size]) };
  const out = await m.vision.run(feeds);
  stats.visionRuns++;
  const raw = out[m.manifest.vision.output].data;
  const t2 = performance.now();
  const { vector, norm } = core.l2Normalize(raw);
  const result = {
    hash, vector, norm, crop: pre.crop, width: pre.width, height: pre.height, format: pre.format,
    decoder: pre.decoder, downscaled: pre.downscaled,
    ms: { preprocess: t1 - t0, encode: t2 - t1 },
  };
  m.imageCache.set(key, result);
  return { ...result, cached: false };
}

/** Tokenizes and encodes the prompts not yet cached, in one batch at the batch's real length. */
async function encodePrompts(prompts) {
  const m = requireModel();
  const ctx = m.manifest.tokenizer.context_length;
  const todo = [...new Set(prompts)].filter((p) => !m.textCache.has(p));
  if (todo.length) {
    const toks = todo.map((p) => m.tokenizer.encode(p, ctx));
    // Padding after the end token changes nothing (causal mask, pooled at the end token),
    // so a batch is padded only to its own longest prompt, never to the context length.
    const len = Math.max(...toks.map((t) => t.ids.length));
    const ids = new BigInt64Array(todo.length * len);
    toks.forEach((t, row) => t.ids.forEach((id, col) => { ids[row * len + col] = BigInt(id); }));
    const out = await m.text.run({ [m.manifest.text.input]: new ort.Tensor('int64', ids, [todo.length, len]) });
    stats.textRuns++;
    stats.promptsEncoded += todo.length;
    const raw = out[m.manifest.text.output].data;
    const dim = m.manifest.embed_dim;
    todo.forEach((p, row) => {
      const { vector, norm } = core.l2Normalize(raw.subarray(row * dim, (row + 1) * dim));
      const t = toks[row];
      m.textCache.set(p, {
        prompt: p, vector, norm, ids: Int32Array.from(t.ids), tokens: Array.from(t.tokens),
        display: Array.from(t.display), truncated: t.truncated,
      });
    });
  }
  return prompts.map((p) => m.textCache.get(p));
}

/**
 * The whole zero-shot decision for the current image and labels. Each label may have several
 * prompts (a template ensemble): their unit vectors are averaged and renormalised by the core.
 */
async function classify({ imageHash, labels, tau }) {
  const m = requireModel();
  const image = m.imageCache.get(`${m.manifest.id}/${imageHash}`);
  if (!image) throw new Error('that image has not been encoded yet');
  const before = { ...stats };
  const allPrompts = labels.flatMap((l) => l.prompts);
  const encoded = await encodePrompts(allPrompts);
  const byPrompt = new Map(encoded.map((e) => [e.prompt, e]));
  const dim = m.manifest.embed_dim;
  const labelVectors = new Float32Array(labels.length * dim);
  const perLabel = labels.map((l, i) => {
    const parts = l.prompts.map((p) => byPrompt.get(p));
    let vec;
    if (parts.length === 1) vec = parts[0].vector;
    else {
      const rows = new Float32Array(parts.length * dim);
      parts.forEach((p, k) => rows.set(p.vector, k * dim));
      vec = core.averageEmbeddings(rows, parts.length, dim);
    }
    labelVectors.set(vec, i * dim);
    return { vector: vec, prompts: parts.map(({ prompt, ids, tokens, display, truncated, norm }) => ({ prompt, ids, tokens, display, truncated, norm })) };
  });
  const t0 = performance.now();
  const cos = labels.length ? core.cosineMatrix(image.vector, labelVectors, dim).values : new Float64Array(0);
  const soft = labels.length ? core.softmax(cos, tau) : null;
  const first = labels.length ? core.dotBreakdown(image.vector, perLabel[0].vector) : null;
  return {
    scores: cos, softmax: soft, labels: perLabel, firstProducts: first,
    coreMs: performance.now() - t0,
    encoded: { textRuns: stats.textRuns - before.textRuns, prompts: stats.promptsEncoded - before.promptsEncoded },
  };
}

const handlers = {
  async init(payload) {
    baseUrl = payload.baseUrl;
    return coreInfo ?? loadCore();
  },
  loadModel,
  cancelLoad() {
    loadAbort?.abort();
    return true;
  },
  async clearCache() {
    await cache.open();
    await cache.clear();
    partials.clear();
    return true;
  },
  encodeImage,
  classify,

  /** Unit vectors for prompts (cached like every text embedding). */
  async embedPrompts({ prompts }) {
    const encoded = await encodePrompts(prompts);
    return encoded.map((e) => ({ prompt: e.prompt, vector: e.vector, ids: e.ids, display: e.display, truncated: e.truncated }));
  },

  cosineMatrix({ a, b, dim }) {
    return core.cosineMatrix(a, b, dim);
  },

  pca2d({ rows, count, dim }) {
    return core.pca2d(rows, count, dim);
  },

  modelInfo() {
    const m = requireModel();
    return { manifest: m.manifest, sources: m.sources, cacheNote: m.cacheNote, threads: ort.env.wasm.numThreads, simd: coreInfo.simd };
  },
  stats: () => ({ ...stats }),

  // The temperature slider lands here: only the softmax runs, never an encoder.
  softmax({ scores, tau }) {
    const t0 = performance.now();
    const steps = core.softmax(Float64Array.from(scores), tau);
    const ratio = core.probabilityRatio(0.05, tau);
    return { ...steps, gapRatio: ratio, coreMs: performance.now() - t0 };
  },
};

self.onmessage = async (event) => {
  const { id, type, payload } = event.data;
  try {
    const handler = handlers[type];
    if (!handler) throw new Error(`unknown request "${type}"`);
    if (type !== 'init' && !core) throw new Error('the WASM core is not loaded yet');
    const result = await handler(payload ?? {});
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, error: err?.message ?? String(err), kind: err?.kind ?? null });
  }
};
