// Shared by the end-to-end tests and the browser benchmarks: serve the built page with the
// project's own server (Vite preview, cross-origin isolated) and drive Debian's Chromium
// through playwright-core.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const webDir = path.join(repoDir, 'web');
const requireFromWeb = createRequire(path.join(webDir, 'package.json'));
export const { chromium } = requireFromWeb('playwright-core');

export const CHROMIUM_PATH = process.env.CLIPX_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts `vite preview` on the built dist/ and resolves once it answers. */
export async function startServer({ port } = {}) {
  port = port ?? await freePort();
  const child = spawn(process.execPath, [path.join(webDir, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview'], {
    cwd: webDir, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`the preview server did not start on ${url}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { url, port, stop: () => new Promise((r) => { child.once('exit', r); child.kill(); }) };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Chromium with an on-disk profile of its own (a fresh temporary folder), as a returning reader
 * has. browser.newContext() makes incognito profiles, where Chromium keeps no compiled code
 * between visits, so each visit would compile ONNX Runtime's WebAssembly afresh. Resolves to the
 * context (context.browser() gives the Browser for CDP); close() also deletes the profile.
 */
export async function launchProfileContext(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clipx-profile-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, ...options });
  const close = context.close.bind(context);
  context.close = async () => {
    try { await close(); } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  };
  return context;
}

/**
 * Chromium's WebAssembly code-cache trace events (v8.wasm.moduleCacheHit, moduleCacheInvalid,
 * compiledModule, cachedModule: name and arguments) while `action` runs, from a tracing session on the browser.
 */
export async function wasmCodeCacheEvents(context, action) {
  const cdp = await context.browser().newBrowserCDPSession();
  const events = [];
  cdp.on('Tracing.dataCollected', ({ value }) => {
    for (const e of value) if (/^v8\.wasm\.(moduleCacheHit|moduleCacheInvalid|compiledModule|cachedModule)/.test(e.name)) events.push({ name: e.name, args: e.args });
  });
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: ['disabled-by-default-devtools.timeline'] } });
  try {
    await action();
  } finally {
    await cdp.send('Tracing.end');
    await complete;
    await cdp.detach();
  }
  return events;
}

const ORT_WASM = /ort-wasm-simd-threaded\.wasm/;

/** The events of wasmCodeCacheEvents() that say ONNX Runtime's compiled code came from the cache. */
export const ortCodeCacheHits = (events) => events.filter((e) => e.name === 'v8.wasm.moduleCacheHit' && ORT_WASM.test(e.args?.url ?? ''));

/**
 * Runs `action` (a first visit) and then waits, up to `timeoutMs`, until Chromium has written
 * ONNX Runtime's compiled WebAssembly to its code cache (v8.wasm.compiledModule for its URL,
 * then v8.wasm.cachedModule): it does so once its optimising compiler has been quiet for a
 * while, which on a busy machine takes longer. Resolves to whether it did.
 */
export async function untilWasmCodeCached(context, action, { timeoutMs = 30000 } = {}) {
  const written = (events) => {
    const ort = events.findIndex((e) => e.name === 'v8.wasm.compiledModule' && ORT_WASM.test(e.args?.url ?? ''));
    return ort >= 0 && events.slice(ort).some((e) => e.name === 'v8.wasm.cachedModule');
  };
  let done = written(await wasmCodeCacheEvents(context, action));
  for (const deadline = Date.now() + timeoutMs; !done && Date.now() < deadline;) {
    done = written(await wasmCodeCacheEvents(context, () => new Promise((resolve) => setTimeout(resolve, 1000))));
  }
  return done;
}

/** A page with console errors collected, so tests can assert the page logged none. */
// Service workers are blocked unless a test is about them: a worker in between would hide the
// page's own requests from request listeners and page.route.
export async function openPage(browser, url, { viewport = { width: 1280, height: 900 }, serviceWorkers = 'block' } = {}) {
  const context = await browser.newContext({ viewport, serviceWorkers });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  await page.goto(url);
  return { context, page, problems };
}
