// Registers web/public/sw.js (served as ./sw.js next to index.html), which keeps the app
// shell for offline use and adds the cross-origin-isolation headers that a plain static
// server does not send. The first visit is never isolated: the page was loaded before the
// worker existed. Once the worker controls the page, one reload makes it isolated; that
// reload happens automatically, at most once per browser session (a sessionStorage flag),
// and only when the page is not isolated already.

export const RELOAD_FLAG = 'clipx-coi-reloaded';

/**
 * Returns {registered, reason?, registration?, reloading}. Never throws: without a service
 * worker the page still works, just without threads on a plain server and without the
 * offline shell. `win` is for tests.
 */
export async function registerServiceWorker({ win = globalThis } = {}) {
  const nav = win.navigator;
  if (!nav || !('serviceWorker' in nav)) return { registered: false, reason: 'no service worker support', reloading: false };
  if (win.location?.protocol === 'file:') return { registered: false, reason: 'opened from a file', reloading: false };
  // Vite's dev server sends the isolation headers itself and serves unbundled sources.
  if (import.meta.env?.DEV) return { registered: false, reason: 'dev server', reloading: false };

  const container = nav.serviceWorker;
  const base = win.document?.baseURI ?? win.location.href;
  let registration;
  try {
    registration = await container.register(new URL('sw.js', base).href, { scope: './' });
  } catch (err) {
    win.console?.warn?.(`service worker not registered: ${err?.message || err}`);
    return { registered: false, reason: String(err?.message || err), reloading: false };
  }

  const result = { registered: true, registration, reloading: false };
  const reloadOnce = () => {
    if (win.crossOriginIsolated || !container.controller) return false;
    try {
      if (win.sessionStorage.getItem(RELOAD_FLAG)) return false;
      win.sessionStorage.setItem(RELOAD_FLAG, String(Date.now()));
    } catch {
      return false;   // no sessionStorage: never risk a reload loop
    }
    result.reloading = true;
    win.location.reload();
    return true;
  };

  if (container.controller) {
    reloadOnce();
  } else {
    container.addEventListener('controllerchange', reloadOnce, { once: true });
    // After a hard reload the page is not controlled even though a worker is active; ask it
    // to take the page over (a fresh worker does so by itself when it activates).
    container.ready.then((reg) => reg.active?.postMessage({ type: 'clipx-claim' })).catch(() => {});
  }
  return result;
}
