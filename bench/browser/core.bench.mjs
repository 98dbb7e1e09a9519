// Benchmark (not a test): the WASM core inside a Chromium Web Worker, as the page runs it.
//   tokenizer: loading tokenizer.json, 10,000 typical labels, a 1 MB string
//   image: CLIP preprocessing of 4000×3000 and 640×480 RGBA frames (single thread)
//   node bench/browser/core.bench.mjs [tokenizer.json]     (after scripts/build.sh)
// Default tokenizer: ../shared/data/clip-vit-b32/tokenizer.json (the real CLIP one, 3.9 MB).
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, repoDir } from '../../tests/e2e/harness.mjs';

const tokPath = process.argv[2] || path.resolve(repoDir, '..', 'shared', 'data', 'clip-vit-b32', 'tokenizer.json');
if (!fs.existsSync(tokPath)) {
  console.error(`${tokPath} is missing: pass a tokenizer.json (e.g. models/tiny/tokenizer.json)`);
  process.exit(2);
}
const tokText = fs.readFileSync(tokPath, 'utf8');
const server = await startServer();
const browser = await launchBrowser();
const context = await browser.newContext({ bypassCSP: true });  // the bench worker is a blob
const page = await context.newPage();
await page.goto(server.url);

const workerSource = `
  const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  self.onmessage = async ({ data }) => {
    const { default: create } = await import(data.base + 'wasm/clipcore.mjs');
    const M = await create({ locateFile: (f) => data.base + 'wasm/' + f });
    const out = {};
    const loads = [];
    let tok;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const t = new M.Tokenizer();
      const err = t.load(data.tokText);
      loads.push(performance.now() - t0);
      if (err) throw new Error(err);
      if (tok) tok.delete();
      tok = t;
    }
    out.tokenizerLoadMs = median(loads);
    const colours = ['red', 'green', 'blue', 'yellow', 'orange', 'purple', 'black', 'white'];
    const things = ['circle', 'square', 'cat', 'dog', 'rocket', 'coffee', 'horse', 'camera', 'motorcycle', 'astronaut'];
    const labels = Array.from({ length: 10000 }, (_, i) => 'a photo of a ' + colours[i % 8] + ' ' + things[(i * 7) % 10] + (i % 3 ? '' : ' number ' + i));
    let tokens = 0;
    const runs = [];
    for (let r = 0; r < 5; r++) {
      tokens = 0;
      const t0 = performance.now();
      for (const l of labels) tokens += tok.encode(l, 77).ids.length;
      runs.push(performance.now() - t0);
    }
    out.labels10kMs = median(runs);
    out.avgTokens = tokens / labels.length;
    const big = 'a photo of a cat sitting on a red rug '.repeat(27000).slice(0, 1 << 20);
    const t1 = performance.now();
    const r = tok.encode(big, 77);
    out.oneMegabyteMs = performance.now() - t1;
    out.oneMegabyteTokens = r.ids.length;
    for (const [w, h] of [[4000, 3000], [640, 480]]) {
      const rgba = new Uint8Array(w * h * 4);
      for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 2654435761) >>> 24;
      const times = [];
      for (let k = 0; k < 7; k++) {
        const t0 = performance.now();
        const res = M.preprocessRGBA(rgba, w, h, 224, [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]);
        times.push(performance.now() - t0);
        if (res.error) throw new Error(res.error);
      }
      out['preprocess' + w + 'x' + h + 'Ms'] = median(times);
    }
    self.postMessage(out);
  };`;

const result = await page.evaluate(async ({ workerSource, tokText }) => {
  const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  const w = new Worker(url, { type: 'module' });
  return new Promise((resolve, reject) => {
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage({ base: new URL('./', location.href).href, tokText });
  });
}, { workerSource, tokText });

console.log(`tokenizer: ${path.basename(tokPath)} (${(tokText.length / 1e6).toFixed(1)} MB)`);
console.log(`| what (Chromium worker, WASM, 1 thread) | median |`);
console.log(`|---|---|`);
console.log(`| load tokenizer.json | ${result.tokenizerLoadMs.toFixed(1)} ms |`);
console.log(`| 10,000 labels (avg ${result.avgTokens.toFixed(1)} tokens) | ${result.labels10kMs.toFixed(1)} ms |`);
console.log(`| one 1 MB string (→ ${result.oneMegabyteTokens} tokens) | ${result.oneMegabyteMs.toFixed(1)} ms |`);
console.log(`| preprocess 4000×3000 RGBA → 224 | ${result.preprocess4000x3000Ms.toFixed(1)} ms |`);
console.log(`| preprocess 640×480 RGBA → 224 | ${result.preprocess640x480Ms.toFixed(2)} ms |`);
await browser.close();
await server.stop();
