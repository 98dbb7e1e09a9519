// The zero-shot loop in Chromium on the embedded tiny model: first-visit download and cache,
// a correct prediction, the encoder-call discipline, a cached reload, and every bad input
// the reader can throw at it.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, openPage, repoDir } from './harness.mjs';

const server = await startServer();
const browser = await launchBrowser();
test.after(async () => { await browser.close(); await server.stop(); });

const isModelFile = (url) => /\/models\/[^/]+\/(?!samples\/)[^/]+\.(onnx|json)$/.test(url) && !/manifest\.json$|example\.json$/.test(url);

async function ready(page) {
  await page.evaluate(() => window.clipx.ready);
  await page.waitForSelector('.model-status[data-state=ready]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=predictions] li').length > 0);
}

async function topPrediction(page) {
  return page.locator('[data-testid=predictions] li').first().locator('.pred-label').textContent();
}

async function workerStats(page) {
  return page.evaluate(async () => (await window.clipx.ready).client.request('stats'));
}

async function setLabels(page, labels) {
  await page.evaluate((labels) => window.clipx.ready.then(({ app }) => { app.labels.setLabels(labels); app.labelsChanged(); }), labels);
  await settled(page);
}

async function settled(page) {
  // No edit waiting for its debounce and no scoring in flight; then one more frame.
  await page.waitForFunction(() => window.clipx.app?.isIdle());
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
}

test('first visit downloads the tiny model with progress, caches it, and a reload uses the cache', async () => {
  const { context, page, problems } = await openPage(browser, 'about:blank');
  const modelRequests = [];
  page.on('request', (r) => { if (isModelFile(r.url())) modelRequests.push(r.url()); });
  await page.goto(server.url);
  const progressTexts = new Set();
  const poll = setInterval(async () => {
    try { progressTexts.add(await page.locator('[data-testid=model-detail]').textContent()); } catch { /* page busy */ }
  }, 20);
  await ready(page);
  clearInterval(poll);
  assert.ok(modelRequests.some((u) => u.endsWith('.onnx')), 'the model files were downloaded');
  assert.match(await page.locator('.model-status').textContent(), /downloaded and verified/);
  assert.match(await page.locator('.model-status').textContent(), /Saved in this browser/);
  const cachedKeys = await page.evaluate(() => new Promise((resolve) => {
    const req = indexedDB.open('clipx-models');
    req.onsuccess = () => {
      const tx = req.result.transaction('files', 'readonly');
      const keys = tx.objectStore('files').getAllKeys();
      keys.onsuccess = () => resolve(keys.result);
    };
  }));
  const tinyManifest = JSON.parse(fs.readFileSync(path.join(repoDir, 'models', 'tiny', 'manifest.json'), 'utf8'));
  // The three files; the worker's own records beside them: the tokenizer's snapshot (keyed by
  // its tokenizer.json's SHA-256) and, once it has run, the warm-up's.
  assert.deepEqual(cachedKeys.filter((k) => k.startsWith('tiny/')).sort(), ['tiny/text.onnx', 'tiny/tokenizer.json', 'tiny/vision.onnx']);
  assert.deepEqual(cachedKeys.filter((k) => !k.startsWith('tiny/') && k !== 'runtime/warmed-up/tiny'), [`tokenizer-snapshot/${tinyManifest.tokenizer.sha256}`]);

  modelRequests.length = 0;
  await page.reload();
  await ready(page);
  assert.deepEqual(modelRequests, [], 'a cached reload makes no network request for the model');
  assert.match(await page.locator('.model-status').textContent(), /read from this browser's cache/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a red circle with the default labels puts "red circle" first, and the crop is 224×224', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await ready(page);
  await setLabels(page, ['blue square', 'red circle', 'green triangle']);
  await page.locator('.thumb[data-photo="000_red_circle"]').click();
  await settled(page);
  assert.equal(await topPrediction(page), 'red circle');
  const crop = await page.locator('.crop-canvas').evaluate((c) => [c.width, c.height]);
  assert.deepEqual(crop, [224, 224]);
  assert.match(await page.locator('[data-testid=pair-sum]').textContent(), /Sum of the \d+ products = /);
  const gridCells = await page.locator('#image-embedding-widget canvas').count();
  assert.equal(gridCells, 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('editing one label encodes only that label; the slider encodes nothing', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await ready(page);
  await setLabels(page, ['red circle', 'blue square', 'green triangle']);
  await settled(page);
  const before = await workerStats(page);
  await page.locator('.label-text').nth(2).fill('yellow star');
  await settled(page);
  const afterEdit = await workerStats(page);
  assert.equal(afterEdit.promptsEncoded - before.promptsEncoded, 1, 'one new prompt encoded');
  assert.equal(afterEdit.textRuns - before.textRuns, 1, 'one text-encoder run');
  assert.equal(afterEdit.visionRuns, before.visionRuns, 'the image was not re-encoded');
  await page.locator('#tau-slider').fill('-1');
  await settled(page);
  const afterSlider = await workerStats(page);
  assert.deepEqual(afterSlider, afterEdit, 'moving the temperature calls no encoder');
  assert.deepEqual(problems, []);
  await context.close();
});

test('labels: empty rows ignored, repeats flagged, a 10 KB label truncated with a note, 200 labels work', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await ready(page);
  const long = 'red circle '.repeat(1000);
  await setLabels(page, ['red circle', '', 'Red Circle', long]);
  await settled(page);
  const flags = await page.locator('.row-flag').allTextContents();
  assert.equal(flags[1], 'empty: ignored');
  assert.match(flags[2], /repeats label 1: counted once/);
  assert.match(flags[3], /too long: cut at the \d+-token limit/);
  assert.match(await page.locator('#tokens-widget').textContent(), /Too long: cut to the first \d+ tokens/);
  assert.equal(await page.locator('[data-testid=predictions] li').count(), 2);

  const many = Array.from({ length: 200 }, (_, i) => `${['red', 'green', 'blue', 'yellow'][i % 4]} ${['circle', 'square', 'star', 'cross', 'hexagon'][i % 5]} ${i}`);
  await setLabels(page, many);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=predictions] li').length === 200, null, { timeout: 60000 });
  assert.deepEqual(problems, []);
  await context.close();
});

test('bad uploads each get a specific message and the previous photo stays', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await ready(page);
  const before = await page.locator('[data-testid=photo-current]').textContent();
  const input = page.locator('.drop-zone input[type=file]').first();
  const cases = [
    [{ name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) }, /empty/],
    [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just some words, not a picture') }, /could not be used/],
    [{ name: 'broken.png', mimeType: 'image/png', buffer: fs.readFileSync(path.join(repoDir, 'models', 'tiny', 'samples', '000_red_circle.png')).subarray(0, 300) }, /could not be used/],
    [{ name: '<img src=x onerror=alert(1)>.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]) }, /could not be used/],
  ];
  for (const [file, pattern] of cases) {
    await input.setInputFiles(file);
    const msg = page.locator('[data-testid=photo-message]');
    await msg.waitFor({ state: 'visible' });
    await page.waitForFunction((name) => document.querySelector('[data-testid=photo-message]').textContent.includes(name), file.name);
    const text = await msg.textContent();
    assert.match(text, pattern, `${file.name}: ${text}`);
    assert.match(text, /The previous photo stays/);
    assert.equal(await page.locator('[data-testid=photo-current]').textContent(), before);
  }
  assert.equal(await page.locator('img[src=x]').count(), 0, 'a hostile file name stays text');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a 60-megapixel photo is downscaled by the browser and classified, the page stays responsive', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await ready(page);
  const b64 = await page.evaluate(async () => {
    const c = new OffscreenCanvas(9000, 6700);
    const g = c.getContext('2d');
    g.fillStyle = '#777'; g.fillRect(0, 0, 9000, 6700);
    g.fillStyle = '#e00'; g.beginPath(); g.arc(4500, 3350, 2500, 0, 7); g.fill();
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
  const started = Date.now();
  await page.locator('.drop-zone input[type=file]').first().setInputFiles({ name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(b64, 'base64') });
  // While the worker decodes, the main thread still answers.
  const lag = await page.evaluate(() => new Promise((r) => { const t = performance.now(); setTimeout(() => r(performance.now() - t), 0); }));
  assert.ok(lag < 500, `main thread blocked ${lag} ms`);
  await page.waitForFunction(() => /huge\.jpg \(9000×6700/.test(document.querySelector('[data-testid=photo-current]').textContent), null, { timeout: 60000 });
  assert.match(await page.locator('[data-testid=crop-caption]').textContent(), /so large that the browser shrank it first/);
  console.log(`60 MP photo: ${Date.now() - started} ms to a new prediction`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a download that breaks half-way fails visibly and Retry recovers', async () => {
  const { context, page } = await openPage(browser, 'about:blank');
  let broken = true;
  await page.route('**/models/tiny/vision.onnx', async (route) => {
    if (!broken) return route.continue();
    const res = await route.fetch();
    const body = await res.body();
    await route.fulfill({ status: 200, headers: { 'content-type': 'application/octet-stream' }, body: body.subarray(0, body.length >> 1) });
  });
  await page.goto(server.url);
  await page.waitForSelector('.model-status[data-state=failed]');
  assert.match(await page.locator('[data-testid=model-detail]').textContent(), /vision\.onnx has \d+ bytes but the manifest says \d+/);
  broken = false;
  await page.getByRole('button', { name: 'Retry' }).click();
  await ready(page);
  await context.close();
});

test('a manifest that does not match its files is refused with the mismatch named', async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoDir, 'models', 'tiny', 'manifest.json'), 'utf8'));
  const cases = [
    [{ ...manifest, text: { ...manifest.text, sha256: '0'.repeat(64) } }, /text\.onnx: SHA-256 is [0-9a-f]+…, the manifest expects 000000000000…/],
    [{ ...manifest, vision: { ...manifest.vision, input: 'pixels' } }, /vision model's input is named \["pixel_values"\], but the manifest says "pixels"/],
    [{ ...manifest, text: { ...manifest.text, bytes: manifest.text.bytes + 7 } }, /text\.onnx has \d+ bytes but the manifest says \d+/],
  ];
  for (const [bad, pattern] of cases) {
    const { context, page } = await openPage(browser, 'about:blank');
    await page.route('**/models/tiny/manifest.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(bad) }));
    await page.goto(server.url);
    await page.waitForSelector('.model-status[data-state=failed]');
    assert.match(await page.locator('[data-testid=model-detail]').textContent(), pattern);
    await context.close();
  }
});

test('labels, template and temperature survive a reload', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await ready(page);
  await setLabels(page, ['purple star', 'orange cross']);
  await page.locator('#template-this-is').check();
  await page.locator('#tau-slider').fill('-1.5');
  await settled(page);
  await page.reload();
  await ready(page);
  assert.deepEqual(await page.locator('.label-text').evaluateAll((els) => els.map((e) => e.value)), ['purple star', 'orange cross']);
  assert.ok(await page.locator('#template-this-is').isChecked());
  assert.equal(Number(await page.locator('#tau-slider').inputValue()).toFixed(2), '-1.50');
  assert.deepEqual(problems, []);
  await context.close();
});
