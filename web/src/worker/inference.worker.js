// The inference worker owns everything that computes: the WASM core, ONNX Runtime Web and the
// model files. The main thread only renders. Encoders run only when their input changed:
// image embeddings are cached per SHA-256 of the file, text embeddings per (model, prompt).
import { wrapCore, wasmSimdSupported } from '../core/clip-core.js';
import { validateManifest, packageFiles } from '../model/manifest.js';
import { FileCache, loadPackageFiles, checkCachedFiles, releaseBytes, sha256Hex, DownloadError } from '../model/model-store.js';
import { imageToTensor } from './image-input.js';
import { LOCAL_MODEL_ID, CLIP_MEAN, CLIP_STD } from '../model/sources.js';
import { externalizeWeights } from '../model/external-weights.js';
import { tokenizerLoader } from './tokenizer-snapshot.js';

let baseUrl = null;
let core = null;
let coreLoading = null;   // loadCore()'s promise: a model load may arrive while the core still loads
let coreInfo = null;
let ort = null;
const cache = new FileCache();
const partials = new Map();       // interrupted downloads, resumable with HTTP Range
let loadAbort = null;

// The loaded model. Replaced as a whole when the reader switches models.
let model = null;   // {manifest, tokenizer, vision, text, textCache, imageCache, sources, cacheNote}
// warmUp: 'pending' until the warm-up below has run ('done'), was found done before ('earlier')
// or was given up because the model changed ('stopped').
const stats = { visionRuns: 0, textRuns: 0, promptsEncoded: 0, warmUpRuns: 0, warmUp: 'pending' };

const post = (type, payload) => self.postMessage({ event: type, payload });

async function loadCore() {
  const started = performance.now();
  // The build's version of the core in the query: see the service worker's 'versioned' files.
  const coreUrl = (file) => new URL(`wasm/${file}?v=${__CLIPX_CORE_VERSION__}`, baseUrl).href;
  const { default: createClipCore } = await import(/* @vite-ignore */ coreUrl('clipcore.mjs'));
  const Module = await createClipCore({ locateFile: (file) => coreUrl(file) });
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

// The smallest model there is (one Identity node, 67 bytes; made with onnx.helper). Creating a
// session from it makes ONNX Runtime compile and start its WebAssembly (and its threads), which
// otherwise happens inside the first real session's creation. Done at start-up, that time
// overlaps reading the model files instead of adding to it.
const WARM_UP_MODEL = new Uint8Array([
  8, 8, 18, 0, 58, 55, 10, 16, 10, 1, 120, 18, 1, 121, 34, 8, 73, 100, 101, 110, 116, 105, 116, 121,
  18, 1, 119, 90, 15, 10, 1, 120, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 98, 15, 10, 1, 121, 18,
  10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 66, 4, 10, 0, 16, 13]);

let ortStarting = null;

/** Imports and starts ONNX Runtime once; later calls get the same promise. */
function loadOrt(requestedThreads) {
  ortStarting ??= (async () => {
    // The version in the query lets the service worker keep these files (and the browser its
    // compilation of them) until ONNX Runtime itself changes. Unversioned, the import waited for
    // the server's answer on every visit (150 ms in a traced new tab).
    const version = encodeURIComponent(__CLIPX_ORT_VERSION__);
    const lib = await import(/* @vite-ignore */ new URL(`ort/ort.wasm.min.mjs?v=${version}`, baseUrl).href);
    lib.env.wasm.wasmPaths = {
      mjs: new URL(`ort/ort-wasm-simd-threaded.mjs?v=${version}`, baseUrl).href,
      wasm: new URL(`ort/ort-wasm-simd-threaded.wasm?v=${version}`, baseUrl).href,
    };
    lib.env.wasm.simd = true;
    // Threads need SharedArrayBuffer, which only a cross-origin isolated page gets.
    const available = self.crossOriginIsolated ? Math.min(4, self.navigator?.hardwareConcurrency ?? 1) : 1;
    lib.env.wasm.numThreads = requestedThreads ? Math.min(requestedThreads, self.crossOriginIsolated ? 8 : 1) : available;
    lib.env.wasm.proxy = false;   // we already are the worker
    try {
      const warm = await lib.InferenceSession.create(WARM_UP_MODEL, { executionProviders: ['wasm'] });
      await warm.release();
    } catch (err) {
      // Not fatal here: the real session creation reports the problem with its own message.
      console.warn(`ONNX Runtime warm-up failed: ${err?.message || err}`);
    }
    ort = lib;
    return lib;
  })();
  ortStarting.catch(() => { ortStarting = null; });  // a failed import may be retried
  return ortStarting;
}

const WEIGHTS_NAME = 'clipx-weights.bin';
// Which way each session got its weights, reported with the model ('external' or 'whole').
const weightsLayout = new WeakMap();

// Builds a session with the weights handed over as external data, which keeps ORT's
// WebAssembly heap near one copy of the weights instead of three (see
// external-weights.js). A file we cannot split goes to ORT whole, so its error is ORT's.
async function openSession(bytes) {
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  let split = null;
  try {
    split = externalizeWeights(bytes, WEIGHTS_NAME);
  } catch {
    // not a protobuf we can walk: ORT gets the whole file and says what is wrong with it
  }
  let session = null;
  if (split) {
    try {
      session = await ort.InferenceSession.create(split.graph, { ...options, externalData: [{ path: WEIGHTS_NAME, data: bytes }] });
    } catch {
      // retried whole below, so a file this split cannot handle still loads if ORT can load it
    }
  }
  const layout = session ? 'external' : 'whole';
  session ??= await ort.InferenceSession.create(bytes, options);
  weightsLayout.set(session, layout);
  return session;
}

async function createSession(bytes, entry, role) {
  let session;
  try {
    session = await openSession(bytes);
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

async function resolveManifest(id, given) {
  if (given) return validateManifest(given);
  if (id === LOCAL_MODEL_ID) {
    await cache.open();
    const rec = await cache.get(`${LOCAL_MODEL_ID}/manifest.json`);
    if (!rec?.manifest) throw new Error('no model has been loaded from files in this browser (or the cache was cleared): load the files again');
    return validateManifest(rec.manifest);
  }
  return fetchManifest(id);
}

/** Milestones of one model load, in ms since it started: shown by benchmarks and the page. */
function loadTimeline() {
  const t0 = performance.now();
  const marks = [];
  return { t0, marks, mark: (what) => marks.push([what, Math.round(performance.now() - t0)]) };
}

async function loadModel({ id, threads, manifest: given }) {
  const timeline = loadTimeline();
  loadAbort?.abort();
  idleJobs.cacheCheck?.abort();
  loadAbort = new AbortController();
  const signal = loadAbort.signal;
  const ortReady = loadOrt(threads).then((lib) => { timeline.mark('onnx runtime started'); return lib; });
  const manifestReady = resolveManifest(id, given);
  manifestReady.catch(() => {});   // awaited below
  // The page's first request for a model comes while the core is still loading. The page waits
  // for the core to show what it can before the model is ready, so the files (whose reading
  // takes this thread's time too) are read once the core is up.
  await (coreLoading ??= loadCore());
  const manifest = await manifestReady;
  timeline.mark('manifest');
  const files = packageFiles(manifest);
  post('progress', { phase: 'start', modelId: id, overallLoaded: 0, overallTotal: files.reduce((n, f) => n + (f.bytes ?? 0), 0) || manifest.approx_bytes || 0 });
  const parts = { tokenizer: null, tokenizerFrom: null, tokenizerStored: null, text: null, vision: null };
  // ONNX Runtime builds one session at a time; each waits for the one before it, while the
  // next file is already being read or downloaded.
  let queue = ortReady;
  const onFileReady = ({ role, bytes, source, sha256 }) => {
    timeline.mark(`${role} from ${source}`);
    if (role === 'tokenizer') {
      // Its snapshot (if one was saved) is looked for now, while the build waits its turn.
      const build = tokenizerLoader({ core, cache, sha256, coreVersion: __CLIPX_CORE_VERSION__ });
      const built = new Promise((resolve, reject) => { pendingTokenizer = { bytes, build, resolve, reject }; });
      // No model file yet when ONNX Runtime is ready: the tokenizer fills the wait for it.
      ortReady.then(queueTokenizer, queueTokenizer);
      return built;
    }
    const built = queue.then(async () => {
      if (signal.aborted) return;
      post('progress', { phase: 'sessions', modelId: manifest.id, role });
      const session = await createSession(bytes, manifest[role], role);
      await parts[role]?.release();
      parts[role] = session;
      releaseBytes(bytes);
      timeline.mark(`${role} session`);
    });
    queue = built.catch(() => {});
    queueTokenizer();
    return built;
  };
  // Building the tokenizer from its JSON takes this thread 100-200 ms (from a saved snapshot, a
  // few ms). Built as soon as its file is read, it held up ONNX Runtime's WebAssembly, which
  // streams to this thread meanwhile. It is queued after the first session instead, where it
  // fills the time the next model file takes to be read, or once ONNX Runtime is ready if no
  // model file has come by then.
  let pendingTokenizer = null;
  const queueTokenizer = () => {
    if (!pendingTokenizer) return;
    const { bytes, build, resolve, reject } = pendingTokenizer;
    pendingTokenizer = null;
    const built = queue.then(async () => {
      if (signal.aborted) return;
      const { tokenizer, from, stored } = await build(bytes);
      parts.tokenizer?.dispose();
      parts.tokenizer = tokenizer;
      parts.tokenizerFrom = from;
      parts.tokenizerStored = stored;
      timeline.mark(`tokenizer built from ${from}`);
    });
    queue = built.catch(() => {});
    built.then(resolve, reject);
  };
  let loaded;
  try {
    loaded = await loadPackageFiles({
      modelId: manifest.id, files, cache, signal, partials, onFileReady,
      urlFor: (f) => f.url ?? new URL(`models/${manifest.id}/${f.name}`, baseUrl).href,
      fetchImpl: manifest.id === LOCAL_MODEL_ID
        ? async () => { throw new Error('the files loaded from disk are no longer in this browser\'s cache; load them again'); }
        : fetch,
      onProgress: (p) => post('progress', { ...p, modelId: id, overallTotal: p.overallTotal || manifest.approx_bytes || 0 }),
      deferCacheChecks: true,
    });
    if (signal.aborted) throw new DownloadError('cancelled', 'download cancelled');
    timeline.mark('files in');
  } catch (err) {
    await queue;
    parts.tokenizer?.dispose();
    await Promise.all([parts.text?.release(), parts.vision?.release()]);
    throw err;
  }
  await parts.tokenizerStored;   // a first visit's snapshot: written while the sessions were built
  const result = installModel(manifest, loaded, parts, { timeline });
  checkCacheWhenIdle(model, loaded.deferredChecks);
  return result;
}

// The SHA-256 check of cached model files runs when the worker has nothing else to do: a
// reader should not wait ~110 ms per load (and a classification should not wait behind it) for
// a check that almost never fails. Requests keep it waiting until CACHE_CHECK_IDLE_MS after the
// last one; it reads a file a few MB at a time, so it holds no whole file in memory either.
const CACHE_CHECK_IDLE_MS = 400;
let requestsInFlight = 0;
let quietFrom = 0;

async function whenIdle() {
  for (;;) {
    const wait = requestsInFlight ? CACHE_CHECK_IDLE_MS : quietFrom - performance.now();
    if (wait <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

// Jobs that run only while the worker is idle (the cache check, the warm-up): one of each kind
// at a time, a newer model's replacing the older one's.
const idleJobs = {};   // kind → AbortController

function startIdleJob(kind) {
  idleJobs[kind]?.abort();
  const controller = new AbortController();
  idleJobs[kind] = controller;
  // The page asks for its first classification right after a model is ready.
  quietFrom = Math.max(quietFrom, performance.now() + 1000);
  return controller.signal;
}

function checkCacheWhenIdle(current, checks) {
  const signal = startIdleJob('cacheCheck');
  if (!checks?.length) return;
  checkCachedFiles(checks, { cache, signal, pause: whenIdle }).then((damaged) => {
    if (!damaged?.length || model !== current) return;
    const files = damaged.map((d) => d.name);
    current.damaged = `The copy of ${files.join(' and ')} in this browser's cache is damaged (its SHA-256 no longer matches the one checked when it was stored). `
      + 'It has been removed: load the model again to fetch it afresh.';
    post('modelDamaged', { modelId: current.manifest.id, files, message: current.damaged });
  }).catch((err) => console.warn(`checking the cached model files failed: ${err?.message || err}`));
}

// Chromium keeps ONNX Runtime's optimised machine code for the next visit, but V8 optimises a
// function only once it has run enough. One of ONNX Runtime's functions (~490 KB of
// WebAssembly, used by both encoders) gets there only after about a visit's worth of encoder
// runs, and optimising it then takes a background thread ~0.7 s and ~100 MB while it lasts.
// Left to chance, a returning reader pays for that in the middle of a later visit. So once per
// ONNX Runtime version and model, while the worker is idle, both encoders run some extra times
// on a blank photo and a short prompt, and the optimised code goes into the browser's cache
// with the rest.
const WARM_UP_RUNS = 32;            // every fourth one the vision encoder
const WARMED_UP_KEY = 'runtime/warmed-up';

async function warmUpWhenIdle(current) {
  const signal = startIdleJob('warmUp');
  stats.warmUp = 'pending';
  const version = __CLIPX_ORT_VERSION__;
  await cache.open();
  const key = `${WARMED_UP_KEY}/${current.manifest.id}`;   // models differ in the kernels they use
  if ((await cache.get(key))?.version === version) {
    if (!signal.aborted) stats.warmUp = 'earlier';
    return;
  }
  const { manifest } = current;
  const size = manifest.image.size;
  const pixels = new ort.Tensor('float32', new Float32Array(3 * size * size), [1, 3, size, size]);
  const { ids } = current.tokenizer.encode('a photo of a cat', manifest.tokenizer.context_length);
  const tokens = new ort.Tensor('int64', BigInt64Array.from(ids, (id) => BigInt(id)), [1, ids.length]);
  for (let i = 0; i < WARM_UP_RUNS; i++) {
    await whenIdle();
    if (signal.aborted || model !== current || current.damaged) {
      if (!signal.aborted) stats.warmUp = 'stopped';
      return;
    }
    if (i % 4 === 0) await current.vision.run({ [manifest.vision.input]: pixels });
    else await current.text.run({ [manifest.text.input]: tokens });
    stats.warmUpRuns++;
  }
  await cache.put(key, { version, storedAt: Date.now() });
  stats.warmUp = 'done';
}

/** Makes the sessions and tokenizer the current model (files from the cache are checked later). */
function installModel(manifest, loaded, parts, { timeline }) {
  model?.tokenizer.dispose();
  model?.text.release().catch(() => {});     // the old model's sessions: nothing left to do
  model?.vision.release().catch(() => {});   // with them if ORT refuses to free one
  model = { manifest, tokenizer: parts.tokenizer, text: parts.text, vision: parts.vision, textCache: new Map(), imageCache: new Map(), sources: loaded.sources, cacheNote: loaded.cacheNote };
  timeline.mark('ready');
  warmUpWhenIdle(model).catch((err) => console.warn(`warming up ONNX Runtime failed: ${err?.message || err}`));
  return {
    manifest, sources: loaded.sources, cacheNote: loaded.cacheNote, digests: loaded.digests ?? {},
    threads: ort.env.wasm.numThreads, readyMs: performance.now() - timeline.t0, timeline: timeline.marks,
    weights: { vision: weightsLayout.get(parts.vision), text: weightsLayout.get(parts.text) },
    tokenizer: { startId: parts.tokenizer.startId, endId: parts.tokenizer.endId, vocabSize: parts.tokenizer.vocabSize, builtFrom: parts.tokenizerFrom ?? 'tokenizer.json' },
  };
}

/**
 * "Load model from files": two .onnx files and a tokenizer.json (and optionally a
 * manifest.json) picked by the reader. Roles are told apart by the models' own input names;
 * everything is checked, then cached like a download so the next visit needs no disk.
 */
async function loadFromFiles({ files, threads }) {
  const timeline = loadTimeline();
  idleJobs.cacheCheck?.abort();   // the current model's files are no longer of interest
  await loadOrt(threads);
  const roles = {};
  let tokenizer = null;
  try {
    return await checkAndInstallFiles(files, roles, (t) => { tokenizer = t; }, timeline);
  } catch (err) {
    tokenizer?.dispose();
    await Promise.all(Object.values(roles).map((r) => r.session.release()));
    throw err;
  }
}

async function checkAndInstallFiles(files, roles, keepTokenizer, timeline) {
  const named = files.map((f) => ({ name: String(f.name).split(/[\\/]/).pop(), bytes: new Uint8Array(f.bytes) }));
  const onnx = named.filter((f) => /\.onnx$/i.test(f.name));
  const jsons = named.filter((f) => /\.json$/i.test(f.name));
  const tokFile = jsons.find((f) => /tokenizer\.json$/i.test(f.name)) ?? jsons.find((f) => !/manifest|config/i.test(f.name));
  const manifestFile = jsons.find((f) => /manifest\.json$/i.test(f.name));
  if (onnx.length !== 2) throw new Error(`choose exactly two .onnx files (the vision and the text model); got ${onnx.length}`);
  if (!tokFile) throw new Error('choose the model\'s tokenizer.json too');
  for (const f of onnx) {
    let s;
    try {
      s = await openSession(f.bytes);
    } catch (err) {
      throw new Error(`${f.name} is not an ONNX model ONNX Runtime can load (${String(err?.message || err).split('\n')[0]})`);
    }
    const role = s.inputNames.includes('pixel_values') ? 'vision' : s.inputNames.includes('input_ids') ? 'text' : null;
    if (!role || roles[role]) {
      await s.release();   // not kept in roles, so the caller's clean-up would miss it
      throw new Error(!role
        ? `${f.name} has inputs ${JSON.stringify(s.inputNames)}: expected a vision model (pixel_values) or a text model (input_ids)`
        : `${roles[role].file.name} and ${f.name} are both ${role} models`);
    }
    roles[role] = { file: f, session: s };
  }
  if (!roles.vision || !roles.text) throw new Error('one .onnx file must be the vision model and the other the text model');
  for (const [role, out] of [['vision', 'image_embeds'], ['text', 'text_embeds']]) {
    if (!roles[role].session.outputNames.includes(out)) {
      throw new Error(`${roles[role].file.name} outputs ${JSON.stringify(roles[role].session.outputNames)}, but a CLIP ${role} model must output "${out}"`);
    }
  }
  const tokenizer = core.createTokenizer(new TextDecoder().decode(tokFile.bytes));
  keepTokenizer(tokenizer);
  // The embedding size, from one tiny run of the text model.
  const probe = await roles.text.session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from([tokenizer.startId, tokenizer.endId], BigInt), [1, 2]) });
  const embedDim = probe.text_embeds.dims.at(-1);
  const entry = async (f) => ({ file: f.name, bytes: f.bytes.byteLength, sha256: await sha256Hex(f.bytes) });
  let manifest;
  if (manifestFile) {
    manifest = validateManifest(JSON.parse(new TextDecoder().decode(manifestFile.bytes)));
    for (const role of ['tokenizer', 'vision', 'text']) {
      const f = role === 'tokenizer' ? tokFile : roles[role].file;
      const e = await entry(f);
      if (e.bytes !== manifest[role].bytes || e.sha256 !== manifest[role].sha256) {
        throw new Error(`${f.name} does not match the chosen manifest.json (size or SHA-256 differs)`);
      }
    }
    manifest = { ...manifest, id: LOCAL_MODEL_ID, tokenizer: { ...manifest.tokenizer, file: tokFile.name },
      vision: { ...manifest.vision, file: roles.vision.file.name }, text: { ...manifest.text, file: roles.text.file.name } };
  } else {
    const quant = (n) => (/quant|q8|uint8|int8/i.test(n) ? 'uint8 (by its file name)' : 'not stated');
    manifest = validateManifest({
      id: LOCAL_MODEL_ID,
      name: `Loaded from files: ${roles.vision.file.name}, ${roles.text.file.name}`,
      source: 'files chosen by the reader', license: 'as stated by the files\' source',
      embed_dim: embedDim, logit_scale: 100,
      image: { size: 224, mean: CLIP_MEAN, std: CLIP_STD },
      tokenizer: { ...(await entry(tokFile)), context_length: 77 },
      vision: { ...(await entry(roles.vision.file)), input: 'pixel_values', output: 'image_embeds', quantization: quant(roles.vision.file.name) },
      text: { ...(await entry(roles.text.file)), input: 'input_ids', output: 'text_embeds', input_type: 'int64', dynamic_length: true, quantization: quant(roles.text.file.name) },
    });
  }
  // Cache like a download, so the next visit can use ?model=local-files without the disk.
  await cache.open();
  let cacheNote = cache.unavailable ? `working without a cache: ${cache.unavailable}` : null;
  for (const [role, f] of [['tokenizer', tokFile], ['vision', roles.vision.file], ['text', roles.text.file]]) {
    const refused = await cache.put(`${LOCAL_MODEL_ID}/${f.name}`, { sha256: manifest[role].sha256, bytes: f.bytes.byteLength, data: new Blob([f.bytes]), storedAt: Date.now() });
    if (refused && !cacheNote) cacheNote = `working without a cache: ${refused}`;
  }
  const refused = await cache.put(`${LOCAL_MODEL_ID}/manifest.json`, { manifest, storedAt: Date.now() });
  if (refused && !cacheNote) cacheNote = `working without a cache: ${refused}`;
  if (!cache.unavailable) await cache.removeStale(LOCAL_MODEL_ID, [tokFile, roles.vision.file, roles.text.file].map((f) => `${LOCAL_MODEL_ID}/${f.name}`).concat(`${LOCAL_MODEL_ID}/manifest.json`));
  const loaded = {
    sources: { tokenizer: 'files', vision: 'files', text: 'files' }, cacheNote,
    digests: { tokenizer: manifest.tokenizer.sha256, vision: manifest.vision.sha256, text: manifest.text.sha256 },
  };
  releaseBytes(roles.vision.file.bytes);
  releaseBytes(roles.text.file.bytes);
  return installModel(manifest, loaded, { tokenizer, text: roles.text.session, vision: roles.vision.session }, { timeline });
}

function requireModel() {
  if (!model) throw new Error('no model is loaded yet');
  if (model.damaged) throw new Error(model.damaged);
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
    // ONNX Runtime starts in the background while the core loads and the page decides on a
    // model; ?threads= must be known now, as the runtime fixes its thread pool when it starts.
    loadOrt(payload.threads).catch(() => {});
    coreLoading ??= loadCore();
    coreLoading.catch(() => { coreLoading = null; });
    return coreLoading;
  },
  loadModel,
  loadFromFiles,
  async hasCached({ id }) {
    await cache.open();
    return Boolean(await cache.get(`${id}/manifest.json`));
  },
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
  // Reading the counters is not work the idle-time jobs should wait for (a benchmark polls them
  // while waiting for exactly those jobs).
  const busy = type !== 'stats';
  if (busy) requestsInFlight++;
  try {
    const handler = handlers[type];
    if (!handler) throw new Error(`unknown request "${type}"`);
    // A model load may arrive while the core is still loading (the page asks for its first
    // model at once): it asks for the manifest meanwhile and then waits for the core itself.
    if (!core && type !== 'init' && type !== 'loadModel') {
      if (!coreLoading) throw new Error('the WASM core is not loaded yet');
      await coreLoading;
    }
    const result = await handler(payload ?? {});
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, error: err?.message ?? String(err), kind: err?.kind ?? null });
  } finally {
    if (busy) {
      requestsInFlight--;
      quietFrom = Math.max(quietFrom, performance.now() + CACHE_CHECK_IDLE_MS);
    }
  }
};
