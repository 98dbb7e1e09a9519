// Benchmark (not a test): our page versus the same interactive job written with transformers.js
// (bench/transformers-js/), in one run, one Chromium, the same model files (the random-weight
// ViT-B/32 from scripts/make_random_vitb32.py, uint8 *_quantized.onnx), at 1 and 2 ORT threads.
//
//   node bench/browser/vs_transformers.bench.mjs [--reps 3] [--edits 5] [--taus 15] [--threads 1,2] [--impls ours,tjs] [--rounds 1]
// after scripts/build.sh, nice /usr/bin/python3 scripts/make_random_vitb32.py, and
// (cd bench/transformers-js && npm ci --ignore-scripts). Prints a markdown table and writes it
// to bench/results/vs_transformers.md (+ .json with every sample).
//
// Per implementation and thread count, in a fresh browser with an on-disk profile of its own (as
// a returning reader has; Playwright's incognito contexts keep no compiled WebAssembly between
// visits, so each visit would compile ONNX Runtime again, for either page):
//   1. a first visit loads the model once, so it is cached (our page: IndexedDB;
//      transformers.js: its Cache Storage entries), and lasts until the page has finished what
//      it does in the background (our page: its gallery's batch matrix, and on a first visit the
//      warm-up that gets ONNX Runtime's hot code optimised; transformers.js: nothing) and 5 s
//      more, for the browser to write the compiled code to its cache, as a reader's first visit
//      would; then that tab is closed;
//   2. a new tab is opened and reloaded (page.reload(), as a reader presses it), --reps loads in
//      all; each load records, from navigation
//      start: "model ready" (our model-status box turns ready / transformers.js's four
//      from_pretrained calls resolve) and "first probabilities" for chelsea.png × 10 labels (our
//      page opens a shareable link naming its gallery photo chelsea — the same bytes — and the
//      labels; the transformers.js page is handed the photo and labels as soon as it is ready);
//   3. on the last load, once our page's background work is done: a new photo with 10 new labels,
//      label edits, temperature moves, photo swaps (5 photos no cache has seen);
//   4. peak memory of the tab: VmHWM (peak resident set) of the tab's renderer process, read from
//      /proc/<pid>/status; renderer pids from CDP SystemInfo.getProcessInfo, the tab's being the
//      largest once loaded (the warm-up tab's renderer has exited by then). Dedicated workers and
//      ORT's thread pool live in that process. VmHWM is reset (clear_refs) before each reload and
//      before the interactions, so the table gives: opening the page in a new tab (process peak
//      from its start), interactions, and a reload (which starts with the old page resident).
//      Alongside, the peak private memory: every renderer's RssAnon sampled every 10 ms per
//      phase (no shared code pages; not subject to VmHWM's lazy updates).
// Our page is driven through window.clipx (app.setPhoto, app.labels, app.refresh, softmax.setTau);
// the transformers.js page through window.tjs (see bench/transformers-js/main.js for its two
// modes, "naive" — every change re-runs both encoders like transformers.js's zero-shot pipeline —
// and "cached" — embeddings kept by hand). Timings are medians.
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { launchProfileContext, repoDir, webDir } from '../../tests/e2e/harness.mjs';
import { prepareModelDir, startStaticServer, sharedDir, versions } from '../transformers-js/serve.mjs';
import { statusKb, resetPeak, rendererPids, privatePeakSampler } from './proc-memory.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const MODEL = 'random-vit-b32';
const REPS = Number(arg('--reps', 3));
const EDITS = Number(arg('--edits', 5));
const TAUS = Number(arg('--taus', 15));
const THREADS = String(arg('--threads', '1,2')).split(',').map(Number);
const IMPLS = String(arg('--impls', 'ours,tjs')).split(',');
const ROUNDS = Number(arg('--rounds', 1));
const LABELS = ['cat', 'dog', 'car', 'tree', 'house', 'bird', 'boat', 'airplane', 'horse', 'coffee cup'];
const FIRST_PHOTO = 'chelsea.png';
const SWAP_PHOTOS = ['astronaut.png', 'camera.png', 'coffee.png', 'horse.png', 'rocket.jpg'];
const imagesDir = path.join(sharedDir, 'reference', 'images');

if (!fs.existsSync(path.join(repoDir, 'models', MODEL, 'manifest.json'))) {
  console.error(`models/${MODEL}/ is missing: run  nice /usr/bin/python3 scripts/make_random_vitb32.py`);
  process.exit(1);
}

const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Photos are files on both servers (under /__bench-photos/), fetched by the page before its
// interactions (and, for transformers.js, while its model loads). An init script carrying them
// as base64 made every navigation parse ~2.7 MB of script and kept the strings in the tab (about
// 40 MB more private memory). Caches key images by SHA-256, so every photo used for a swap (and
// the one for the from-scratch classification) is a copy of a reference photo with a text chunk
// (PNG tEXt / JPEG COM) added: the same pixels, bytes no page has seen (our page's gallery holds
// the originals).
function withComment(bytes, text) {
  const b = Buffer.from(bytes);
  if (b[0] === 0x89 && b[1] === 0x50) {            // PNG: a tEXt chunk right after IHDR
    const data = Buffer.from(`Comment\0${text}`, 'latin1');
    const chunk = Buffer.alloc(12 + data.length);
    chunk.writeUInt32BE(data.length, 0);
    chunk.write('tEXt', 4, 'latin1');
    data.copy(chunk, 8);
    chunk.writeUInt32BE(zlib.crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
    const ihdrEnd = 8 + 12 + b.readUInt32BE(8);
    return Buffer.concat([b.subarray(0, ihdrEnd), chunk, b.subarray(ihdrEnd)]);
  }
  if (b[0] === 0xff && b[1] === 0xd8) {            // JPEG: a COM segment right after SOI
    const data = Buffer.from(text, 'latin1');
    const seg = Buffer.alloc(4 + data.length);
    seg.writeUInt16BE(0xfffe, 0);
    seg.writeUInt16BE(2 + data.length, 2);
    data.copy(seg, 4);
    return Buffer.concat([b.subarray(0, 2), seg, b.subarray(2)]);
  }
  throw new Error('neither PNG nor JPEG');
}
const read = (n) => fs.readFileSync(path.join(imagesDir, n));
const PHOTOS = {
  [FIRST_PHOTO]: read(FIRST_PHOTO),
  scratch: withComment(read(FIRST_PHOTO), 'clipx bench: from scratch'),
  ...Object.fromEntries(SWAP_PHOTOS.map((n) => [`swap:${n}`, withComment(read(n), 'clipx bench: swap')])),
};
const photoFile = (name) => name.replace(/[^\w.-]/g, '_');
const photosDir = path.join(repoDir, 'bench', 'results', 'bench-photos');
fs.rmSync(photosDir, { recursive: true, force: true });
fs.mkdirSync(photosDir, { recursive: true });
for (const [name, bytes] of Object.entries(PHOTOS)) fs.writeFileSync(path.join(photosDir, photoFile(name)), bytes);
const FRESH_LABELS = LABELS.map((l) => `${l}, seen fresh`);

// The init script also timestamps, from navigation start, the moment the page's `ready` promise
// settles (window.clipx / window.tjs are caught as they are assigned). Our page's "model ready"
// is its own performance mark, set as its model-status box turns ready (sessions created).
const initScript = `
window.__benchPhotos = ${JSON.stringify(Object.keys(PHOTOS).map((name) => [name, photoFile(name)]))};
window.__t = {};
for (const name of ['clipx', 'tjs']) {
  let value;
  Object.defineProperty(window, name, { configurable: true, get: () => value, set: (v) => {
    value = v;
    Promise.resolve(v && v.ready).then(() => { window.__t.readyResolved = performance.now(); }, () => {});
  } });
}
// Our worker's progress events: 'sessions' = every model file read (from cache), sessions next.
window.__t.progress = [];
if (window.Worker) {
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        if (e.data && e.data.event === 'progress') window.__t.progress.push([performance.now(), e.data.payload && e.data.payload.phase]);
      });
    }
  };
}
`;

// ---- in-page drivers ------------------------------------------------------------------------
// Each runs inside the page (page.evaluate); performance.now() counts from navigation start.
const fetchPhotos = async () => {
  if (window.__bytes) return;
  const bytes = {};
  await Promise.all(window.__benchPhotos.map(async ([name, file]) => {
    const res = await fetch(`/__bench-photos/${file}`);
    if (!res.ok) throw new Error(`bench photo ${file}: HTTP ${res.status}`);
    bytes[name] = new Uint8Array(await res.arrayBuffer());
  }));
  window.__bytes = bytes;
};

// Until our page's background work (its gallery's batch matrix, the worker's one-time warm-up)
// is done and no scoring is in flight: the warm-up has run and the worker's run counters stay
// still for 1 s.
const settleOurs = async () => {
  const { app, client } = await window.clipx.ready;
  let last = '';
  for (let still = 0; still < 4;) {
    await new Promise((r) => setTimeout(r, 250));
    const stats = await client.request('stats');
    const s = JSON.stringify(stats);
    if (s === last && app.isIdle() && stats.warmUp !== 'pending') still++; else { still = 0; last = s; }
  }
};

const drivers = {
  ours: {
    // A shareable link: the page opens straight onto this photo (from its gallery, the same
    // bytes as the reference file) and these 10 labels.
    url: (base, threads) => `${base}?${new URLSearchParams([['model', MODEL], ['threads', String(threads)], ['photo', FIRST_PHOTO.replace(/\.\w+$/, '')],
      ...LABELS.map((l) => ['label', l]), ['template', 'photo'], ['tau', '0.01']])}`,
    async load({ labels }) {
      while (!window.clipx) await new Promise((r) => setTimeout(r, 2));
      const { app, info } = await window.clipx.ready;
      const t = window.__t;
      const ok = !!app.model && app.photo?.id === 'chelsea' && app.live?.labels.map((l) => l.label).join('|') === labels.join('|')
        && app.live.result?.softmax?.probs?.length === labels.length;
      const filesRead = t.progress.find(([, phase]) => phase === 'sessions')?.[0];
      // Our page marks the moment its model-status box turns ready (clipx:model-ready); reading
      // the mark replaces a document-wide MutationObserver that taxed our page's construction.
      const modelReady = performance.getEntriesByName('clipx:model-ready')[0]?.startTime ?? NaN;
      return { modelReadyAt: modelReady, firstProbsAt: t.readyResolved, first: t.readyResolved - modelReady, ok,
        filesReadAt: filesRead, loadModelMs: app.model?.readyMs, sources: app.model?.sources,
        threads: app.model?.threads, isolated: info.crossOriginIsolated };
    },
    async settle() { await settleOurs(); },
    async interact({ edits, taus, swaps, fresh }) {
      await fetchPhotos();
      const { app } = await window.clipx.ready;
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      const settle = settleOurs;
      const out = { scratch: [], edit: [], editTyped: [], tau: [], swap: [], checks: [] };
      await settle();
      out.settledAt = performance.now();
      // From scratch on an idle page: a photo and 10 labels never seen.
      app.labels.setLabels(fresh);
      let t0 = performance.now();
      await app.setPhoto({ kind: 'upload', name: 'scratch', bytes: window.__bytes.scratch });
      void document.body.offsetHeight;
      out.scratch.push(performance.now() - t0);
      out.checks.push(app.live.labels.map((l) => l.label).join('|') === fresh.join('|'));
      // A label edit, scored at once (app.refresh(), no typing debounce).
      for (let i = 0; i < edits; i++) {
        await settle();
        const row = app.labels.rows[i % app.labels.rows.length];
        const text = `edited label number ${i}`;
        row.text = text;
        row.els.li.querySelector('input').value = text;
        t0 = performance.now();
        await app.refresh();
        void document.body.offsetHeight;
        out.edit.push(performance.now() - t0);
        out.checks.push(app.live.labels.some((l) => l.label === text));
      }
      // The same as a reader types it: the input event and whatever the page does with it.
      for (let i = 0; i < edits; i++) {
        await settle();
        const row = app.labels.rows[(i + 5) % app.labels.rows.length];
        const input = row.els.li.querySelector('input');
        const text = `typed label number ${i}`;
        const painted = new Promise((resolve) => {
          const orig = app.paintLive;
          app.paintLive = function paintLive(...a) {
            orig.apply(this, a);
            if (this.live.labels.some((l) => l.label === text)) { app.paintLive = orig; resolve(); }
          };
        });
        input.value = text;
        t0 = performance.now();
        input.dispatchEvent(new Event('input', { bubbles: true }));
        await painted;
        void document.body.offsetHeight;
        out.editTyped.push(performance.now() - t0);
      }
      // The temperature: only the softmax runs again.
      await settle();
      for (let i = 0; i < taus; i++) {
        t0 = performance.now();
        await app.softmax.setTau(10 ** (-2.3 + 0.07 * i));
        void document.body.offsetHeight;
        out.tau.push(performance.now() - t0);
        await sleep(30);
      }
      // A photo never seen: the vision encoder runs, every label vector comes from the cache.
      for (const name of swaps) {
        await settle();
        t0 = performance.now();
        await app.setPhoto({ kind: 'upload', name, bytes: window.__bytes[name] });
        void document.body.offsetHeight;
        out.swap.push(performance.now() - t0);
        out.checks.push(app.photo.name === name && app.live.result.softmax.probs.length === 10);
      }
      await settle();
      return out;
    },
  },

  tjs: {
    url: (base, threads) => `${base}?model=${MODEL}&threads=${threads}`,
    async settle() {},   // nothing runs in the background
    async load({ labels, photo }) {
      await fetchPhotos();
      while (!window.tjs) await new Promise((r) => setTimeout(r, 2));
      const info = await window.tjs.ready;
      window.tjs.mode = 'naive';
      const probs = await window.tjs.setAll(window.__bytes[photo], labels);
      const t1 = performance.now();
      const t = window.__t;
      return { modelReadyAt: t.readyResolved, firstProbsAt: t1, first: t1 - t.readyResolved, ok: probs?.length === labels.length,
        loadModelMs: info.loadMs, threads: info.threads, isolated: info.crossOriginIsolated };
    },
    async interact({ edits, taus, swaps, labels, fresh }) {
      const api = window.tjs;
      const pause = () => new Promise((r) => setTimeout(r, 150));
      const res = {};
      for (const mode of ['naive', 'cached']) {
        api.mode = mode;
        const out = { scratch: [], edit: [], tau: [], swap: [] };
        await pause();
        let t0 = performance.now();
        await api.setAll(window.__bytes.scratch, fresh);
        out.scratch.push(performance.now() - t0);
        const current = [...labels];
        await api.setLabels(current);
        for (let i = 0; i < edits; i++) {
          await pause();
          current[i % current.length] = `edited label number ${i}`;
          t0 = performance.now();
          await api.setLabels(current);
          out.edit.push(performance.now() - t0);
        }
        for (let i = 0; i < (mode === 'naive' ? Math.min(taus, 5) : taus); i++) {
          await pause();
          t0 = performance.now();
          await api.setTau(10 ** (-2.3 + 0.07 * i));
          out.tau.push(performance.now() - t0);
        }
        for (const name of swaps) {
          await pause();
          t0 = performance.now();
          await api.setPhoto(window.__bytes[name]);
          out.swap.push(performance.now() - t0);
        }
        res[mode] = out;
      }
      return res;
    },
  },
};
// Methods become page-side function source; fetchPhotos and settleOurs travel with them.
for (const d of Object.values(drivers)) {
  for (const k of ['load', 'interact', 'settle']) d[k] = d[k].toString().replace(/^async (load|interact|settle)\(/, 'async function $1(');
}
const inPage = (page, fnSource, argObj) =>
  page.evaluate(`(() => { const fetchPhotos = ${fetchPhotos.toString()}; const settleOurs = ${settleOurs.toString()}; return (${fnSource})(${JSON.stringify(argObj)}); })()`);

// ---- one implementation at one thread count ---------------------------------------------------
async function scenario(impl, threads, base, external) {
  const d = drivers[impl];
  const url = d.url(base, threads);
  const context = await launchProfileContext();
  browserVersion = context.browser().version();
  const cdp = await context.browser().newBrowserCDPSession();
  context.on('request', (r) => { const u = r.url(); if (/^https?:/.test(u) && !u.startsWith(ourServer.url) && !u.startsWith(tjsServer.url)) external.push(u); });
  await context.addInitScript(initScript);
  const problems = [];
  const watch = (page) => page.on('pageerror', (e) => problems.push(e.message));

  // 1. the first visit: the model goes into the page's cache, the compiled code into the browser's
  const warm = context.pages()[0] ?? await context.newPage();
  watch(warm);
  await warm.goto(url, { waitUntil: 'commit' });
  const warmRun = await inPage(warm, d.load, { labels: LABELS, photo: FIRST_PHOTO });
  await inPage(warm, d.settle, {});
  await sleep(5000);
  await warm.close();
  // Wait for the warm-up tab's renderer to exit (no renderer holds a model any more).
  for (let i = 0; i < 40 && Math.max(0, ...[...(await rendererPids(cdp))].map((p) => statusKb(p, 'VmRSS'))) > 300 * 1024; i++) await sleep(250);
  await sleep(500);

  // 2. the measured tab: open, then reload REPS-1 times. The tab's peak memory is followed per
  //    phase: VmHWM is reset (echo 5 > /proc/<pid>/clear_refs) before each reload and before the
  //    interactions.
  // The tab's renderer: after a load, the renderer with the largest resident set (the other
  // renderers alive are Chromium's blank and spare ones, ~80-150 MB; the tab may well have been
  // given a spare that was started before it was opened).
  const page = await context.newPage();
  watch(page);
  const tabPid = async () => [...(await rendererPids(cdp))]
    .map((pid) => ({ pid, rss: statusKb(pid, 'VmRSS') })).sort((a, b) => b.rss - a.rss)[0]?.pid;
  const loads = [];
  const mem = { loads: [], privateLoads: [], interact: NaN, privateInteract: NaN, pids: [] };
  const sampler = privatePeakSampler(cdp);
  for (let r = 0; r < REPS; r++) {
    const pidBefore = r ? await tabPid() : null;
    if (pidBefore) resetPeak(pidBefore);
    sampler.reset();
    // A reload, as a reader presses it: navigating to the same URL again would instead keep the
    // previous page in the back/forward cache, resident in the same process.
    if (r === 0) await page.goto(url, { waitUntil: 'commit' });
    else await page.reload({ waitUntil: 'commit' });
    loads.push(await inPage(page, d.load, { labels: LABELS, photo: FIRST_PHOTO }));
    const pid = await tabPid();
    // A reload that moved the tab to another process starts that process's peak from zero.
    mem.loads.push(statusKb(pid, 'VmHWM'));
    mem.pids.push(pid);
    await sleep(500);
    mem.privateLoads.push(sampler.peakKb);
  }

  // 3. interactions on the last load
  const pid = await tabPid();
  mem.settledRss = statusKb(pid, 'VmRSS');
  resetPeak(pid);
  sampler.reset();
  const inter = await inPage(page, d.interact, { edits: EDITS, taus: TAUS, swaps: SWAP_PHOTOS.map((n) => `swap:${n}`), labels: LABELS, fresh: FRESH_LABELS });
  mem.interact = statusKb(pid, 'VmHWM');
  mem.privateInteract = sampler.peakKb;
  mem.settledPrivate = statusKb(pid, 'RssAnon');
  await sampler.stop();
  mem.peak = Math.max(...mem.loads, mem.interact);
  mem.others = [...(await rendererPids(cdp))].filter((p) => p !== pid).map((p) => ({ pid: p, hwmKb: statusKb(p, 'VmHWM'), rssKb: statusKb(p, 'VmRSS') }));
  await context.close();
  return {
    impl, threads, warmFirstMs: warmRun.firstProbsAt, loads, inter, mem, problems,
    ok: loads.every((l) => l.ok) && (inter.checks ?? []).every(Boolean),
    threadsReported: loads[0].threads, isolated: loads[0].isolated,
  };
}

// ---- run -----------------------------------------------------------------------------------------
prepareModelDir(MODEL);
// The page under test: a snapshot of web/dist taken now (other work may rebuild web/dist during
// a run), served like harness.mjs's startServer does — the project's `vite preview`, same config,
// same headers and same-origin mounts — with --outDir pointing at the snapshot.
const distDir = path.join(webDir, 'dist');
const snapshotDir = path.join(repoDir, 'bench', 'results', 'page-snapshot');
const dist0 = fs.statSync(path.join(distDir, 'index.html')).mtimeMs;
fs.rmSync(snapshotDir, { recursive: true, force: true });
fs.cpSync(distDir, snapshotDir, { recursive: true });
fs.cpSync(photosDir, path.join(snapshotDir, '__bench-photos'), { recursive: true });
const git = (...a) => { try { return execFileSync('git', ['-C', repoDir, ...a], { encoding: 'utf8' }).trim(); } catch { return '?'; } };
const commit = git('rev-parse', '--short', 'HEAD');
const dirtyWeb = git('status', '--porcelain', '--', 'web/src', 'src').split('\n').filter(Boolean).length;

async function startSnapshotServer() {
  const port = await new Promise((ok) => { const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => ok(p)); }); });
  const child = spawn(process.execPath, [path.join(webDir, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview', '--outDir', snapshotDir], {
    cwd: webDir, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}/`;
  for (const deadline = Date.now() + 20000; ;) {
    try { if ((await fetch(url)).ok) break; } catch { /* not up yet */ }
    if (child.exitCode !== null || Date.now() > deadline) { child.kill(); throw new Error(`vite preview did not start:\n${output}`); }
    await sleep(150);
  }
  return { url, stop: () => new Promise((r) => { child.once('exit', r); child.kill(); }) };
}
const ourServer = await startSnapshotServer();
const tjsServer = await startStaticServer({ photosDir });
let browserVersion = '';
const external = [];
const load0 = os.loadavg();
const started = new Date();
const runs = [];
try {
  // Rounds alternate the order of implementations and thread counts, so that a busy spell on
  // a shared machine falls on both sides; samples are pooled over rounds.
  for (let round = 0; round < ROUNDS; round++) {
    const threadOrder = round % 2 ? [...THREADS].reverse() : THREADS;
    for (const threads of threadOrder) {
      const implOrder = (round + THREADS.indexOf(threads)) % 2 ? [...IMPLS].reverse() : IMPLS;
      for (const impl of implOrder) {
        process.stderr.write(`round ${round + 1}/${ROUNDS}: ${impl}, ${threads} thread(s)… `);
        const r = await scenario(impl, threads, impl === 'ours' ? ourServer.url : tjsServer.url, external);
        process.stderr.write(`done (load ${os.loadavg()[0].toFixed(2)})\n`);
        if (r.problems.length) console.warn(`  page errors: ${r.problems.join(' | ')}`);
        runs.push({ ...r, round, loadAfter: os.loadavg()[0] });
      }
    }
  }
} finally {
  await ourServer.stop();
  await tjsServer.stop();
}
const load1 = os.loadavg();

// ---- table ----------------------------------------------------------------------------------------
const v = versions();
// Pool a cell's rounds: every load and every interaction sample; memory: the median round.
function get(impl, threads) {
  const rs = runs.filter((r) => r.impl === impl && r.threads === threads);
  if (!rs.length) return null;
  const cat = (f) => rs.flatMap(f);
  const inter = (sel) => Object.fromEntries(Object.keys(sel(rs[0]) ?? {}).filter((k) => Array.isArray(sel(rs[0])[k]))
    .map((k) => [k, cat((r) => sel(r)[k])]));
  const medianKb = (f) => median(rs.map(f));
  return {
    loads: cat((r) => r.loads),
    inter: impl === 'tjs' ? { naive: inter((r) => r.inter.naive), cached: inter((r) => r.inter.cached) } : inter((r) => r.inter),
    mem: { open: medianKb((r) => r.mem.loads[0]), interact: medianKb((r) => r.mem.interact), reload: medianKb((r) => median(r.mem.loads.slice(1))),
      privateOpen: medianKb((r) => r.mem.privateLoads[0]), privateInteract: medianKb((r) => r.mem.privateInteract), privateReload: medianKb((r) => median(r.mem.privateLoads.slice(1))) },
  };
}
const ms = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : 'n/a');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && a > 0 ? `${(b / a >= 100 ? (b / a).toFixed(0) : (b / a).toFixed(1))}×` : 'n/a');
const rows = [];
for (const threads of THREADS) {
  const o = get('ours', threads);
  const t = get('tjs', threads);
  if (!o || !t) continue;
  const m = {
    cold: [median(o.loads.map((l) => l.firstProbsAt)), median(t.loads.map((l) => l.firstProbsAt))],
    first: [median(o.loads.map((l) => l.first)), median(t.loads.map((l) => l.first))],
    ready: [median(o.loads.map((l) => l.modelReadyAt)), median(t.loads.map((l) => l.modelReadyAt))],
  };
  const tn = t.inter.naive;
  const tc = t.inter.cached;
  const both = (key) => `${ms(median(tn[key]))} (cached: ${ms(median(tc[key]))})`;
  const rat = (ours, key) => `${ratio(ours, median(tn[key]))} (${ratio(ours, median(tc[key]))})`;
  const MB = (kb) => (kb / 1024).toFixed(0);
  const mb = (r) => `${MB(Math.max(r.mem.open, r.mem.interact))} (open ${MB(r.mem.open)}, interactions ${MB(r.mem.interact)}; reload ${MB(r.mem.reload)})`;
  const priv = (r) => `${MB(Math.max(r.mem.privateOpen, r.mem.privateInteract))} (open ${MB(r.mem.privateOpen)}, interactions ${MB(r.mem.privateInteract)}; reload ${MB(r.mem.privateReload)})`;
  const oi = o.inter;
  rows.push(
    `| **${threads} thread${threads > 1 ? 's' : ''}** | | | | |`,
    `| cached reload: page open → model ready | ${ms(m.ready[0])} | ${ms(m.ready[1])} | ${ratio(m.ready[0], m.ready[1])} | ours ≤ 1500 |`,
    `| page open → first probabilities (model from cache, 1 photo × 10 labels) | ${ms(m.cold[0])} | ${ms(m.cold[1])} | ${ratio(m.cold[0], m.cold[1])} | — |`,
    `| first classification: model ready → first probabilities | ${ms(m.first[0])} | ${ms(m.first[1])} | ${ratio(m.first[0], m.first[1])} | no slower |`,
    `| new photo + 10 new labels on an idle page | ${ms(median(oi.scratch))} | ${both('scratch')} | ${rat(median(oi.scratch), 'scratch')} | no slower |`,
    `| one label edited → probabilities | ${ms(median(oi.edit))} | ${both('edit')} | ${rat(median(oi.edit), 'edit')} | ≥ 5× |`,
    `| … typed: input event → probabilities (the page's own edit handling, debounce if any) | ${ms(median(oi.editTyped))} | — | ${rat(median(oi.editTyped), 'edit')} | |`,
    `| temperature moved → probabilities | ${ms(median(oi.tau))} | ${both('tau')} | ${rat(median(oi.tau), 'tau')} | ≥ 100× |`,
    `| photo swapped (photo never seen) → probabilities | ${ms(median(oi.swap))} | ${both('swap')} | ${rat(median(oi.swap), 'swap')} | — |`,
    `| peak memory of the tab, MB: private (RssAnon sampled every 10 ms: opening the page in a new tab / interactions; a reload, old page still resident) | ${priv(o)} | ${priv(t)} | | ours ≤ 500 MB |`,
    `| … the same as renderer VmHWM (peak resident set, including ~125 MB of Chromium's shared code pages) | ${mb(o)} | ${mb(t)} | | |`,
  );
}
const conds = [
  `Run ${started.toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model?.trim()}; load average ${load0[0].toFixed(2)} at start, ${load1[0].toFixed(2)} at end (1-min average after each cell: ${Math.min(...runs.map((r) => r.loadAfter)).toFixed(1)}–${Math.max(...runs.map((r) => r.loadAfter)).toFixed(1)}; other jobs shared the machine).`,
  `Our page: web/dist built ${new Date(dist0).toISOString()} at commit ${commit}${dirtyWeb ? ` (${dirtyWeb} uncommitted file(s) under src/ or web/src/)` : ''}, a snapshot served by the project's vite preview.`,
  `Chromium ${browserVersion} headless (playwright-core, harness.mjs flags); model ${MODEL} (random weights, ViT-B/32 shapes, uint8 *_quantized.onnx: the same files for both).`,
  `Ours: ONNX Runtime Web ${v.ourOrtWeb} (wasm, module worker). transformers.js ${v.transformers} with its bundled ONNX Runtime Web ${v.ortWeb} (wasm, asyncify build, main thread), self-hosted wasm, remote models off.`,
  `Medians over ${ROUNDS} round(s) (order of implementations and thread counts alternating): ${REPS} loads per round and cell (first open + ${REPS - 1} reloads); ${EDITS} label edits, ${TAUS} temperature moves (5 for transformers.js naive), ${SWAP_PHOTOS.length} photo swaps. Our interactions start once the page's background work (gallery batch matrix) has finished.`,
  `transformers.js column: "naive" re-runs processor + both encoders on every change (as its zero-shot pipeline does); "(cached: …)" keeps embeddings by hand (label edit re-encodes the 10-label batch; temperature = JS softmax). Ratio = transformers.js ÷ ours (naive, then cached in brackets).`,
  `Threads reported: ${[...new Set(runs.map((r) => `${r.impl}@${r.threads}→${r.threadsReported}`))].join(', ')}; cross-origin isolated: ${runs.every((r) => r.isolated)}. Requests to other hosts: ${external.length}. All results checked: ${runs.every((r) => r.ok)}.`,
];
for (const threads of THREADS) {
  const o = get('ours', threads);
  const t = get('tjs', threads);
  if (o) conds.push(`Our cached reload at ${threads} thread(s), medians from navigation start: model files read from IndexedDB at ${ms(median(o.loads.map((l) => l.filesReadAt)))} ms, ONNX Runtime sessions ready at ${ms(median(o.loads.map((l) => l.modelReadyAt)))} ms (the worker's loadModel: ${ms(median(o.loads.map((l) => l.loadModelMs)))} ms).`
    + (t ? ` transformers.js: its from_pretrained calls took ${ms(median(t.loads.map((l) => l.loadModelMs)))} ms.` : ''));
}
const md = [
  '| measure (ms unless noted) | ours | transformers.js | ratio | goal |',
  '|---|---|---|---|---|',
  ...rows,
  '',
  ...conds.map((c) => `- ${c}`),
].join('\n');
console.log(md);
const outDir = path.join(repoDir, 'bench', 'results');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'vs_transformers.md'), md + '\n');
fs.writeFileSync(path.join(outDir, 'vs_transformers.json'), JSON.stringify({ started, load0, load1, commit, dist0, versions: v, external, runs }, null, 2));
