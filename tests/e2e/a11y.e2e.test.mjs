// Accessibility and layout: an axe-core scan of the live page with no serious or critical
// violations, keyboard reachability of the main controls, and no horizontal overflow from
// 360 px to 1920 px wide (screenshots land in build/screenshots for a human to look at).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, repoDir, webDir } from './harness.mjs';

const server = await startServer();
const browser = await launchBrowser();
test.after(async () => { await browser.close(); await server.stop(); });
const shotsDir = path.join(repoDir, 'build', 'screenshots');
fs.mkdirSync(shotsDir, { recursive: true });

async function openReady(viewport, extra = {}) {
  // bypassCSP only so axe's script can be injected; the page's own CSP is tested elsewhere.
  const context = await browser.newContext({ viewport, bypassCSP: true, serviceWorkers: 'block', ...extra });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(server.url);
  await page.evaluate(() => window.clipx.ready);
  await page.waitForSelector('.model-status[data-state=ready]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=predictions] li').length > 0);
  await page.waitForFunction(() => window.clipx.app?.isIdle());
  return { context, page, problems };
}

for (const scheme of ['light', 'dark']) {
  test(`axe finds no serious or critical violations (${scheme} scheme)`, async () => {
    const { context, page } = await openReady({ width: 1280, height: 900 }, { colorScheme: scheme });
    await page.addScriptTag({ path: path.join(webDir, 'node_modules', 'axe-core', 'axe.min.js') });
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const report = bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} [${n.any?.[0]?.message ?? ''}]`).join(' | ')}`);
    assert.deepEqual(report, []);
    await context.close();
  });
}

test('the main controls are reachable and usable from the keyboard', async () => {
  const { context, page } = await openReady({ width: 1280, height: 900 });
  const reached = new Set();
  for (let i = 0; i < 400 && reached.size < 6; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => {
      const el = document.activeElement;
      if (el?.id === 'tau-slider') return 'slider';
      if (el?.classList.contains('thumb')) return 'gallery';
      if (el?.classList.contains('label-text')) return 'label';
      if (el?.name === 'template') return 'template';
      if (el?.classList.contains('heat-grid')) return 'grid';
      if (el?.textContent === 'choose a file…') return 'upload';
      return null;
    });
    if (id) reached.add(id);
  }
  assert.deepEqual([...reached].sort(), ['gallery', 'grid', 'label', 'slider', 'template', 'upload']);
  // The slider moves with arrow keys and says its value in words.
  await page.locator('#tau-slider').focus();
  const before = await page.locator('#tau-slider').inputValue();
  await page.keyboard.press('ArrowLeft');
  assert.notEqual(await page.locator('#tau-slider').inputValue(), before);
  assert.match(await page.locator('#tau-slider').getAttribute('aria-valuetext'), /^tau \d/);
  await context.close();
});

for (const width of [360, 768, 1440, 1920]) {
  test(`layout holds at ${width} px wide`, async () => {
    const { context, page, problems } = await openReady({ width, height: 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `page scrolls sideways by ${overflow} px at ${width} px`);
    await page.screenshot({ path: path.join(shotsDir, `page-${width}.png`), fullPage: true });
    assert.deepEqual(problems, []);
    await context.close();
  });
}
