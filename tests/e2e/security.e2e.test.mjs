// The Content-Security-Policy and hostile input. The page must carry the policy of
// web/csp.js (as a <meta> and, from the project's server, as a header), raise no violation in
// normal use, and render whatever a reader or a crafted link supplies as text: nothing typed
// into a label, put into the URL or used as a file name may execute.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, repoDir } from './harness.mjs';
import { CSP, CSP_META } from '../../web/csp.js';

const server = await startServer();
const browser = await launchBrowser();
test.after(async () => { await browser.close(); await server.stop(); });
// The embedded tiny model, named explicitly: these tests are about what runs, not which model.
const pageUrl = `${server.url}?model=tiny`;

const HOSTILE = [
  '<img src=x onerror="window.__pwned=1">',
  '"><svg onload="window.__pwned=2">',
  '<script>window.__pwned=3</script>',
  'javascript:window.__pwned=4',
  '{{constructor.constructor("window.__pwned=5")()}}',
];

/** A fresh context whose pages record CSP violations and every way a payload could fire. */
async function open(url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.effectiveDirective}: ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
    for (const name of ['alert', 'confirm', 'prompt']) window[name] = () => { window.__pwned = `${name}`; };
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss().catch(() => {}); });
  await page.goto(url);
  return { context, page, problems };
}

async function ready(page) {
  await page.evaluate(async () => { window.__clipxApp = (await window.clipx.ready).app; });
  await page.waitForSelector('.model-status[data-state=ready]', { timeout: 60000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=predictions] li').length > 0, null, { timeout: 60000 });
  await settled(page);
}

async function settled(page) {
  // Playwright does not await an async predicate (a Promise is truthy): poll a plain one.
  await page.waitForFunction(() => window.__clipxApp?.isIdle());
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

/** Everything that would show a payload ran or became markup. */
const injected = (page) => page.evaluate(() => ({
  pwned: window.__pwned ?? null,
  imgX: document.querySelectorAll('img[src="x"]').length,
  svgOnload: document.querySelectorAll('svg[onload], [onerror], [onload]').length,
  foreignScripts: [...document.scripts].filter((s) => !s.src || new URL(s.src).origin !== location.origin).length,
}));
const CLEAN = { pwned: null, imgX: 0, svgOnload: 0, foreignScripts: 0 };

test('the page carries the policy of web/csp.js, as a <meta> and as a header', async () => {
  const res = await fetch(server.url);
  assert.equal(res.headers.get('content-security-policy'), CSP);
  const html = await res.text();
  assert.ok(html.includes(CSP_META), 'index.html has the <meta> policy');
  assert.ok(html.indexOf(CSP_META) < html.indexOf('<script'), 'the <meta> comes before any script');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline <script> in the page');
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handlers in the page');
  // The policy itself: no inline or eval'd script, WASM compilation allowed, no plugins.
  const directives = Object.fromEntries(CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['script-src'], ["'self'", "'wasm-unsafe-eval'"]);
  assert.deepEqual(directives['object-src'], ["'none'"]);
  assert.deepEqual(directives['base-uri'], ["'self'"]);
  assert.ok(!CSP.includes("'unsafe-eval'") && !CSP.includes("'unsafe-inline'"), 'neither unsafe-eval nor unsafe-inline');
  const worker = await fetch(new URL('ort/ort-wasm-simd-threaded.mjs', server.url));
  assert.equal(worker.headers.get('content-security-policy'), CSP, 'workers get the policy too (a <meta> only binds the document)');
});

test('normal use raises no CSP violation: worker, WASM core, ONNX Runtime threads, KaTeX fonts', async () => {
  const { context, page, problems } = await open(pageUrl);
  await ready(page);
  const info = await page.evaluate(async () => (await window.clipx.ready).info);
  assert.equal(info.engine, 'wasm');
  assert.equal(info.crossOriginIsolated, true);
  if (info.hardwareConcurrency > 1) {
    const threads = await page.evaluate(async () => (await window.clipx.ready).app.model.threads);
    assert.ok(threads > 1, `ONNX Runtime runs its thread workers under the policy (${threads} threads)`);
  }
  // KaTeX typeset the formulas and its bundled fonts loaded.
  assert.ok(await page.locator('.katex').count() >= 2);
  await page.evaluate(() => document.fonts.ready);
  assert.ok(await page.evaluate(() => [...document.fonts].some((f) => /KaTeX/.test(f.family) && f.status === 'loaded')), 'a KaTeX font loaded');
  // A tour of the live parts.
  const thumbs = page.locator('.thumb');
  if (await thumbs.count() > 1) await thumbs.nth(1).click();
  await page.locator('.label-text').first().fill('a purple star');
  await settled(page);
  await page.locator('#tau-slider').fill('-1.5');
  await settled(page);
  const compare = page.getByRole('button', { name: /compare/i });
  if (await compare.count()) {
    await compare.first().click();
    await settled(page);
  }
  await page.mouse.wheel(0, 4000);
  await page.waitForTimeout(300);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the policy is live: inline script, inline handlers and eval are refused', async () => {
  const { context, page } = await open(pageUrl);
  await page.evaluate(() => window.clipx.ready);
  const r = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.head.append(s);
    const div = document.createElement('div');
    div.innerHTML = '<img src="data:," onerror="window.__handler = 1" onload="window.__handler = 1">';
    document.body.append(div);
    // Code evaluated by the test harness itself is exempt from the eval check, so string
    // code is compiled from a page task instead: a click handler calling eval.
    const button = document.createElement('button');
    button.addEventListener('click', () => {
      try { window.__evalResult = (0, eval)('"ran"'); } catch (err) { window.__evalResult = err.name; }
      try { window.__fnResult = new Function('return "ran"')(); } catch (err) { window.__fnResult = err.name; }
    });
    document.body.append(button);
    button.id = 'csp-eval-probe';
    await new Promise((r) => setTimeout(r, 300));
    div.remove();
    return { inline: window.__inline ?? null, handler: window.__handler ?? null };
  });
  await page.locator('#csp-eval-probe').click();
  // Violation reports arrive as events, later on a busy machine: wait for them (the
  // assertions below still fail if they never come).
  await page.waitForFunction(() => ['script-src-elem', 'script-src-attr', 'script-src']
    .every((d) => window.__violations.some((v) => v.startsWith(`${d}:`))), null, { timeout: 5000 }).catch(() => {});
  const evals = await page.evaluate(() => ({ evalResult: window.__evalResult, fnResult: window.__fnResult, violations: window.__violations }));
  assert.equal(r.inline, null, 'an injected inline <script> does not run');
  assert.equal(r.handler, null, 'an injected inline event handler does not run');
  assert.equal(evals.evalResult, 'EvalError', 'eval is refused');
  assert.equal(evals.fnResult, 'EvalError', 'new Function is refused');
  for (const directive of ['script-src-elem', 'script-src-attr', 'script-src']) {
    assert.ok(evals.violations.some((v) => v.startsWith(`${directive}:`)), `a ${directive} violation was reported: ${evals.violations}`);
  }
  await context.close();
});

test('hostile labels, URL state and file names are shown as text and never run', async () => {
  const q = new URLSearchParams();
  for (const h of HOSTILE) q.append('label', h);
  q.append('labels', '<script>window.__pwned=6</script>');
  q.set('photo', 'javascript:window.__pwned=7');
  q.set('template', '<img src=x onerror="window.__pwned=8">');
  q.set('tau', '<svg onload="window.__pwned=9">');
  q.set('model', 'tiny');
  q.set('threads', '<script>window.__pwned=10</script>');
  const { context, page, problems } = await open(`${server.url}?${q}`);
  await ready(page);
  const labels = await page.locator('.label-text').evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(labels, HOSTILE, 'the URL labels arrive verbatim, as text');
  assert.deepEqual(await injected(page), CLEAN);
  const shown = await page.locator('[data-testid=predictions] .pred-label').allTextContents();
  assert.ok(HOSTILE.every((h) => shown.includes(h)), 'the predictions show the labels as literal text');

  // Typed by a reader.
  await page.locator('.label-text').nth(0).fill('<img src=x onerror="window.__pwned=11">');
  await page.locator('.label-text').nth(1).fill('<iframe src="javascript:window.top.__pwned=12"></iframe>');
  await settled(page);
  assert.deepEqual(await injected(page), CLEAN);
  assert.equal(await page.locator('iframe').count(), 0);

  // File names: a real image, and a file that is not an image (its name goes into an error).
  const png = fs.readFileSync(path.join(repoDir, 'models', 'tiny', 'samples', '000_red_circle.png'));
  const photoInput = page.locator('.photo-picker input[type=file]').first();
  const imageName = '<img src=x onerror="window.__pwned=13">.png';
  await photoInput.setInputFiles({ name: imageName, mimeType: 'image/png', buffer: png });
  await page.waitForFunction((n) => document.querySelector('[data-testid=photo-current]')?.textContent.includes(n), imageName);
  await settled(page);
  const junkName = '<svg onload="window.__pwned=14">.png';
  await photoInput.setInputFiles({ name: junkName, mimeType: 'image/png', buffer: Buffer.from('not a picture at all') });
  await page.waitForFunction((n) => document.querySelector('[data-testid=photo-message]')?.textContent.includes(n), junkName);
  assert.deepEqual(await injected(page), CLEAN);

  // The share link carries the hostile labels; opening it is just as harmless.
  const link = await page.evaluate(async () => {
    const { app } = await window.clipx.ready;
    return app.labels.texts;
  });
  const share = new URL(pageUrl);
  for (const l of link) share.searchParams.append('label', l);
  await page.goto(share.href);
  await ready(page);
  assert.deepEqual(await page.locator('.label-text').evaluateAll((els) => els.map((e) => e.value)), link);
  assert.deepEqual(await injected(page), CLEAN);
  assert.deepEqual(await page.evaluate(() => window.__violations), [], 'nothing even tried to run (no violation)');
  assert.deepEqual(problems, []);
  await context.close();
});
