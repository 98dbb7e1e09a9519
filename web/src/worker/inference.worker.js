// The inference worker: owns the WASM core (and, once a model is loaded, ONNX Runtime Web).
// The main thread only renders; every number it shows is computed here.
import { wrapCore, wasmSimdSupported } from '../core/clip-core.js';

let core = null;
let coreInfo = null;

async function loadCore(baseUrl) {
  const started = performance.now();
  const url = new URL('wasm/clipcore.mjs', baseUrl).href;
  const { default: createClipCore } = await import(/* @vite-ignore */ url);
  const Module = await createClipCore({
    locateFile: (file) => new URL(`wasm/${file}`, baseUrl).href,
  });
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

const handlers = {
  async init({ baseUrl }) {
    return coreInfo ?? loadCore(baseUrl);
  },

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
    self.postMessage({ id, ok: false, error: err?.message ?? String(err) });
  }
};
