// Page entry: starts the inference worker, then wires each section to it.
import { WorkerClient } from './worker-client.js';
import { SoftmaxSection } from './sections/softmax-section.js';

// OpenAI's "Interacting with CLIP" notebook: cosine similarity between the scikit-image cat
// photo (chelsea.png) and "This is " + each description.
export const PUBLISHED_CAT_SCORES = [
  { label: 'a page of text about segmentation', score: 0.20 },
  { label: 'a portrait of an astronaut with the American flag', score: 0.17 },
  { label: 'a rocket standing on a launchpad', score: 0.18 },
  { label: 'a facial photo of a tabby cat', score: 0.31 },
  { label: 'a black-and-white silhouette of a horse', score: 0.15 },
  { label: 'a cup of coffee on a saucer', score: 0.18 },
  { label: 'a person looking at a camera on a tripod', score: 0.21 },
  { label: 'a red motorcycle standing in a garage', score: 0.15 },
];

const statusEl = document.getElementById('engine-status');

function describeEngine(info) {
  const parts = [`WebAssembly core ${info.simd ? 'with SIMD' : 'without SIMD'}`];
  parts.push(info.crossOriginIsolated
    ? `cross-origin isolated (threads available, ${info.hardwareConcurrency} cores)`
    : 'not cross-origin isolated (single thread)');
  parts.push(`loaded in ${info.loadMs.toFixed(0)} ms`);
  return parts.join(' · ');
}

async function start() {
  const worker = new Worker(new URL('./worker/inference.worker.js', import.meta.url), { type: 'module' });
  const client = new WorkerClient(worker);
  const info = await client.request('init', { baseUrl: document.baseURI });
  statusEl.textContent = describeEngine(info);
  statusEl.dataset.engine = info.engine;

  const softmax = new SoftmaxSection({ client, root: document.getElementById('softmax-widget') });
  await softmax.setRows(PUBLISHED_CAT_SCORES);
  await softmax.setTau(0.01);
  return { client, info, softmax };
}

// Exposed for the end-to-end tests and benchmarks, which drive the page like a reader and
// then read what the page says it did.
window.clipx = { ready: start().catch((err) => {
  statusEl.textContent = `The WebAssembly core failed to load: ${err.message}`;
  statusEl.classList.add('error');
  throw err;
}) };
