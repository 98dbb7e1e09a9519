// The zero-shot job done with transformers.js, the way its documentation suggests: the CLIP
// vision and text models with projection, AutoProcessor for the image and AutoTokenizer for
// the labels, all loaded from this server (remote loading off), cached by transformers.js in
// the browser's Cache Storage, ONNX Runtime Web's wasm backend with self-hosted wasm files.
//
// Two ways to react to the reader, both measured by the benchmark:
//   naive  — like transformers.js's zero-shot-image-classification pipeline: every change
//            (photo, a label, the temperature) runs processor + both encoders again.
//   cached — what a careful author adds by hand: the image embedding is kept per photo, a label
//            edit re-encodes the label batch (10 prompts) only, the temperature re-runs only the
//            softmax in JS.
// URL: ?model=<folder under /models/>&threads=<N>&mode=naive|cached (&only=processor: no models)
import {
  env, AutoProcessor, AutoTokenizer, CLIPVisionModelWithProjection, CLIPTextModelWithProjection, RawImage,
} from '/tjs/transformers.min.js';

const params = new URLSearchParams(location.search);
const MODEL = params.get('model')?.match(/^[a-z0-9._-]{1,64}$/)?.[0] ?? 'random-vit-b32';
const THREADS = Math.max(1, Number.parseInt(params.get('threads') ?? '1', 10) || 1);
const TEMPLATE = (label) => `a photo of a ${label}`;   // the article's default template

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = '/models/';
// By default transformers.js points ONNX Runtime at a CDN for its wasm files; serve them here.
// The asyncify flavour is the one it would pick on this browser.
env.backends.onnx.wasm.wasmPaths = {
  mjs: new URL('/ort/ort-wasm-simd-threaded.asyncify.mjs', location.href).href,
  wasm: new URL('/ort/ort-wasm-simd-threaded.asyncify.wasm', location.href).href,
};
env.backends.onnx.wasm.numThreads = THREADS;

const $ = (id) => document.getElementById(id);
const opts = { dtype: 'q8', device: 'wasm' };

let processor, tokenizer, vision, text;
const state = { bytes: null, labels: [], tau: 0.01, imageEmbeds: null, textEmbeds: null, scores: null };

async function load() {
  const t0 = performance.now();
  if (params.get('only') === 'processor') {
    processor = await AutoProcessor.from_pretrained(MODEL);
    return { readyAt: performance.now(), loadMs: performance.now() - t0 };
  }
  [processor, tokenizer, vision, text] = await Promise.all([
    AutoProcessor.from_pretrained(MODEL),
    AutoTokenizer.from_pretrained(MODEL),
    CLIPVisionModelWithProjection.from_pretrained(MODEL, opts),
    CLIPTextModelWithProjection.from_pretrained(MODEL, opts),
  ]);
  const loadMs = performance.now() - t0;
  $('status').textContent = `Ready (${THREADS} thread${THREADS > 1 ? 's' : ''}, crossOriginIsolated=${self.crossOriginIsolated}).`;
  return { readyAt: performance.now(), loadMs, threads: THREADS, crossOriginIsolated: self.crossOriginIsolated };
}

function unit(data, offset, dim) {
  let s = 0;
  for (let i = 0; i < dim; i++) s += data[offset + i] * data[offset + i];
  const n = Math.sqrt(s);
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = data[offset + i] / n;
  return v;
}

async function embedImage(bytes) {
  const image = await RawImage.fromBlob(new Blob([bytes]));
  const inputs = await processor(image);
  const { image_embeds } = await vision(inputs);
  return unit(image_embeds.data, 0, image_embeds.dims[1]);
}

async function embedLabels(labels) {
  const inputs = tokenizer(labels.map(TEMPLATE), { padding: true, truncation: true });
  // The exported text model takes input_ids only (the causal mask makes padding harmless).
  const { text_embeds } = await text({ input_ids: inputs.input_ids });
  const dim = text_embeds.dims[1];
  return labels.map((_, i) => unit(text_embeds.data, i * dim, dim));
}

function softmax(scores, tau) {
  const logits = scores.map((s) => s / tau);
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function paint(probs) {
  const list = $('probs');
  list.replaceChildren(...state.labels.map((l, i) => {
    const li = document.createElement('li');
    li.textContent = `${l}: ${(probs[i] * 100).toFixed(1)}%`;
    return li;
  }));
  $('tau-readout').textContent = `τ = ${state.tau.toFixed(4)}`;
  void document.body.offsetHeight;   // the numbers are laid out
}

/** Scores → probabilities → painted. `need` says which embeddings must be (re)computed. */
async function update({ image, labels }) {
  if (!state.bytes || !state.labels.length) return null;
  if (image || !state.imageEmbeds) state.imageEmbeds = await embedImage(state.bytes);
  if (labels || !state.textEmbeds) state.textEmbeds = await embedLabels(state.labels);
  state.scores = state.textEmbeds.map((t) => t.reduce((acc, x, i) => acc + x * state.imageEmbeds[i], 0));
  const probs = softmax(state.scores, state.tau);
  paint(probs);
  return probs;
}

const ready = load();

// The page's own controls (for a person trying it by hand; naive mode).
$('photo').addEventListener('change', async (e) => {
  const f = e.target.files?.[0];
  if (f) await api.setPhoto(new Uint8Array(await f.arrayBuffer()));
});
$('labels').addEventListener('change', () => api.setLabels($('labels').value.split('\n').map((s) => s.trim()).filter(Boolean)));
$('tau').addEventListener('input', () => api.setTau(10 ** Number($('tau').value)));

// What the benchmark drives. Each call resolves when the new probabilities are on the page.
const api = {
  ready,
  mode: params.get('mode') === 'cached' ? 'cached' : 'naive',
  async setPhoto(bytes) {
    state.bytes = bytes;
    return update({ image: true, labels: this.mode === 'naive' });
  },
  async setLabels(labels) {
    state.labels = [...labels];
    return update({ image: this.mode === 'naive', labels: true });
  },
  /** A new photo and new labels at once (nothing reusable). */
  async setAll(bytes, labels) {
    state.bytes = bytes;
    state.labels = [...labels];
    return update({ image: true, labels: true });
  },
  async setTau(tau) {
    state.tau = tau;
    if (this.mode === 'naive') return update({ image: true, labels: true });
    const probs = softmax(state.scores, tau);
    paint(probs);
    return probs;
  },
  /** The processor's pixel_values for an image file (for bench/preprocess_fidelity.mjs). */
  async preprocess(bytes) {
    await ready;
    const image = await RawImage.fromBlob(new Blob([bytes]));
    const { pixel_values } = await processor(image);
    return { dims: pixel_values.dims, data: Array.from(pixel_values.data) };
  },
};
window.tjs = api;
