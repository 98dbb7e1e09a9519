// Opt-in (scripts/test.sh --real-model): the page's own pipeline, with the real CLIP ViT-B/32
// in models/clip-vit-b32/, reproduces OpenAI's published "Interacting with CLIP" cosine
// matrix on the scikit-image photos: each description's own photo scores highest, and every
// value is within ±0.03 of the published figure (camera.png changed since: only its own
// description needs to win there).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, repoDir } from '../e2e/harness.mjs';

const modelDir = path.join(repoDir, 'models', 'clip-vit-b32');
const present = fs.existsSync(path.join(modelDir, 'manifest.json'));
if (!present) console.log(`SKIPPED the real-model check: ${modelDir} is absent (fetch it with scripts/fetch_model.py)`);

const PHOTOS = ['page.png', 'astronaut.png', 'rocket.jpg', 'chelsea.png', 'horse.png', 'coffee.png', 'camera.png', 'motorcycle_right.png'];
const DESCRIPTIONS = [
  'a page of text about segmentation',
  'a portrait of an astronaut with the American flag',
  'a rocket standing on a launchpad',
  'a facial photo of a tabby cat',
  'a black-and-white silhouette of a horse',
  'a cup of coffee on a saucer',
  'a person looking at a camera on a tripod',
  'a red motorcycle standing in a garage',
];
// Rows: descriptions; columns: photos, both in the order above.
const PUBLISHED = [
  [0.35, 0.15, 0.16, 0.20, 0.20, 0.20, 0.18, 0.16],
  [0.13, 0.28, 0.22, 0.17, 0.16, 0.15, 0.17, 0.15],
  [0.17, 0.19, 0.30, 0.18, 0.17, 0.14, 0.21, 0.16],
  [0.12, 0.12, 0.12, 0.31, 0.15, 0.17, 0.14, 0.12],
  [0.17, 0.11, 0.15, 0.15, 0.35, 0.15, 0.20, 0.17],
  [0.14, 0.15, 0.12, 0.18, 0.15, 0.29, 0.13, 0.12],
  [0.19, 0.19, 0.21, 0.21, 0.20, 0.14, 0.29, 0.16],
  [0.14, 0.15, 0.16, 0.15, 0.16, 0.13, 0.12, 0.32],
];
const CAMERA = PHOTOS.indexOf('camera.png');

test('the page reproduces the published cosine matrix of the real CLIP', { skip: !present }, async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ bypassCSP: true })).newPage();
    await page.goto(`${server.url}?model=clip-vit-b32`);
    await page.waitForSelector('.model-status[data-state=ready]', { timeout: 300000 });
    const values = await page.evaluate(async ({ photos, texts }) => {
      const { client } = await window.clipx.ready;
      const imageVectors = [];
      for (const p of photos) {
        const bytes = new Uint8Array(await (await fetch(`gallery/${p}`)).arrayBuffer());
        imageVectors.push((await client.request('encodeImage', { bytes: bytes.buffer })).vector);
      }
      const t = await client.request('embedPrompts', { prompts: texts.map((d) => `This is ${d}`) });
      const stack = (vs) => { const o = new Float32Array(vs.length * 512); vs.forEach((v, i) => o.set(v, i * 512)); return o; };
      return Array.from((await client.request('cosineMatrix', { a: stack(t.map((x) => x.vector)), b: stack(imageVectors), dim: 512 })).values);
    }, { photos: PHOTOS, texts: DESCRIPTIONS });
    const rows = DESCRIPTIONS.map((_, i) => values.slice(i * 8, i * 8 + 8));
    console.log(rows.map((r, i) => `${DESCRIPTIONS[i].padEnd(52)} ${r.map((v) => v.toFixed(2)).join(' ')}`).join('\n'));
    const misses = [];
    rows.forEach((row, i) => {
      const best = row.indexOf(Math.max(...row));
      if (best !== i) misses.push(`“${DESCRIPTIONS[i]}” scores ${PHOTOS[best]} highest, not ${PHOTOS[i]}`);
      row.forEach((v, j) => {
        if (i === CAMERA || j === CAMERA) return;
        if (Math.abs(v - PUBLISHED[i][j]) > 0.03) misses.push(`${DESCRIPTIONS[i]} × ${PHOTOS[j]}: ${v.toFixed(3)} vs published ${PUBLISHED[i][j]}`);
      });
    });
    assert.deepEqual(misses, []);
  } finally {
    await browser.close();
    await server.stop();
  }
});
