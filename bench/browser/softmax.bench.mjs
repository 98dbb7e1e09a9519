// Benchmark (not a test): the temperature slider with 10, 100 and 1000 labels in Chromium.
// Reports the WASM core's softmax time (measured inside the worker) and the time from the
// slider's input event to the new numbers laid out on the page.
//   node bench/browser/softmax.bench.mjs      (after scripts/build.sh)
import { startServer, launchBrowser, openPage } from '../../tests/e2e/harness.mjs';

const server = await startServer();
const browser = await launchBrowser();
const { page } = await openPage(browser, server.url);
await page.evaluate(() => window.clipx.ready);

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; };

console.log('labels | core softmax median / p95 (ms) | input → laid-out numbers median / p95 (ms)');
for (const n of [10, 100, 1000]) {
  const r = await page.evaluate(async (n) => {
    const { softmax } = await window.clipx.ready;
    const rows = Array.from({ length: n }, (_, i) => ({ label: `label ${i}`, score: 0.15 + 0.2 * Math.abs(Math.sin(i * 12.9898)) }));
    await softmax.setRows(rows);
    const slider = document.getElementById('tau-slider');
    // On screen, as for a reader dragging it (widgets out of view are not laid out).
    slider.scrollIntoView({ block: 'center' });
    await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
    const core = [], total = [];
    for (let i = 0; i < 80; i++) {
      const painted = new Promise((res) => softmax.root.addEventListener('softmax-painted', res, { once: true }));
      const t0 = performance.now();
      slider.value = String(-3 + (3 * (i % 40)) / 40);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      await painted;
      void document.body.offsetHeight;  // force style and layout of the new numbers
      total.push(performance.now() - t0);
      core.push(softmax.lastTiming.coreMs);
    }
    return { core: core.slice(10), total: total.slice(10) };
  }, n);
  console.log(`${String(n).padStart(6)} | ${median(r.core).toFixed(3)} / ${p95(r.core).toFixed(3)} | ${median(r.total).toFixed(2)} / ${p95(r.total).toFixed(2)}`);
}
await browser.close();
await server.stop();
