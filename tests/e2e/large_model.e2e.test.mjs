// The ~150 MB download path, with a random-weight model of CLIP ViT-B/32's exact shapes
// served locally (scripts/make_random_vitb32.py; scripts/test.sh generates it): progress,
// cancel, a broken download resumed, a SHA-256 mismatch refused, a cached reload that makes
// no request, a full storage quota reported, and loading the files from disk.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, repoDir } from './harness.mjs';

const MODEL = 'random-vit-b32';
const modelDir = path.join(repoDir, 'models', MODEL);
const present = fs.existsSync(path.join(modelDir, 'manifest.json'));
if (!present) {
  console.log(`SKIPPED large-model tests: ${modelDir} is absent (generate it with scripts/make_random_vitb32.py)`);
}
const manifest = present ? JSON.parse(fs.readFileSync(path.join(modelDir, 'manifest.json'), 'utf8')) : null;

const server = present ? await startServer() : null;
const browser = present ? await launchBrowser() : null;
test.after(async () => { await browser?.close(); await server?.stop(); });
const url = present ? `${server.url}?model=${MODEL}&label=cat&label=dog` : '';

async function newPage() {
  const context = await browser.newContext({ bypassCSP: true, serviceWorkers: 'block' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  return { context, page, problems };
}

const ready = (page) => page.waitForSelector('.model-status[data-state=ready]', { timeout: 120000 });

test('download with progress, then a cached reload with no request for the model', { skip: !present }, async () => {
  const { context, page, problems } = await newPage();
  const requests = [];
  page.on('request', (r) => { if (new RegExp(`/models/${MODEL}/[^/]+\\.onnx$|/models/${MODEL}/tokenizer\\.json$`).test(r.url())) requests.push(r.url()); });
  await page.goto(url);
  const seen = new Set();
  const poll = setInterval(() => page.locator('[data-testid=model-detail]').textContent().then((t) => seen.add(t), () => {}), 50);
  await ready(page);
  clearInterval(poll);
  const progress = [...seen].filter((t) => / MB \/ 15\d\.\d MB · downloading /.test(t));
  assert.ok(progress.length >= 3, `several progress readings with bytes done / total: ${[...seen].slice(0, 5)}`);
  assert.ok([...seen].some((t) => /MB\/s/.test(t)), 'the speed is shown');
  assert.ok(requests.some((u) => u.endsWith('vision_model_quantized.onnx')));
  requests.length = 0;
  await page.reload();
  await ready(page);
  assert.deepEqual(requests, [], 'no model file requested on a cached reload');
  assert.match(await page.locator('.model-status').textContent(), /read from this browser's cache/);
  // The weights reached ONNX Runtime as external data: one copy in its heap, not three.
  assert.deepEqual(await page.evaluate(() => window.clipx.app.model.weights), { vision: 'external', text: 'external' });
  const t0 = Date.now();
  await page.reload();
  await ready(page);
  console.log(`cached reload to model ready: ${Date.now() - t0} ms`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('cancel ends in a visible state, and Retry finishes the download', { skip: !present }, async () => {
  const { context, page } = await newPage();
  // Hold the first file of the package until the reader has pressed Cancel.
  let release;
  const gate = new Promise((r) => { release = r; });
  await page.route(`**/models/${MODEL}/tokenizer.json`, async (route) => {
    await gate;
    await route.continue().catch(() => {});  // the request may already be aborted
  });
  const held = page.waitForRequest((r) => r.url().endsWith(`/models/${MODEL}/tokenizer.json`));
  await page.goto(url);
  await held;
  await page.getByRole('button', { name: 'Cancel download' }).click();
  await page.waitForSelector('.model-status[data-state=cancelled]');
  assert.match(await page.locator('.model-status').textContent(), /Download cancelled/);
  release();
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await page.getByRole('button', { name: 'Retry' }).click();
  try {
    await ready(page);
  } catch (err) {
    throw new Error(`${err.message}\nstatus after Retry: ${await page.locator('.model-status').textContent()}`);
  }
  await context.close();
});

test('a download broken half-way resumes with a Range request after Retry', { skip: !present }, async () => {
  const { context, page } = await newPage();
  let broke = false;
  const ranges = [];
  await page.route(`**/models/${MODEL}/text_model_quantized.onnx`, async (route) => {
    ranges.push(route.request().headers().range ?? null);
    if (broke) return route.continue();
    broke = true;
    const res = await route.fetch();
    const body = await res.body();
    // Headers promise the whole file, the body stops half-way: the connection "dropped".
    await route.fulfill({ status: 200, headers: { 'content-length': String(body.length) }, body: body.subarray(0, body.length >> 1) });
  });
  await page.goto(url);
  await page.waitForSelector('.model-status[data-state=failed]', { timeout: 120000 });
  const detail = await page.locator('[data-testid=model-detail]').textContent();
  assert.match(detail, /text_model_quantized\.onnx has \d+ bytes but the manifest says \d+/);
  await page.getByRole('button', { name: 'Retry' }).click();
  await ready(page);
  assert.equal(ranges.length, 2);
  await context.close();
});

test('a file whose SHA-256 does not match is refused, naming the file', { skip: !present }, async () => {
  const { context, page } = await newPage();
  await page.route(`**/models/${MODEL}/manifest.json`, (route) => route.fulfill({
    status: 200, contentType: 'application/json',
    body: JSON.stringify({ ...manifest, tokenizer: { ...manifest.tokenizer, sha256: 'ab'.repeat(32) } }),
  }));
  await page.goto(url);
  await page.waitForSelector('.model-status[data-state=failed]');
  assert.match(await page.locator('[data-testid=model-detail]').textContent(), /tokenizer\.json: SHA-256 is [0-9a-f]{12}…, the manifest expects abababababab…/);
  await context.close();
});

test('a full storage quota is reported and the model still works uncached', { skip: !present }, async () => {
  const { context, page } = await newPage();
  const cdp = await context.newCDPSession(page);
  await page.goto(server.url + 'models/index.json');  // any page of the origin, before the app runs
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: 20 * 1024 * 1024 });
  await page.goto(url);
  await ready(page);
  assert.match(await page.locator('.model-status').textContent(), /working without a cache: the browser's storage quota is full/);
  await context.close();
});

test('loading the model from files validates them and caches them', { skip: !present }, async () => {
  const { context, page } = await newPage();
  await page.goto(server.url);
  await ready(page);
  const files = ['vision_model_quantized.onnx', 'text_model_quantized.onnx', 'tokenizer.json'].map((f) => path.join(modelDir, f));
  // An incomplete set first: the vision model is missing.
  await page.locator('.model-chooser input[type=file]').setInputFiles([files[1], files[2]]);
  await page.waitForSelector('[data-testid=model-files-message]:not([hidden])');
  assert.match(await page.locator('[data-testid=model-files-message]').textContent(), /could not be used: choose exactly two \.onnx files .*got 1\. The current model stays/);
  await page.locator('.model-chooser input[type=file]').setInputFiles(files);
  await page.waitForFunction(() => /Loaded from files/.test(document.querySelector('.model-status').textContent), null, { timeout: 120000 });
  assert.match(await page.locator('.model-status').textContent(), /loaded from your files and checked/);
  assert.deepEqual(await page.evaluate(() => window.clipx.app.model.weights), { vision: 'external', text: 'external' });
  assert.match(page.url(), /model=local-files/);
  // Next visit: from the cache, without the disk.
  await page.reload();
  await ready(page);
  assert.match(await page.locator('.model-status').textContent(), /Loaded from files.*read from this browser's cache/s);
  await context.close();
});
