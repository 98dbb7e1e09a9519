// Benchmark (not a test): the WASM core inside a Chromium Web Worker, as the page runs it.
//   tokenizer: loading tokenizer.json, 10,000 typical labels (one encode() per label, and
//              one encodeMany() for all), a 1 MB string
//   image: CLIP preprocessing of 4000×3000 and 640×480 RGBA frames (single thread)
//   node bench/browser/core.bench.mjs [tokenizer.json] [--wasm-dir DIR] [--on-page]
// Default tokenizer: ../shared/data/clip-vit-b32/tokenizer.json (the real CLIP one, 3.9 MB).
// Default module: build/wasm/web (CLIPX_WASM_DIR overrides, as for the page's build).
//
// The worker runs on an empty page served by this script, so the figures are the core's
// own. --on-page runs it on the built article instead (web/dist through Vite's preview
// server), whose start-up (ONNX Runtime, the model) competes for the same cores: on a
// 2-core machine that alone roughly doubled the label timings.
// The first pass over the labels also pays for V8 compiling the hot WASM and JS to
// optimised code; it is reported on its own, and the medians are of the passes after it.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startServer, launchBrowser, repoDir } from '../../tests/e2e/harness.mjs';

const args = process.argv.slice(2);
let tokPath = path.resolve(repoDir, '..', 'shared', 'data', 'clip-vit-b32', 'tokenizer.json');
let wasmDir = process.env.CLIPX_WASM_DIR || path.join(repoDir, 'build', 'wasm', 'web');
let onPage = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--wasm-dir') wasmDir = path.resolve(args[++i]);
  else if (args[i] === '--on-page') onPage = true;
  else if (args[i].startsWith('--')) throw new Error(`unknown option ${args[i]}`);
  else tokPath = path.resolve(args[i]);
}
if (!fs.existsSync(tokPath)) {
  console.error(`${tokPath} is missing: pass a tokenizer.json (e.g. models/tiny/tokenizer.json)`);
  process.exit(2);
}
if (!onPage && !fs.existsSync(path.join(wasmDir, 'clipcore.mjs'))) {
  console.error(`${wasmDir}/clipcore.mjs is missing: run scripts/build.sh (or pass --wasm-dir)`);
  process.exit(2);
}
const tokText = fs.readFileSync(tokPath, 'utf8');

// The empty page: the module's two files, with the page's cross-origin isolation headers.
function startModuleServer() {
  const files = { '/wasm/clipcore.mjs': 'text/javascript', '/wasm/clipcore.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    const url = req.url.split('?')[0];
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    if (url === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>core bench</title>');
    } else if (files[url]) {
      res.writeHead(200, { ...headers, 'Content-Type': files[url] });
      res.end(fs.readFileSync(path.join(wasmDir, path.basename(url))));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/`,
    stop: () => new Promise((r) => server.close(r)),
  })));
}

const server = onPage ? await startServer() : await startModuleServer();
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
    if (tok.snapshot) {  // absent from modules built before it existed
      const { bytes } = tok.snapshot();
      const snapLoads = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const t = new M.Tokenizer();
        const err = t.loadSnapshot(bytes);
        snapLoads.push(performance.now() - t0);
        if (err) throw new Error(err);
        t.delete();
      }
      out.snapshotLoadMs = median(snapLoads);
      out.snapshotBytes = bytes.length;
    }
    if (!/not valid JSON/.test(new M.Tokenizer().load('{'))) throw new Error('load() error path broken');
    const colours = ['red', 'green', 'blue', 'yellow', 'orange', 'purple', 'black', 'white'];
    const things = ['circle', 'square', 'cat', 'dog', 'rocket', 'coffee', 'horse', 'camera', 'motorcycle', 'astronaut'];
    const labels = Array.from({ length: 10000 }, (_, i) => 'a photo of a ' + colours[i % 8] + ' ' + things[(i * 7) % 10] + (i % 3 ? '' : ' number ' + i));
    const passes = (fn) => {
      const times = [];
      for (let r = 0; r < 8; r++) {
        const t0 = performance.now();
        fn();
        times.push(performance.now() - t0);
      }
      return { first: times[0], warm: median(times.slice(1)) };
    };
    let tokens = 0;
    out.labels = passes(() => {
      tokens = 0;
      for (const l of labels) tokens += tok.encode(l, 77).ids.length;
    });
    out.avgTokens = tokens / labels.length;
    // the same labels on a fresh tokenizer through encodeMany(), after every encode() pass
    tok.delete();
    tok = new M.Tokenizer();
    tok.load(data.tokText);
    if (tok.encodeMany) {  // absent from modules built before it existed
      let batch;
      out.batch = passes(() => { batch = tok.encodeMany(labels, 77); });
      if (batch.error || batch.ids.length !== tokens) throw new Error('encodeMany disagrees with encode: ' + batch.error);
    }
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

const where = onPage ? 'on the article page' : `empty page, ${path.relative(process.cwd(), wasmDir) || '.'}`;
console.log(`tokenizer: ${path.basename(tokPath)} (${(tokText.length / 1e6).toFixed(1)} MB); ${where}`);
console.log(`| what (Chromium worker, WASM, 1 thread) | median | first pass |`);
console.log(`|---|---|---|`);
console.log(`| load tokenizer.json | ${result.tokenizerLoadMs.toFixed(1)} ms | |`);
if (result.snapshotLoadMs !== undefined) console.log(`| load its snapshot (${(result.snapshotBytes / 1e6).toFixed(1)} MB) | ${result.snapshotLoadMs.toFixed(1)} ms | |`);
console.log(`| 10,000 labels, encode() each (avg ${result.avgTokens.toFixed(1)} tokens) | ${result.labels.warm.toFixed(1)} ms | ${result.labels.first.toFixed(1)} ms |`);
if (result.batch) console.log(`| 10,000 labels, one encodeMany() (fresh tokenizer) | ${result.batch.warm.toFixed(1)} ms | ${result.batch.first.toFixed(1)} ms |`);
console.log(`| one 1 MB string (→ ${result.oneMegabyteTokens} tokens) | ${result.oneMegabyteMs.toFixed(1)} ms | |`);
console.log(`| preprocess 4000×3000 RGBA → 224 | ${result.preprocess4000x3000Ms.toFixed(1)} ms | |`);
console.log(`| preprocess 640×480 RGBA → 224 | ${result.preprocess640x480Ms.toFixed(2)} ms | |`);
await browser.close();
await server.stop();
