// Kiosk mode (?kiosk=1), for a classroom machine with no network and no one to look after it:
// links that would leave the page stop being links (their text, e.g. a photo credit, stays),
// anything the page marks with data-external (offers to download from the hub) is hidden,
// and after a few idle minutes the page goes back to its starting example.

export const DEFAULT_IDLE_MS = 180000;
export const MIN_IDLE_MS = 1000;
export const MAX_IDLE_MS = 24 * 3600 * 1000;

// Input that counts as someone using the kiosk, listened for in the capture phase on the
// document. Scrolling counts through what causes it (wheel, touch, keys, a dragged
// scrollbar's pointer), not through 'scroll' events: the page scrolls itself too (the
// reset goes back to the top, layout shifts move the view), and that is nobody's input.
// 'input' catches text that arrives without keys: paste, dictation, an on-screen keyboard.
export const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'touchstart', 'touchmove', 'wheel', 'input'];

const params = (location) => new URLSearchParams(location?.search ?? '');

/** True for ?kiosk=1 (also ?kiosk=true). */
export function isKiosk(location = globalThis.location) {
  const v = params(location).get('kiosk');
  return v === '1' || v === 'true';
}

/** The idle time: ?idle=<ms> when it is a sane number (for tests and demos), else the default. */
export function kioskIdleMs(location = globalThis.location, fallback = DEFAULT_IDLE_MS) {
  const raw = params(location).get('idle');
  if (raw === null || !/^\d{1,9}$/.test(raw)) return fallback;
  return Math.min(MAX_IDLE_MS, Math.max(MIN_IDLE_MS, Number(raw)));
}

/**
 * Whether `href` leaves the page: another origin, or a scheme that hands off to another
 * program (mailto:, tel:, javascript:). Same-origin blob: URLs, data: URLs and fragments stay.
 */
export function isExternalHref(href, baseURI, pageOrigin) {
  if (typeof href !== 'string') return false;
  let url;
  try { url = new URL(href.trim(), baseURI); } catch { return true; }
  if (url.protocol === 'data:') return false;
  if (url.protocol === 'blob:') return url.origin !== pageOrigin;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return true;
  return url.origin !== pageOrigin;
}

function pageOrigin(doc) {
  if (doc.location?.origin) return doc.location.origin;
  try { return new URL(doc.baseURI).origin; } catch { return null; }
}

/** Unlinks external links and hides [data-external] elements at or below `root`. */
export function neutralizeExternal(root, doc) {
  const origin = pageOrigin(doc);
  const found = [];
  const each = (selector, fn) => {
    if (root.matches?.(selector)) fn(root);
    for (const el of root.querySelectorAll?.(selector) ?? []) fn(el);
  };
  each('a[href]', (a) => {
    const href = a.getAttribute('href');
    if (!isExternalHref(href, doc.baseURI, origin)) return;
    // An <a> without href is plain text: not focusable, not clickable, still readable.
    a.setAttribute('data-kiosk-href', href);
    a.removeAttribute('href');
    a.removeAttribute('target');
    a.setAttribute('data-kiosk-external', '');
    found.push(a);
  });
  each('[data-external]', (el) => {
    el.hidden = true;
    el.setAttribute('data-kiosk-hidden', '');
    found.push(el);
  });
  return found;
}

/**
 * Turns kiosk mode on for `doc`. `onIdleReset` is called once after `idleMs` without input,
 * and armed again by the next input. Returns a controller:
 * {idleMs, resetCount, lastResetAt, poke(), stop()}.
 */
export function setupKiosk({ onIdleReset, idleMs = DEFAULT_IDLE_MS, doc = globalThis.document } = {}) {
  if (typeof onIdleReset !== 'function') throw new TypeError('setupKiosk needs an onIdleReset function');
  const ms = Number.isFinite(idleMs) ? Math.min(MAX_IDLE_MS, Math.max(MIN_IDLE_MS, idleMs)) : DEFAULT_IDLE_MS;
  const win = doc.defaultView ?? globalThis;
  doc.documentElement?.setAttribute?.('data-kiosk', '');

  neutralizeExternal(doc, doc);
  // Sections fill in after the model loads; catch links they add later.
  let observer = null;
  const Observer = win.MutationObserver;
  if (typeof Observer === 'function' && doc.body) {
    observer = new Observer((records) => {
      for (const r of records) {
        if (r.type === 'attributes') neutralizeExternal(r.target, doc);
        for (const node of r.addedNodes ?? []) if (node.nodeType === 1) neutralizeExternal(node, doc);
      }
    });
    observer.observe(doc.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['href', 'data-external'] });
  }

  const kiosk = { idleMs: ms, resetCount: 0, lastResetAt: null, poke, stop };
  let timer = null;
  let stopped = false;

  function fire() {
    timer = null;
    kiosk.resetCount++;
    kiosk.lastResetAt = Date.now();
    try {
      Promise.resolve(onIdleReset()).catch((err) => win.console?.warn?.(`kiosk reset failed: ${err?.message || err}`));
    } catch (err) {
      win.console?.warn?.(`kiosk reset failed: ${err?.message || err}`);
    }
  }

  /** Input happened: start the idle countdown again. */
  function poke() {
    if (stopped) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(fire, ms);
  }

  function stop() {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    for (const type of ACTIVITY_EVENTS) doc.removeEventListener(type, poke, true);
    observer?.disconnect();
  }

  for (const type of ACTIVITY_EVENTS) doc.addEventListener(type, poke, { capture: true, passive: true });
  poke();
  return kiosk;
}
