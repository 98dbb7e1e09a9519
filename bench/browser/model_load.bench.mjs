// Benchmark (not a test): a cached reload of the page until the model is ready, with the
// worker's own timeline of that load and the tab's memory.
//   node bench/browser/model_load.bench.mjs [model] [--threads N] [--reloads N]
// Default model: random-vit-b32 (scripts/test.sh generates it), 2 threads, 5 reloads.
//
// Memory is read from /proc for the tab's renderer process (the renderer with the largest
// resident set once the page is up; the others are Chromium's spare renderers):
//   peak RSS     VmHWM, reset before each reload (echo 5 > clear_refs), so it is that load's peak;
//                it counts Chromium's own code pages, which every renderer maps and shares.
//   peak private the largest RssAnon seen while sampling every 10 ms: the tab's own memory,
//                what Chromium's task manager shows as its "memory footprint".
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, repoDir } from '../../tests/e2e/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args.splice(i, 2)[1]) : dflt; };
const threads = opt('--threads', 2);
const reloads = opt('--reloads', 5);
const model = args[0] ?? 'random-vit-b32';
if (!fs.existsSync(path.join(repoDir, 'models', model, 'manifest.json'))) {
  console.error(`models/${model} is missing (scripts/test.sh generates random-vit-b32)`);
  process.exit(2);
}

const kb = (pid, field) => {
  try { return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch { return NaN; }
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const server = await startServer();
const browser = await launchBrowser();
const cdp = await browser.newBrowserCDPSession();
const renderers = async () => (await cdp.send('SystemInfo.getProcessInfo')).processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
const tabPid = async () => (await renderers()).map((pid) => [pid, kb(pid, 'VmRSS')]).sort((a, b) => b[1] - a[1])[0][0];

const context = await browser.newContext();
const page = await context.newPage();
const url = `${server.url}?model=${encodeURIComponent(model)}&threads=${threads}`;
const ready = () => page.waitForFunction(() => window.clipx?.app?.model && document.querySelector('[data-testid=predictions] li'), null, { timeout: 300000 });
await page.goto(url);
await ready();   // first visit: the files go into IndexedDB
await page.waitForFunction(() => window.clipx.app.isIdle(), null, { timeout: 300000 });

const rows = [];
for (let r = 0; r < reloads; r++) {
  const pid = await tabPid();
  try { fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* peak then spans the tab's life */ }
  let peakPrivate = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const p of await renderers()) if (p === pid) peakPrivate = Math.max(peakPrivate, kb(p, 'RssAnon'));
      await new Promise((res) => setTimeout(res, 10));
    }
  })();
  const t0 = Date.now();
  await page.reload();
  await ready();
  const pageMs = Date.now() - t0;
  const info = await page.evaluate(() => {
    const m = window.clipx.app.model;
    const nav = performance.getEntriesByType('navigation')[0];
    return { readyMs: m.readyMs, timeline: m.timeline ?? [], sources: m.sources, sinceNavigation: window.clipx.app.modelReadyAt ?? null, navStart: nav?.startTime ?? 0 };
  });
  await page.waitForFunction(() => window.clipx.app.isIdle(), null, { timeout: 300000 });
  sampling = false;
  await sampler;
  const now = await tabPid();
  rows.push({ ...info, pageMs, hwmMb: kb(now, 'VmHWM') / 1024, privateMb: peakPrivate / 1024, pidChanged: now !== pid });
}

const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`model ${model}, ${threads} thread(s), ${reloads} cached reloads; load average ${load}`);
console.log('| reload | worker load → ready | reload → first predictions | peak RSS | peak private | sources |');
console.log('|---|---|---|---|---|---|');
rows.forEach((r, i) => console.log(`| ${i + 1} | ${r.readyMs.toFixed(0)} ms | ${r.pageMs} ms | ${r.hwmMb.toFixed(0)} MB | ${r.privateMb.toFixed(0)} MB | ${Object.values(r.sources).join('/')} |`));
console.log(`median: load → ready ${median(rows.map((r) => r.readyMs)).toFixed(0)} ms, reload → first predictions ${median(rows.map((r) => r.pageMs))} ms, peak RSS ${median(rows.map((r) => r.hwmMb)).toFixed(0)} MB, peak private ${median(rows.map((r) => r.privateMb)).toFixed(0)} MB`);
console.log('timeline of the median reload (ms since the worker got loadModel):');
const mid = rows.slice().sort((a, b) => a.readyMs - b.readyMs)[rows.length >> 1];
console.log('  ' + mid.timeline.map(([what, ms]) => `${what} ${ms}`).join(' · '));
await browser.close();
await server.stop();
