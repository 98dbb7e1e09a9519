// The offline classroom kiosk: scripts/build_kiosk.sh's folder, served by a plain static
// server that sends no special headers (the point: "any static web server"). The service
// worker must make the page cross-origin isolated after one automatic reload, and once the
// model is in IndexedDB the page must classify with the network off, every non-local request
// blocked and the server itself gone. Also: kiosk mode's link handling and idle reset.
//
// The folder is built with --no-build from the current web/dist (scripts/test.sh builds
// first), so running this suite never rewrites web/dist under the other suites' feet.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, launchProfileContext, wasmCodeCacheEvents, untilWasmCodeCached, ortCodeCacheHits, repoDir, webDir } from './harness.mjs';
import { CSP_META } from '../../web/csp.js';

const distDir = path.join(webDir, 'dist');
const missing = [
  ['models/tiny/manifest.json', path.join(repoDir, 'models', 'tiny', 'manifest.json')],
  ['web/dist/index.html (run scripts/build.sh)', path.join(distDir, 'index.html')],
  ['web/dist/sw.js (run scripts/build.sh)', path.join(distDir, 'sw.js')],
].filter(([, p]) => !fs.existsSync(p)).map(([what]) => what);
const skip = missing.length ? `needs ${missing.join(', ')}` : false;

// Does the built page register the service worker itself (main.js wired), or not yet?
const pageRegistersWorker = !skip && fs.readdirSync(path.join(distDir, 'assets'))
  .filter((f) => f.endsWith('.js'))
  .some((f) => fs.readFileSync(path.join(distDir, 'assets', f), 'utf8').includes('clipx-coi-reloaded'));

let kioskDir = null;
let tmpDir = null;
let browser = null;

test.before(async () => {
  if (skip) return;
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clipx-kiosk-'));
  kioskDir = path.join(tmpDir, 'kiosk');
  const r = spawnSync(path.join(repoDir, 'scripts', 'build_kiosk.sh'), ['--no-build', '--models', 'tiny', kioskDir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build_kiosk.sh failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  browser = await launchBrowser();
});

test.after(async () => {
  await browser?.close();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

// ---- a plain static server: files and a Content-Type, nothing else ---------------------------
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.txt': 'text/plain; charset=utf-8',
};

function plainServer(root) {
  const hits = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    let rel;
    try { rel = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400); return res.end(); }
    hits.push(rel);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(root, rel);
    const stat = file.startsWith(root + path.sep) && fs.existsSync(file) ? fs.statSync(file) : null;
    if (!stat?.isFile() || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found');
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': stat.size });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/`,
    hits,
    close: () => new Promise((r) => { server.close(() => r()); for (const s of sockets) s.destroy(); }),
  })));
}

// ---- page helpers -----------------------------------------------------------------------------
// The page probes for files a folder may lack (the real model's manifest, a model's example or
// samples); the browser logs each miss (a 404, or offline a network error). Those are fine;
// a failed load of a file the folder does have is not.
function probeOfAbsentFile(msg) {
  const url = msg.location()?.url;
  if (!/^Failed to load resource/.test(msg.text()) || !url) return false;
  const { hostname, pathname } = new URL(url);
  if (hostname !== '127.0.0.1') return false;
  const file = path.join(kioskDir, decodeURIComponent(pathname));
  return file.startsWith(kioskDir + path.sep) && !fs.existsSync(file);
}

async function newKioskContext() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error' || probeOfAbsentFile(msg)) return;
    problems.push(`console: ${msg.text()} (${msg.location()?.url})`);
  });
  return { context, page, problems };
}

/** Evaluates `fn` in the page, retrying while a (re)load replaces the document. */
async function poll(page, fn, { timeout = 60000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await page.evaluate(fn);
      if (last) return last;
    } catch (err) {
      last = err.message;   // the document went away mid-evaluate: a reload is under way
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Opens `url` and waits until the service worker controls it and it is cross-origin isolated. */
async function openIsolated(t, page, url) {
  await page.goto(url);
  if (!pageRegistersWorker) {
    // main.js does not call registerServiceWorker() yet: register the same file the same
    // way, then do the reload the page would do.
    t.diagnostic('the built page does not register sw.js itself yet (main.js not wired); the test registers it');
    await page.evaluate(() => navigator.serviceWorker.register(new URL('sw.js', document.baseURI).href, { scope: './' }));
    await poll(page, () => !!navigator.serviceWorker.controller, { what: 'the service worker to take control' });
    await page.reload();
  }
  // window.clipx too: a freshly reloaded document is isolated before its module script has run.
  await poll(page, () => !!navigator.serviceWorker.controller && crossOriginIsolated === true && !!window.clipx,
    { what: 'a controlled, cross-origin isolated page (after the automatic reload)' });
}

async function ready(page) {
  await page.waitForFunction(() => !!window.clipx, null, { timeout: 60000 });  // the module has run
  await page.evaluate(async () => { window.__clipxApp = (await window.clipx.ready).app; });
  await page.waitForSelector('.model-status[data-state=ready]', { timeout: 60000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=predictions] li').length > 0, null, { timeout: 60000 });
}

async function settled(page) {
  // Playwright does not await an async predicate (a Promise is truthy): poll a plain one.
  await page.waitForFunction(() => window.__clipxApp?.isIdle());
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
}

async function setLabels(page, labels) {
  await page.evaluate((labels) => window.clipx.ready.then(({ app }) => { app.labels.setLabels(labels); app.labelsChanged(); }), labels);
  await settled(page);
}

const topPrediction = (page) => page.locator('[data-testid=predictions] li').first().locator('.pred-label').textContent();

// ---- tests --------------------------------------------------------------------------------
test('the kiosk folder is self-contained: page, WASM, ORT, the tiny model, models/index.json, README', { skip }, () => {
  for (const f of ['index.html', 'sw.js', 'precache.json', 'README.txt', 'models/index.json', 'models/tiny/manifest.json',
    'wasm/clipcore.mjs', 'wasm/clipcore.wasm', 'ort/ort.wasm.min.mjs', 'ort/ort-wasm-simd-threaded.mjs', 'ort/ort-wasm-simd-threaded.wasm']) {
    assert.ok(fs.statSync(path.join(kioskDir, f)).isFile(), `${f} is in the folder`);
  }
  const index = JSON.parse(fs.readFileSync(path.join(kioskDir, 'models', 'index.json'), 'utf8'));
  assert.equal(index.default, 'tiny');
  assert.deepEqual(index.models.map((m) => m.id), ['tiny'], '--models tiny copies only the tiny model');
  const manifest = JSON.parse(fs.readFileSync(path.join(kioskDir, 'models', 'tiny', 'manifest.json'), 'utf8'));
  for (const role of ['tokenizer', 'vision', 'text']) {
    assert.equal(fs.statSync(path.join(kioskDir, 'models', 'tiny', manifest[role].file)).size, manifest[role].bytes, `${role} file complete`);
  }
  assert.deepEqual(fs.readdirSync(path.join(kioskDir, 'models')).sort(), ['index.json', 'tiny']);

  const precache = JSON.parse(fs.readFileSync(path.join(kioskDir, 'precache.json'), 'utf8'));
  assert.ok(precache.files.includes('index.html') && precache.files.includes('wasm/clipcore.wasm') && precache.files.includes('models/tiny/manifest.json'));
  assert.ok(precache.files.every((f) => fs.existsSync(path.join(kioskDir, f))), 'every precached file exists');
  assert.ok(!precache.files.some((f) => f.endsWith('.onnx')), 'model weights are left to IndexedDB');

  const html = fs.readFileSync(path.join(kioskDir, 'index.html'), 'utf8');
  assert.ok(html.includes(CSP_META), 'the page carries its Content-Security-Policy');
  assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'nothing loads from another host');
  const readme = fs.readFileSync(path.join(kioskDir, 'README.txt'), 'utf8');
  assert.match(readme, /python3 -m http\.server/);
  assert.match(readme, /internet/);
  for (const entry of fs.readdirSync(kioskDir, { recursive: true })) {
    assert.ok(!fs.lstatSync(path.join(kioskDir, entry)).isSymbolicLink(), `${entry} is a real file, not a link out of the folder`);
  }
});

test('a plain static server, then offline: the service worker isolates the page and the kiosk still classifies', { skip, timeout: 240000 }, async (t) => {
  const server = await plainServer(kioskDir);
  const { context, page, problems } = await newKioskContext();
  try {
    const head = await fetch(server.url);
    assert.equal(head.headers.get('cross-origin-opener-policy'), null, 'the server itself sends no isolation headers');
    assert.equal(head.headers.get('content-security-policy'), null);

    await openIsolated(t, page, `${server.url}?kiosk=1`);
    await ready(page);
    const info = await page.evaluate(async () => (await window.clipx.ready).info);
    assert.equal(info.crossOriginIsolated, true, 'the inference worker is isolated too (threads allowed)');
    const shell = await page.evaluate(async () => {
      const names = await caches.keys();
      const keys = [];
      for (const n of names) for (const r of await (await caches.open(n)).keys()) keys.push(new URL(r.url).pathname);
      return { names, keys };
    });
    assert.deepEqual(shell.names, ['clipx-shell-v1']);
    for (const p of ['/index.html', '/wasm/clipcore.wasm', '/ort/ort-wasm-simd-threaded.wasm', '/models/tiny/manifest.json']) {
      assert.ok(shell.keys.includes(p), `${p} is in the service worker's cache`);
    }
    assert.ok(!shell.keys.some((k) => k.endsWith('.onnx')), 'no model weights in the service worker cache');

    // Cut everything: the browser is offline, anything not local is refused, the server is gone.
    const escaped = [];
    await context.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === '127.0.0.1' || hostname === 'localhost') return route.fallback();
      escaped.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    await context.setOffline(true);
    await server.close();
    problems.length = 0;

    await page.reload();
    await ready(page);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'still isolated: headers came from the service worker');
    assert.match(await page.locator('.model-status').textContent(), /read from this browser's cache/);
    await setLabels(page, ['blue square', 'red circle', 'green triangle']);
    await page.locator('.thumb[data-photo="000_red_circle"]').click();
    await settled(page);
    assert.equal(await topPrediction(page), 'red circle', 'offline, the tiny model still classifies');
    assert.deepEqual(escaped, [], 'the page asked for nothing outside this machine');
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await server.close();
  }
});

test('a plain static server: from the second visit on, the kiosk browser reuses its compiled ONNX Runtime', { skip, timeout: 240000 }, async (t) => {
  // A plain server sends no caching headers, so the browser would revalidate ONNX Runtime's
  // file on each visit and drop the machine code it compiled; the service worker takes the
  // versioned file from the HTTP cache as it is instead.
  const server = await plainServer(kioskDir);
  const context = await launchProfileContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const problems = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    const cached = await untilWasmCodeCached(context, async () => {
      await openIsolated(t, page, `${server.url}?kiosk=1`);
      await ready(page);
      await setLabels(page, ['blue square', 'red circle', 'green triangle']);
    });
    assert.ok(cached, 'the first visit left compiled code in the cache');
    await page.waitForTimeout(500);   // the browser process stores it
    const events = await wasmCodeCacheEvents(context, async () => {
      await page.reload();
      await ready(page);
    });
    assert.equal(ortCodeCacheHits(events).length, 1, `ONNX Runtime's compiled code came from the cache: ${JSON.stringify(events)}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await server.close();
  }
});

test('kiosk mode: no links out, and the page returns to its starting example after the idle time', { skip, timeout: 180000 }, async (t) => {
  const server = await plainServer(kioskDir);
  const { context, page, problems } = await newKioskContext();
  try {
    await openIsolated(t, page, `${server.url}?kiosk=1&idle=2000`);
    await ready(page);
    const wired = await page.evaluate(async () => !!(await window.clipx.ready).app.kiosk);
    if (!wired) {
      t.skip('main.js does not set up kiosk mode yet (app.kiosk is missing)');
      return;
    }
    await settled(page);
    assert.equal(await page.evaluate(() => window.__clipxApp.kiosk.idleMs), 2000, '?idle= is honoured');
    assert.equal(await page.evaluate(() => document.documentElement.hasAttribute('data-kiosk')), true);
    const outbound = await page.evaluate(() => [...document.querySelectorAll('a[href]')]
      .map((a) => new URL(a.getAttribute('href'), document.baseURI))
      .filter((u) => u.origin !== location.origin && u.protocol !== 'data:' && u.protocol !== 'blob:').map((u) => u.href));
    assert.deepEqual(outbound, [], 'no link leaves the page');
    assert.equal(await page.locator('[data-external]:visible').count(), 0, 'offers to download from the internet are hidden');

    const labelValues = () => page.locator('.label-text').evaluateAll((els) => els.map((e) => e.value));
    const starting = await labelValues();
    const before = await page.evaluate(() => window.__clipxApp.kiosk.resetCount);
    await page.locator('.label-text').first().fill('a zebra on a skateboard');
    await settled(page);
    assert.ok((await labelValues()).includes('a zebra on a skateboard'));
    // Now nobody touches anything.
    await page.waitForFunction((n) => window.__clipxApp.kiosk.resetCount > n, before, { timeout: 20000 });
    // The reset is asynchronous (it re-encodes the starting photo): wait for its labels.
    await page.waitForFunction((s) => JSON.stringify([...document.querySelectorAll('.label-text')].map((e) => e.value)) === s,
      JSON.stringify(starting), { timeout: 20000 }).catch(() => {});
    await settled(page);
    const labels = await labelValues();
    assert.ok(!labels.includes('a zebra on a skateboard'), `the reader's label is gone after the idle reset (${labels})`);
    assert.deepEqual(labels, starting, 'back to the starting labels');
    assert.ok(await page.locator('[data-testid=predictions] li').count() > 0, 'and the page is live again');
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await server.close();
  }
});
