// Vite serves and builds the page. Three folders live outside web/ yet must be served from
// the same origin (the page never needs a CDN): the WASM core built by CMake, ONNX Runtime
// Web's own runtime files, and the model packages. `sameOriginAssets` maps them to URL
// prefixes in dev and preview, and copies them into dist/ on build.
import { defineConfig } from 'vite';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSP, DEV_CSP } from './csp.js';

const webDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.resolve(webDir, '..');
const wasmDir = process.env.CLIPX_WASM_DIR || path.join(repoDir, 'build', 'wasm', 'web');
const ortDir = path.join(webDir, 'node_modules', 'onnxruntime-web', 'dist');

// The WASM core's version, from its bytes: the worker asks for wasm/clipcore.* with it in the
// query, so the service worker can keep them (and the browser its compilation) until they change.
function coreVersion() {
  const hash = crypto.createHash('sha256');
  for (const f of ['clipcore.mjs', 'clipcore.wasm']) {
    const file = path.join(wasmDir, f);
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : f);
  }
  return hash.digest('hex').slice(0, 16);
}

// ONNX Runtime Web's version, for the worker's import of its API (ort/ort.wasm.min.mjs?v=...):
// with it the service worker and the browser keep that file without asking the server again.
function ortVersion() {
  return JSON.parse(fs.readFileSync(path.join(webDir, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version;
}

// Only the WASM flavour of ORT we load: its JS API and the SIMD+threads runtime.
const ORT_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

const bundledModels = (process.env.CLIPX_BUNDLE_MODELS || 'tiny').split(',').map((s) => s.trim()).filter(Boolean);

const mounts = [
  { prefix: '/wasm/', dir: wasmDir, files: ['clipcore.mjs', 'clipcore.wasm'] },
  { prefix: '/ort/', dir: ortDir, files: ORT_FILES },
  // Served whole in dev/preview; a build copies only the models named in
  // CLIPX_BUNDLE_MODELS (default: the embedded tiny one; the kiosk build names them all).
  { prefix: '/models/', dir: path.join(repoDir, 'models'), files: null, bundle: bundledModels },
  // scikit-image's sample photos, copied from Debian's python3-skimage by scripts/build.sh.
  { prefix: '/gallery/', dir: path.join(repoDir, 'build', 'gallery'), files: null, optional: true },
];

// Cross-origin isolation lets ORT use threads (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MIME = {
  '.wasm': 'application/wasm', '.mjs': 'text/javascript', '.js': 'text/javascript',
  '.json': 'application/json', '.onnx': 'application/octet-stream', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.md': 'text/markdown; charset=utf-8',
};

function resolveMounted(urlPath) {
  for (const m of mounts) {
    if (!urlPath.startsWith(m.prefix)) continue;
    const rel = decodeURIComponent(urlPath.slice(m.prefix.length));
    if (m.files && !m.files.includes(rel)) return null;
    const full = path.resolve(m.dir, rel);
    if (!full.startsWith(path.resolve(m.dir) + path.sep)) return null;  // no ../ escapes
    return fs.existsSync(full) && fs.statSync(full).isFile() ? full : null;
  }
  return null;
}

// models/index.json: the model packages this server has (folders with a manifest.json), so
// the page can look for the real model without provoking a 404.
function modelIndex(ids) {
  const dir = path.join(repoDir, 'models');
  const all = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'manifest.json'))).sort();
  return { models: ids ? all.filter((d) => ids.includes(d)) : all };
}

function serveMounted(req, res, next) {
  const urlPath = (req.url || '').split('?')[0];
  if (urlPath === '/models/index.json') {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-cache');
    for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
    return res.end(JSON.stringify(modelIndex(null)));
  }
  const file = resolveMounted(urlPath);
  if (!file) return next();
  const stat = fs.statSync(file);
  res.setHeader('Content-Type', MIME[path.extname(file)] || 'application/octet-stream');
  res.setHeader('Accept-Ranges', 'bytes');
  // ONNX Runtime's and the core's files asked for with their version (?v=, which changes with
  // their content) never change: the browser keeps them without asking again. That also keeps
  // the machine code Chromium compiled for the WebAssembly, which it drops when a revalidation
  // (304) renews the cache entry: every visit then compiled ONNX Runtime's hot functions again.
  const versioned = /^\/(ort|wasm)\//.test(urlPath) && new URLSearchParams((req.url || '').split('?')[1] || '').has('v');
  res.setHeader('Cache-Control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache');
  // Everything else: a validator lets a reload revalidate (304) instead of fetching again.
  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', stat.mtime.toUTCString());
  for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
  // ORT's runtime also starts workers from here (its threads); a worker obeys the policy sent
  // with its own script, so these files carry it too.
  res.setHeader('Content-Security-Policy', CSP);
  if (!req.headers.range && req.headers['if-none-match'] === etag) {
    res.statusCode = 304;
    return res.end();
  }
  // Range support lets an interrupted model download resume where it stopped.
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), stat.size - 1) : stat.size - 1;
    if (start >= stat.size || start > end) {
      res.statusCode = 416;
      res.setHeader('Content-Range', `bytes */${stat.size}`);
      return res.end();
    }
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${stat.size}`);
    res.setHeader('Content-Length', String(end - start + 1));
    return fs.createReadStream(file, { start, end }).pipe(res);
  }
  res.setHeader('Content-Length', String(stat.size));
  if (req.method === 'HEAD') return res.end();
  fs.createReadStream(file).pipe(res);
}

function copyTree(src, dst, files) {
  fs.mkdirSync(dst, { recursive: true });
  for (const name of files || fs.readdirSync(src)) {
    const from = path.join(src, name);
    const to = path.join(dst, name);
    if (!fs.existsSync(from)) throw new Error(`missing ${from}: build the WASM core first (scripts/build.sh)`);
    if (fs.statSync(from).isDirectory()) copyTree(from, to, null);
    else fs.copyFileSync(from, to);
  }
}

// The CSP lives in csp.js. index.html carries it as a <meta>; the build stops if that meta
// differs from csp.js, and the dev server swaps in its variant (Vite's dev CSS needs <style>).
const CSP_META_RE = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/;

function contentSecurityPolicy() {
  let command;
  return {
    name: 'clipx-csp',
    configResolved(config) { command = config.command; },
    transformIndexHtml(html) {
      const m = CSP_META_RE.exec(html);
      if (!m) throw new Error('web/index.html has no Content-Security-Policy <meta>: add the one from web/csp.js');
      if (m[1] !== CSP) throw new Error(`the Content-Security-Policy <meta> in web/index.html differs from web/csp.js:\n  html: ${m[1]}\n  csp.js: ${CSP}`);
      return command === 'serve' ? html.replace(CSP_META_RE, `<meta http-equiv="Content-Security-Policy" content="${DEV_CSP}">`) : html;
    },
  };
}

function sameOriginAssets() {
  let outDir;
  return {
    name: 'clipx-same-origin-assets',
    configResolved(config) { outDir = path.resolve(config.root, config.build.outDir); },
    configureServer(server) { server.middlewares.use(serveMounted); },
    configurePreviewServer(server) { server.middlewares.use(serveMounted); },
    closeBundle() {
      for (const m of mounts) {
        if (m.optional && !fs.existsSync(m.dir)) continue;
        copyTree(m.dir, path.join(outDir, m.prefix), m.bundle ?? m.files);
      }
      fs.writeFileSync(path.join(outDir, 'models', 'index.json'), JSON.stringify(modelIndex(bundledModels)));
    },
  };
}

export default defineConfig({
  root: webDir,
  base: './',
  // A missing file must be a 404, not index.html: the page probes for optional models.
  appType: 'mpa',
  plugins: [sameOriginAssets(), contentSecurityPolicy()],
  worker: { format: 'es' },
  define: { __CLIPX_CORE_VERSION__: JSON.stringify(coreVersion()), __CLIPX_ORT_VERSION__: JSON.stringify(ortVersion()) },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { host: '127.0.0.1', port: Number(process.env.PORT || 8080), strictPort: true,
    headers: { ...isolationHeaders, 'Content-Security-Policy': DEV_CSP } },
  preview: { host: '127.0.0.1', port: Number(process.env.PORT || 8080), strictPort: true,
    headers: { ...isolationHeaders, 'Content-Security-Policy': CSP } },
});
