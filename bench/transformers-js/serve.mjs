// A tiny static server for the transformers.js comparison page, cross-origin isolated (COOP +
// COEP) so ONNX Runtime Web may use threads, exactly like our own page's server. Everything is
// served from this machine: the page, transformers.js's browser bundle, ONNX Runtime Web's
// wasm files, and the model folder transformers.js expects (prepared by prepareModelDir()).
//
//   node bench/transformers-js/serve.mjs [--model random-vit-b32] [--port 8090]
// then open http://127.0.0.1:8090/?model=random-vit-b32&threads=1
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const tjsDir = path.dirname(fileURLToPath(import.meta.url));
export const repoDir = path.resolve(tjsDir, '..', '..');
export const sharedDir = process.env.CLIPX_SHARED_DIR || path.resolve(repoDir, '..', 'shared');
const nm = path.join(tjsDir, 'node_modules');
export const tjsDist = path.join(nm, '@huggingface', 'transformers', 'dist');
export const ortDist = path.join(nm, 'onnxruntime-web', 'dist');
// Git-ignored (bench/results/): the folder layout transformers.js loads, pointing at our files.
export const tjsModelsRoot = path.join(repoDir, 'bench', 'results', 'tjs-models');

export function versions() {
  const read = (p) => JSON.parse(fs.readFileSync(p, 'utf8')).version;
  return {
    transformers: read(path.join(nm, '@huggingface', 'transformers', 'package.json')),
    ortWeb: read(path.join(nm, 'onnxruntime-web', 'package.json')),
    ourOrtWeb: read(path.join(repoDir, 'web', 'node_modules', 'onnxruntime-web', 'package.json')),
  };
}

/**
 * Lays out models/<id>/ the way transformers.js looks for a model: config files at the top,
 * ONNX files under onnx/. The .onnx files and tokenizer.json are symlinks to the very files
 * our page serves (same bytes); config.json, preprocessor_config.json and tokenizer_config.json
 * are copied from ../shared/data/clip-vit-b32/ (the real CLIP ViT-B/32 configuration, whose
 * shapes the random-weight model has).
 */
export function prepareModelDir(id = 'random-vit-b32') {
  const src = path.join(repoDir, 'models', id);
  const manifest = JSON.parse(fs.readFileSync(path.join(src, 'manifest.json'), 'utf8'));
  const dst = path.join(tjsModelsRoot, id);
  fs.rmSync(dst, { recursive: true, force: true });
  fs.mkdirSync(path.join(dst, 'onnx'), { recursive: true });
  for (const name of ['config.json', 'preprocessor_config.json', 'tokenizer_config.json']) {
    fs.copyFileSync(path.join(sharedDir, 'data', 'clip-vit-b32', name), path.join(dst, name));
  }
  fs.symlinkSync(path.join(src, manifest.tokenizer.file), path.join(dst, 'tokenizer.json'));
  // dtype 'q8' makes transformers.js ask for onnx/<name>_quantized.onnx.
  fs.symlinkSync(path.join(src, manifest.vision.file), path.join(dst, 'onnx', 'vision_model_quantized.onnx'));
  fs.symlinkSync(path.join(src, manifest.text.file), path.join(dst, 'onnx', 'text_model_quantized.onnx'));
  return dst;
}

/** Only the image processor's configuration (for bench/preprocess_fidelity.mjs). */
export function prepareProcessorDir(id = 'clip-processor') {
  const dst = path.join(tjsModelsRoot, id);
  fs.mkdirSync(dst, { recursive: true });
  fs.copyFileSync(path.join(sharedDir, 'data', 'clip-vit-b32', 'preprocessor_config.json'), path.join(dst, 'preprocessor_config.json'));
  return dst;
}

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.onnx': 'application/octet-stream',
};

const mounts = [
  { prefix: '/tjs/', dir: tjsDist },
  { prefix: '/ort/', dir: ortDist },
  { prefix: '/models/', dir: tjsModelsRoot },
  { prefix: '/', dir: tjsDir, files: ['index.html', 'main.js'] },
];

function resolve(urlPath, extraMounts = []) {
  if (urlPath === '/') urlPath = '/index.html';
  for (const m of [...extraMounts, ...mounts]) {
    if (!urlPath.startsWith(m.prefix)) continue;
    const rel = decodeURIComponent(urlPath.slice(m.prefix.length));
    if (m.files && !m.files.includes(rel)) return null;
    const full = path.resolve(m.dir, rel);
    if (!full.startsWith(path.resolve(m.dir) + path.sep)) return null;
    try {
      return fs.statSync(full).isFile() ? full : null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Starts the server; every request is logged in `requests` (the bench checks for no CDN use).
 * `photosDir`: served under /__bench-photos/ (the benchmark's test photos).
 */
export function startStaticServer({ port = 0, host = '127.0.0.1', photosDir = null } = {}) {
  const extraMounts = photosDir ? [{ prefix: '/__bench-photos/', dir: photosDir }] : [];
  const requests = [];
  const server = http.createServer((req, res) => {
    const urlPath = (req.url || '/').split('?')[0];
    const entry = { path: urlPath, status: 200 };
    requests.push(entry);
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    // transformers.js and its ONNX Runtime are pinned by the lockfile: the browser may keep them
    // (and its compiled WebAssembly) between visits, as our server lets it keep ours.
    res.setHeader('Cache-Control', /^\/(ort|tjs)\//.test(urlPath) ? 'public, max-age=31536000, immutable' : 'no-cache');
    const file = resolve(urlPath, extraMounts);
    if (!file) {
      res.statusCode = entry.status = 404;
      return res.end('not found');
    }
    const size = fs.statSync(file).size;
    res.setHeader('Content-Type', MIME[path.extname(file)] || 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}/`;
      ok({ url, requests, stop: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
  const id = arg('--model', 'random-vit-b32');
  prepareModelDir(id);
  const s = await startStaticServer({ port: Number(arg('--port', 8090)) });
  console.log(`transformers.js comparison page: ${s.url}?model=${id}&threads=1   (Ctrl-C to stop)`);
}
