// A returning reader's browser (an on-disk profile, the service worker in control) reuses the
// machine code it compiled for ONNX Runtime's WebAssembly on the first visit. Without that,
// every visit compiles the runtime's hot functions again: seconds of compiler threads that
// compete with the model load on a two-core machine. Two things must hold for it: the server
// lets the browser keep the versioned file without revalidating it, and the service worker
// hands the browser's own response on untouched (a Cache Storage response or a rebuilt copy
// carries no compiled code). The first visit warms ONNX Runtime up once, so that what gets
// optimised only after many runs is in that cache too, and saves a snapshot of the tokenizer's
// tables, so that a reload need not parse tokenizer.json again. And the SHA-256 check of the cached
// model files, which runs once the worker is idle instead of holding up the load, still
// catches a damaged file. Its service worker stores a file again only when it changed.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchProfileContext, launchBrowser, wasmCodeCacheEvents, untilWasmCodeCached, ortCodeCacheHits, webDir } from './harness.mjs';

const server = await startServer();
test.after(() => server.stop());

const ready = (page) => page.waitForSelector('.model-status[data-state=ready]', { timeout: 120000 });

test('the versioned WebAssembly files may be kept without revalidation', async () => {
  for (const file of ['ort/ort-wasm-simd-threaded.wasm?v=1', 'wasm/clipcore.wasm?v=1']) {
    const res = await fetch(new URL(file, server.url));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control'), /immutable/, `${file}: cached as immutable`);
    assert.equal(res.headers.get('content-type'), 'application/wasm');
  }
  const plain = await fetch(new URL('ort/ort-wasm-simd-threaded.wasm', server.url));
  assert.equal(plain.headers.get('cache-control'), 'no-cache', 'without a version the file is revalidated');
});

test('a second visit compiles no ONNX Runtime afresh: the browser reuses its compiled WebAssembly', { timeout: 180000 }, async () => {
  const context = await launchProfileContext();
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    // The browser writes its compiled code once its optimising compiler has been quiet for a
    // while after a few classifications.
    const cached = await untilWasmCodeCached(context, async () => {
      await page.goto(server.url);
      await ready(page);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30000 });
      for (const labels of [['a cat', 'a dog'], ['a red circle', 'a blue square', 'a green triangle']]) {
        await page.evaluate((labels) => window.clipx.ready.then(({ app }) => { app.labels.setLabels(labels); app.labelsChanged(); }), labels);
        await page.waitForFunction(() => window.clipx.app.isIdle());
      }
    });
    assert.ok(cached, 'the first visit left compiled code in the cache');
    // The first visit also ran both encoders some extra times while idle, so that functions
    // which get hot only after many runs are optimised (and cached) now, not on a later visit.
    const warmUpRuns = () => page.evaluate(() => window.clipx.ready.then(({ client }) => client.request('stats')).then((s) => s.warmUpRuns));
    for (const deadline = Date.now() + 30000; await warmUpRuns() < 32 && Date.now() < deadline;) await page.waitForTimeout(250);
    assert.equal(await warmUpRuns(), 32, 'the first visit warmed ONNX Runtime up');
    const tokenizerFrom = () => page.evaluate(() => window.clipx.app.model.tokenizer.builtFrom);
    assert.equal(await tokenizerFrom(), 'tokenizer.json', 'the first visit parsed the tokenizer (and saved a snapshot)');
    await page.waitForTimeout(500);   // the browser process stores it

    const events = await wasmCodeCacheEvents(context, async () => {
      await page.reload();
      await ready(page);
    });
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true, 'the service worker was in control');
    assert.equal(ortCodeCacheHits(events).length, 1, `ONNX Runtime's compiled code came from the cache: ${JSON.stringify(events)}`);
    await page.waitForFunction(() => window.clipx.app.isIdle());
    await page.waitForTimeout(1500);   // the worker's idle time: when a warm-up would run
    assert.equal(await warmUpRuns(), 0, 'a returning visit does not warm up again');
    assert.equal(await tokenizerFrom(), 'snapshot', 'nor parse tokenizer.json again');
    assert.ok(!events.some((e) => e.name === 'v8.wasm.moduleCacheInvalid'), 'and was valid');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a cached model file damaged on disk: the page says so once the idle-time check has run, and Retry fetches it again', { timeout: 120000 }, async () => {
  const browser = await launchBrowser();
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(server.url);
    await ready(page);
    await page.waitForFunction(() => window.clipx.app.isIdle());
    // Flip one bit in the stored text model, as a failing disk would.
    const flipped = await page.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open('clipx-models');
      open.onerror = () => reject(open.error);
      open.onsuccess = async () => {
        const db = open.result;
        const get = db.transaction('files').objectStore('files').get('tiny/text.onnx');
        get.onsuccess = async () => {
          const record = get.result;
          const bytes = new Uint8Array(await record.data.arrayBuffer());
          bytes[bytes.length >> 1] ^= 0x10;
          const put = db.transaction('files', 'readwrite').objectStore('files').put({ ...record, data: new Blob([bytes]) }, 'tiny/text.onnx');
          put.onsuccess = () => resolve(record.sha256);
          put.onerror = () => reject(put.error);
        };
      };
    }));
    assert.match(flipped, /^[0-9a-f]{64}$/);

    await page.reload();
    await ready(page);   // the load itself no longer waits for the check
    await page.waitForSelector('.model-status[data-state=failed]', { timeout: 30000 });
    assert.equal(await page.locator('.model-status .model-title').textContent(), 'A cached model file is damaged');
    assert.match(await page.locator('[data-testid=model-detail]').textContent(), /text\.onnx.*damaged.*SHA-256/);

    await page.locator('.model-status button', { hasText: 'Retry' }).click();
    await ready(page);
    await page.waitForFunction(() => window.clipx.app.isIdle());
    assert.match(await page.locator('[data-testid=model-detail]').textContent(), /downloaded and verified/, 'the damaged file came again from the server');
    // Classifying works again (the worker refused to use the damaged model meanwhile).
    await page.evaluate(() => window.clipx.ready.then(({ app }) => { app.labels.setLabels(['red circle', 'blue square']); app.labelsChanged(); }));
    await page.waitForFunction(() => window.clipx.app.isIdle() && window.clipx.app.live?.labels.length === 2);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await browser.close();
  }
});

test('a reload stores in the service worker\'s cache only the files that changed', { timeout: 120000 }, async () => {
  // Rewriting an unchanged file on every reload was not only wasted work: in Chromium each
  // response clone() stored that way stayed in the tab's memory until the tab closed.
  const file = path.join(webDir, 'dist', 'models', 'tiny', 'manifest.json');
  const { atime, mtime } = fs.statSync(file);
  const context = await launchProfileContext();
  try {
    const page = context.pages()[0] ?? await context.newPage();
    await page.goto(server.url);
    await ready(page);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30000 });
    const storedDate = () => page.evaluate(async () => {
      const stored = await (await caches.open('clipx-shell-v1')).match(new URL('models/tiny/manifest.json', location.href).href);
      return stored?.headers.get('Date') ?? null;
    });
    await page.reload();
    await ready(page);
    const first = await storedDate();
    assert.ok(first, 'the manifest went into the service worker\'s cache');
    await page.waitForTimeout(1100);   // Date has whole seconds
    await page.reload();
    await ready(page);
    assert.equal(await storedDate(), first, 'the unchanged manifest was not stored again');

    fs.utimesSync(file, atime, new Date(mtime.getTime() + 60000));   // a new version (new ETag)
    await page.reload();
    await ready(page);
    await page.waitForFunction((before) => caches.open('clipx-shell-v1')
      .then((c) => c.match(new URL('models/tiny/manifest.json', location.href).href))
      .then((r) => r?.headers.get('Date') !== before), first, { timeout: 10000 });
  } finally {
    fs.utimesSync(file, atime, mtime);
    await context.close();
  }
});
