// §11 in a real browser: the reader drags the temperature and edits a score; every displayed
// probability must equal an independent JavaScript softmax, formatted the page's way.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage } from './harness.mjs';
import { formatPercent } from '../../web/src/format.js';

const server = await startServer();
const browser = await launchBrowser();
test.after(async () => { await browser.close(); await server.stop(); });

function softmax(scores, tau) {
  const m = Math.max(...scores);
  const e = scores.map((s) => Math.exp((s - m) / tau));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

async function readWidget(page) {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll('#softmax-widget tbody tr')];
    return {
      sliderValue: Number(document.getElementById('tau-slider').value),
      scores: rows.map((r) => Number(r.querySelector('.score-input').value)),
      percents: rows.map((r) => r.querySelector('.pct').textContent),
      gap: document.querySelector('[data-testid=gap-sentence]').textContent,
    };
  });
}

// Once the model is ready the widget shows live scores; these tests use the published
// figures, which the reader can pick (and edit) at any time.
async function showPublished(page) {
  await page.evaluate(() => window.clipx.ready);
  await page.getByLabel('OpenAI\'s published cat-photo figures (editable)').check();
  await page.locator('#softmax-widget .score-input').first().waitFor();
  await settle(page);
}

async function settle(page) {
  // Wait until the softmax section has painted its newest request (it may queue behind an
  // encoder run in the worker) and the painted numbers belong to the current slider position.
  await page.waitForFunction(() => window.clipx?.app && !window.clipx.app.softmax.busy);
  await page.waitForFunction(() => {
    const w = document.querySelector('[data-testid=gap-sentence]');
    const tau = 10 ** Number(document.getElementById('tau-slider').value);
    const shown = /τ = ([0-9.e-]+)/.exec(w.textContent);
    return shown && Math.abs(Number(shown[1]) - tau) / tau < 0.06;
  });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
}

test('the page runs its core as WebAssembly, cross-origin isolated', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  const wasmResponses = [];
  page.on('response', (r) => { if (new URL(r.url()).pathname.endsWith('.wasm')) wasmResponses.push(r); });
  await page.reload();
  await page.evaluate(() => window.clipx.ready);
  const status = await page.locator('#engine-status').textContent();
  assert.match(status, /WebAssembly core with SIMD/);
  assert.match(status, /cross-origin isolated/);
  assert.ok(await page.evaluate(() => self.crossOriginIsolated), 'page must be cross-origin isolated for ORT threads');
  const core = wasmResponses.find((r) => new URL(r.url()).pathname.endsWith('/wasm/clipcore.wasm'));
  assert.ok(core, 'clipcore.wasm was requested');
  assert.equal(core.headers()['content-type'], 'application/wasm');
  assert.deepEqual(problems, []);
  await context.close();
});

test('dragging the temperature updates every probability to the true softmax', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await showPublished(page);
  const slider = page.locator('#tau-slider');

  await slider.fill('-2');
  await settle(page);
  let w = await readWidget(page);
  assert.equal(w.sliderValue, -2);
  assert.match(w.gap, /a similarity gap of 0\.05 is a factor of e\^5\.00 ≈ 148 in probability/);
  assert.deepEqual(w.percents, softmax(w.scores, 0.01).map(formatPercent));

  // Keyboard, as a reader without a mouse would: each arrow press is one input event.
  await slider.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  for (const value of [-3, -2.5, -1.3, -0.5, 0]) {
    await slider.fill(String(value));
    await settle(page);
    w = await readWidget(page);
    const tau = 10 ** w.sliderValue;
    assert.deepEqual(w.percents, softmax(w.scores, tau).map(formatPercent), `tau ${tau}`);
  }
  w = await readWidget(page);
  assert.match(w.gap, /At τ = 1\.00, a similarity gap of 0\.05 is a factor of e\^0\.0500 ≈ 1\.05/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('editing a score re-ranks the labels and flags an invalid entry without losing it', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await showPublished(page);
  const scoreInputs = page.locator('#softmax-widget .score-input');
  await scoreInputs.nth(0).fill('0.40');  // the "page of text" row now beats the cat
  await settle(page);
  let w = await readWidget(page);
  assert.deepEqual(w.percents, softmax(w.scores, 10 ** w.sliderValue).map(formatPercent));
  assert.equal(await page.locator('#softmax-widget tbody tr.top .label-input').inputValue(), 'a page of text about segmentation');

  await scoreInputs.nth(1).fill('7');  // out of range: flagged, the last valid value is kept
  await page.locator('#softmax-widget [role=alert]').waitFor();
  assert.match(await page.locator('#softmax-widget [role=alert]').textContent(), /between −1 and 1/);
  assert.equal(await scoreInputs.nth(1).getAttribute('aria-invalid'), 'true');
  assert.equal(await scoreInputs.nth(1).inputValue(), '7', 'what the reader typed stays in the box');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the reader’s edits to the published table survive a live repaint and a switch to live and back', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await showPublished(page);
  const scoreInputs = page.locator('#softmax-widget .score-input');
  await scoreInputs.nth(0).fill('0.40');
  await settle(page);
  // A live refresh (here: the labels changed) repaints every live view, not this table.
  await page.evaluate(() => { const { app } = window.clipx; app.labels.setLabels(['red circle', 'blue square']); app.labelsChanged(); });
  await page.waitForFunction(() => window.clipx.app.isIdle());
  assert.equal(await scoreInputs.nth(0).inputValue(), '0.40');
  await page.getByLabel('your photo and labels').check();
  await page.waitForFunction(() => document.querySelectorAll('#softmax-widget tbody tr').length === 2);
  await page.getByLabel('OpenAI\'s published cat-photo figures (editable)').check();
  await scoreInputs.first().waitFor();
  await settle(page);
  assert.equal(await scoreInputs.nth(0).inputValue(), '0.4');
  const w = await readWidget(page);
  assert.deepEqual(w.percents, softmax(w.scores, 10 ** w.sliderValue).map(formatPercent));
  assert.deepEqual(problems, []);
  await context.close();
});

test('live labels: after a slider move and after a label edit, the label rows, the ranking and the table all show the true softmax', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await page.evaluate(() => window.clipx.ready);
  await page.waitForSelector('.model-status[data-state=ready]');
  const idle = () => page.waitForFunction(() => window.clipx.app?.isIdle());
  await idle();
  await page.evaluate(() => { const { app } = window.clipx; app.labels.setLabels(['red circle', 'blue square', 'green triangle', 'yellow star', 'purple cross']); app.labelsChanged(); });
  await idle();
  // Every view against a softmax computed here from the worker's cosines and the slider's τ.
  const check = async (what) => {
    await settle(page);
    const v = await page.evaluate(() => {
      const { app } = window.clipx;
      return {
        labels: app.live.labels.map((l) => l.label),
        scores: Array.from(app.live.result.scores),
        tau: app.softmax.tau,
        rows: [...document.querySelectorAll('.label-row')].map((li) => [li.querySelector('.label-text').value, li.querySelector('.row-prob').textContent]),
        ranking: [...document.querySelectorAll('[data-testid=predictions] li')].map((li) => [li.querySelector('.pred-label').textContent, li.querySelector('.pred-prob').textContent]),
        table: [...document.querySelectorAll('#softmax-widget tbody tr')].map((tr) => [tr.querySelector('.label-cell').textContent, tr.querySelector('.pct').textContent]),
      };
    });
    const expected = new Map(v.labels.map((l, i) => [l, formatPercent(softmax(v.scores, v.tau)[i])]));
    assert.equal(v.rows.length, v.labels.length, what);
    for (const [name, pairs] of [['label rows', v.rows], ['ranking', v.ranking], ['table', v.table]]) {
      assert.deepEqual(new Map(pairs), expected, `${what}: ${name}`);
    }
    const probs = v.ranking.map(([l]) => softmax(v.scores, v.tau)[v.labels.indexOf(l)]);
    assert.deepEqual(probs, [...probs].sort((a, b) => b - a), `${what}: ranking order`);
  };
  await page.locator('#tau-slider').fill('-1.3');
  await idle();
  await check('after the slider');
  await page.locator('.label-text').nth(1).fill('orange square');
  await idle();
  await check('after a label edit');
  await page.locator('#tau-slider').fill('-2.4');
  await idle();
  await check('after the slider again');
  assert.deepEqual(problems, []);
  await context.close();
});
