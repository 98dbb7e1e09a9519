// The tab's memory as Linux sees it, for the browser benchmarks (Chromium on Linux only).
//   statusKb(pid, field)      a field of /proc/<pid>/status in kB (VmRSS, VmHWM, RssAnon), NaN if gone
//   resetPeak(pid)            restarts VmHWM from the current resident set (echo 5 > clear_refs)
//   rendererPids(cdp)         Chromium's renderer processes, from a browser CDP session
//   privatePeakSampler(cdp)   the largest RssAnon of any renderer, sampled every 10 ms: the tab's
//                             own memory (Chromium's "memory footprint"), without the shared code
//                             pages VmHWM counts and without VmHWM's lazy updates
import fs from 'node:fs';

export function statusKb(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

export function resetPeak(pid) {
  try { fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* not permitted: the peak then spans the process's life */ }
}

export async function rendererPids(cdp) {
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  return processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
}

// Every renderer is sampled: a reload or a new tab may move the page to another process.
export function privatePeakSampler(cdp) {
  let peakKb = 0;
  let on = true;
  const done = (async () => {
    let pids = [];
    for (let i = 0; on; i++) {
      if (i % 20 === 0) pids = await rendererPids(cdp);
      for (const p of pids) peakKb = Math.max(peakKb, statusKb(p, 'RssAnon') || 0);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return { reset() { peakKb = 0; }, get peakKb() { return peakKb; }, async stop() { on = false; await done; } };
}
