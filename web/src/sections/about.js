// §17 About this page: which model is running and where it came from, the runtime and its
// settings, licences and photo credits, clearing the cache.
import { h, clear } from '../dom.js';
import { formatBytes } from '../model/manifest.js';

export const PHOTO_CREDITS = [
  ['chelsea.png', 'Stefan van der Walt', 'CC0'],
  ['coffee.png', 'Rachel Michetti', 'CC0'],
  ['astronaut.png', 'Eileen Collins, NASA', 'public domain'],
  ['rocket.jpg', 'SpaceX', 'public domain'],
  ['camera.png', 'Lav Varshney', 'CC0'],
  ['horse.png', 'openclipart', 'CC0'],
  ['motorcycle_right.png', 'scikit-image sample data', 'CC0'],
  ['hubble_deep_field.jpg', 'NASA', 'public domain'],
];

const LICENCES = [
  ['ONNX Runtime Web', 'MIT'], ['KaTeX', 'MIT'], ['stb_image', 'MIT / public domain'],
  ['nlohmann/json', 'MIT'], ['Catch2 (tests only)', 'BSL-1.0'], ['CLIP weights (OpenAI)', 'MIT'],
];

export class About {
  constructor({ onClearCache }) {
    this.model = h('dl', { class: 'facts', 'data-testid': 'about-model' });
    this.runtime = h('dl', { class: 'facts', 'data-testid': 'about-runtime' });
    this.cacheMessage = h('p', { class: 'muted', role: 'status' });
    this.el = h('div', {},
      h('h3', { text: 'The model' }), this.model,
      h('h3', { text: 'The runtime' }), this.runtime,
      h('div', { class: 'button-row' }, h('button', { type: 'button', class: 'secondary', text: 'Clear the model cache', onClick: async () => {
        this.cacheMessage.textContent = await onClearCache();
      } })), this.cacheMessage,
      h('h3', { text: 'Licences' }), h('ul', {}, ...LICENCES.map(([what, lic]) => h('li', { text: `${what}: ${lic}` }))),
      h('h3', { text: 'Photo credits' }),
      h('p', { text: 'The photos for the real model are scikit-image\'s sample data:' }),
      h('ul', {}, ...PHOTO_CREDITS.map(([file, who, lic]) => h('li', { text: `${file}: ${who} (${lic})` }))),
      h('p', { text: 'The tiny model\'s sample scenes are drawn by this project\'s own generator.' }));
  }

  #facts(dl, pairs) {
    clear(dl);
    for (const [k, v] of pairs) dl.append(h('dt', { text: k }), h('dd', { text: v }));
  }

  setModel(manifest, { sources, cacheNote }) {
    const bytes = ['tokenizer', 'text', 'vision'].reduce((n, k) => n + manifest[k].bytes, 0);
    this.#facts(this.model, [
      ['name', manifest.name],
      ['id', manifest.id],
      ['size', `${formatBytes(bytes)} (vision ${formatBytes(manifest.vision.bytes)}, text ${formatBytes(manifest.text.bytes)}, tokenizer ${formatBytes(manifest.tokenizer.bytes)})`],
      ['quantization', `vision: ${manifest.vision.quantization ?? 'not stated'}, text: ${manifest.text.quantization ?? 'not stated'}`],
      ['embedding size', String(manifest.embed_dim)],
      ['logit scale', `${manifest.logit_scale.toFixed(2)} (τ = ${(1 / manifest.logit_scale).toFixed(4)})`],
      ['source', manifest.source ?? manifest.description ?? 'this server'],
      ['licence', manifest.license ?? 'not stated'],
      ['loaded from', Object.entries(sources).map(([k, v]) => `${k}: ${v === 'cache' ? 'browser cache' : 'network'}`).join(', ') + (cacheNote ? ` (${cacheNote})` : '')],
    ]);
  }

  setRuntime(info, threads) {
    this.#facts(this.runtime, [
      ['encoders', `ONNX Runtime Web (WebAssembly backend), ${threads} thread${threads === 1 ? '' : 's'}`],
      ['SIMD', info.simd ? 'yes' : 'no'],
      ['cross-origin isolated', info.crossOriginIsolated ? 'yes (threads allowed)' : 'no (one thread)'],
      ['core', 'C++ (tokenizer, preprocessing, similarity, softmax, PCA) compiled to WebAssembly'],
      ['where it runs', 'a Web Worker in this tab; nothing is sent to a server'],
    ]);
  }
}
