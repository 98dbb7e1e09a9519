// Benchmark (not a test): a cached reload of the page until the model is ready, with the
// worker's own timeline of that load and the tab's memory.
//   node bench/browser/model_load.bench.mjs [model] [--threads N] [--reloads N] [--new-tab] [--no-sw] [--incognito]
// Default model: random-vit-b32 (scripts/test.sh generates it), 2 threads, 5 reloads.
//
// The browser has an on-disk profile of its own, as a returning reader's has; --incognito uses
// a Playwright context instead, which keeps no compiled WebAssembly between visits.
//
// Memory is read from /proc for the tab's renderer process (the renderer with the largest
// resident set once the page is up; the others are Chromium's spare renderers):
//   peak RSS     VmHWM, reset before each reload (echo 5 > clear_refs), so it is that load's peak;
//                it counts Chromium's own code pages, which every renderer maps and shares.
//   peak private the largest RssAnon of any renderer, sampled every 10 ms: the tab's own memory,
//                what Chromium's task manager shows as its "memory footprint". It includes the
//                page being replaced while a reload tears it down.
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, launchProfileContext, repoDir } from '../../tests/e2e/harness.mjs';
import { statusKb as kb, resetPeak, rendererPids, privatePeakSampler } from './proc-memory.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args.splice(i, 2)[1]) : dflt; };
const threads = opt('--threads', 2);
const reloads = opt('--reloads', 5);
// --new-tab: open the page in a fresh tab each time (the previous one closed) instead of reloading.
const newTab = args.includes('--new-tab') && Boolean(args.splice(args.indexOf('--new-tab'), 1));
// --no-sw: block the page's service worker (the e2e tests do), to see its share.
const noServiceWorker = args.includes('--no-sw') && Boolean(args.splice(args.indexOf('--no-sw'), 1));
const incognito = args.includes('--incognito') && Boolean(args.splice(args.indexOf('--incognito'), 1));
const model = args[0] ?? 'random-vit-b32';
if (!fs.existsSync(path.join(repoDir, 'models', model, 'manifest.json'))) {
  console.error(`models/${model} is missing (scripts/test.sh generates random-vit-b32)`);
  process.exit(2);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const server = await startServer();
const contextOptions = noServiceWorker ? { serviceWorkers: 'block' } : {};
const context = incognito ? await (await launchBrowser()).newContext(contextOptions) : await launchProfileContext(contextOptions);
const browser = context.browser();
const cdp = await browser.newBrowserCDPSession();
const tabPid = async () => (await rendererPids(cdp)).map((pid) => [pid, kb(pid, 'VmRSS')]).sort((a, b) => b[1] - a[1])[0][0];

let page = context.pages()[0] ?? await context.newPage();
const url = `${server.url}?model=${encodeURIComponent(model)}&threads=${threads}`;
const ready = () => page.waitForFunction(() => performance.getEntriesByName('clipx:first-predictions').length > 0, null, { timeout: 300000 });
await page.goto(url);
await ready();   // first visit: the files go into IndexedDB
await page.waitForFunction(() => window.clipx.app.isIdle(), null, { timeout: 300000 });
// ... and ONNX Runtime's hot code into the browser's code cache: the first visit lasts until
// the worker's one-time warm-up has run, then 5 s, as a reader's would.
for (let i = 0; i < 600 && (await page.evaluate(() => window.clipx.ready.then(({ client }) => client.request('stats')))).warmUp === 'pending'; i++) {
  await new Promise((resolve) => setTimeout(resolve, 250));
}
await new Promise((resolve) => setTimeout(resolve, 5000));

const rows = [];
for (let r = 0; r < reloads; r++) {
  const pid = await tabPid();
  resetPeak(pid);
  const sampler = privatePeakSampler(cdp);
  const t0 = Date.now();
  if (newTab) {
    await page.close();
    page = await context.newPage();
    await page.goto(url);
  } else {
    await page.reload();
  }
  await ready();
  const pageMs = Date.now() - t0;
  const info = await page.evaluate(() => {
    const m = window.clipx.app.model;
    const nav = performance.getEntriesByType('navigation')[0];
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
    return { readyMs: m.readyMs, timeline: m.timeline ?? [], sources: m.sources,
      page: { math: at('clipx:math-rendered'), core: at('clipx:core-ready'), loadModel: at('clipx:load-model'), ready: at('clipx:model-ready'), predictions: at('clipx:first-predictions'), domContentLoaded: nav?.domContentLoadedEventEnd ?? NaN } };
  });
  await page.waitForFunction(() => window.clipx.app.isIdle(), null, { timeout: 300000 });
  const peakPrivate = sampler.peakKb;
  await sampler.stop();
  const now = await tabPid();
  rows.push({ ...info, pageMs, hwmMb: kb(now, 'VmHWM') / 1024, privateMb: peakPrivate / 1024, settledMb: kb(now, 'RssAnon') / 1024 });
}

const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`model ${model}, ${threads} thread(s), ${reloads} cached ${newTab ? 'visits in a new tab' : 'reloads'}, ${incognito ? 'incognito' : 'on-disk'} profile${noServiceWorker ? ', service worker blocked' : ''}; load average ${load}`);
const mid = rows.slice().sort((a, b) => a.page.ready - b.page.ready)[rows.length >> 1];
// Page milestones are performance marks, in ms since the navigation started.
console.log('| reload | page asks for the model | worker: load → ready | page: model ready | page: first predictions | ready → predictions | peak RSS | peak private | private once idle | sources |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
const ms = (x) => `${Number.isFinite(x) ? x.toFixed(0) : '—'} ms`;
rows.forEach((r, i) => console.log(`| ${i + 1} | ${ms(r.page.loadModel)} | ${ms(r.readyMs)} | ${ms(r.page.ready)} | ${ms(r.page.predictions)} | ${ms(r.page.predictions - r.page.ready)} | ${r.hwmMb.toFixed(0)} MB | ${r.privateMb.toFixed(0)} MB | ${r.settledMb.toFixed(0)} MB | ${Object.values(r.sources).join('/')} |`));
const med = (f) => ms(median(rows.map(f)));
console.log(`medians: page asks ${med((r) => r.page.loadModel)}, worker load → ready ${med((r) => r.readyMs)}, navigation → model ready ${med((r) => r.page.ready)}, → first predictions ${med((r) => r.page.predictions)}; peak RSS ${median(rows.map((r) => r.hwmMb)).toFixed(0)} MB, peak private ${median(rows.map((r) => r.privateMb)).toFixed(0)} MB, private once idle ${median(rows.map((r) => r.settledMb)).toFixed(0)} MB`);
console.log(`page start-up of the median reload (ms since navigation): formulas typeset ${ms(mid.page.math)}, core ready ${ms(mid.page.core)}, model asked for ${ms(mid.page.loadModel)}`);
console.log('timeline of the median reload (ms since the worker got loadModel):');
console.log('  ' + mid.timeline.map(([what, ms]) => `${what} ${ms}`).join(' · '));
await context.close();
if (incognito) await browser.close();
await server.stop();
