// Kiosk mode and service-worker registration, without a browser: a fake document (just the
// few methods the code calls) and Node's mock timers.
import test, { mock } from 'node:test';
import assert from 'node:assert/strict';
import {
  isKiosk, kioskIdleMs, isExternalHref, neutralizeExternal, setupKiosk, ACTIVITY_EVENTS, DEFAULT_IDLE_MS,
} from '../../web/src/app/kiosk.js';
import { registerServiceWorker, RELOAD_FLAG } from '../../web/src/app/service-worker.js';

const ORIGIN = 'http://127.0.0.1:8000';
const loc = (search) => ({ search });

// ---- a fake document ------------------------------------------------------------------------
class FakeElement {
  constructor(attrs = {}) { this.attrs = { ...attrs }; this.hidden = false; this.nodeType = 1; }
  getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; }
  setAttribute(k, v) { this.attrs[k] = String(v); }
  removeAttribute(k) { delete this.attrs[k]; }
  hasAttribute(k) { return k in this.attrs; }
  matches(selector) { return matches(this, selector); }
  querySelectorAll() { return []; }
}

function matches(el, selector) {
  if (selector === 'a[href]') return el.attrs.tag === 'a' && 'href' in el.attrs;
  if (selector === '[data-external]') return 'data-external' in el.attrs;
  throw new Error(`fake document: unexpected selector ${selector}`);
}

function fakeDocument(elements = []) {
  const listeners = new Map();
  const doc = {
    baseURI: `${ORIGIN}/kiosk/index.html`,
    location: { origin: ORIGIN },
    documentElement: new FakeElement(),
    body: null,     // no MutationObserver in these tests
    defaultView: { console: { warn: () => {} } },
    elements,
    querySelectorAll: (selector) => elements.filter((el) => matches(el, selector)),
    addEventListener(type, fn, opts) {
      assert.ok(opts === true || opts?.capture, `${type} is listened for in the capture phase`);
      listeners.set(type, fn);
    },
    removeEventListener(type, fn, capture) {
      assert.equal(capture, true);
      if (listeners.get(type) === fn) listeners.delete(type);
    },
    dispatch(type) { listeners.get(type)?.({ type }); },
    listeners,
  };
  return doc;
}

const link = (href) => new FakeElement({ tag: 'a', href });

// ---- URL switches ---------------------------------------------------------------------------
test('isKiosk is true only for ?kiosk=1 (or true)', () => {
  assert.equal(isKiosk(loc('?kiosk=1')), true);
  assert.equal(isKiosk(loc('?photo=x&kiosk=true')), true);
  for (const s of ['', '?kiosk=0', '?kiosk=', '?kiosk=yes', '?kiosks=1', '?x=kiosk=1']) assert.equal(isKiosk(loc(s)), false, s);
  assert.equal(isKiosk(undefined), false);
});

test('?idle= overrides the idle time within bounds; junk falls back to the default', () => {
  assert.equal(kioskIdleMs(loc('?kiosk=1')), DEFAULT_IDLE_MS);
  assert.equal(DEFAULT_IDLE_MS, 180000);
  assert.equal(kioskIdleMs(loc('?kiosk=1&idle=2000')), 2000);
  assert.equal(kioskIdleMs(loc('?idle=5')), 1000, 'clamped to at least a second');
  for (const s of ['?idle=', '?idle=-1', '?idle=1e3', '?idle=abc', '?idle=2000ms', '?idle=9999999999']) {
    assert.equal(kioskIdleMs(loc(s)), DEFAULT_IDLE_MS, s);
  }
});

test('external hrefs: other origins and hand-off schemes leave, same-origin, data: and fragments stay', () => {
  const base = `${ORIGIN}/kiosk/`;
  const ext = (h) => isExternalHref(h, base, ORIGIN);
  for (const h of ['https://example.org/x', 'http://127.0.0.1:9000/', '//example.org/x', 'mailto:a@b.c', 'tel:123',
    'javascript:alert(1)', ' JavaScript:alert(1)', 'ftp://x/', 'blob:https://example.org/123']) assert.equal(ext(h), true, h);
  for (const h of ['#about', './models/tiny/manifest.json', '/kiosk/?photo=1', `${ORIGIN}/x`, 'data:text/plain,hi',
    `blob:${ORIGIN}/0d7c`]) assert.equal(ext(h), false, h);
  assert.equal(ext(null), false);
});

test('neutralizeExternal unlinks external links (keeping their text) and hides [data-external]', () => {
  const far = link('https://example.org/photo-credit');
  const mail = link('mailto:someone@example.org');
  const near = link('#cosine');
  const local = link('./models/tiny/samples/000_red_circle.png');
  const hub = new FakeElement({ 'data-external': '' });
  const plain = new FakeElement({});
  const doc = fakeDocument([far, mail, near, local, hub, plain]);
  const found = neutralizeExternal(doc, doc);
  assert.deepEqual(found, [far, mail, hub]);
  assert.equal(far.getAttribute('href'), null, 'no href: no longer a link');
  assert.equal(far.getAttribute('data-kiosk-href'), 'https://example.org/photo-credit');
  assert.ok(far.hasAttribute('data-kiosk-external'));
  assert.equal(far.hidden, false, 'the credit text stays visible');
  assert.equal(mail.getAttribute('href'), null);
  assert.equal(near.getAttribute('href'), '#cosine');
  assert.equal(local.getAttribute('href'), './models/tiny/samples/000_red_circle.png');
  assert.equal(hub.hidden, true);
  assert.ok(hub.hasAttribute('data-kiosk-hidden'));
  assert.equal(plain.hidden, false);
  // Running again finds nothing new.
  assert.deepEqual(neutralizeExternal(doc, doc), [hub]);
});

// ---- the idle timer -------------------------------------------------------------------------
test('setupKiosk resets after idleMs without input, input restarts the countdown, one reset per idle spell', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const doc = fakeDocument([link('https://example.org/'), new FakeElement({ 'data-external': '' })]);
  let resets = 0;
  const kiosk = setupKiosk({ onIdleReset: () => { resets++; }, idleMs: 2000, doc });
  assert.ok(doc.documentElement.hasAttribute('data-kiosk'));
  assert.equal(doc.elements[0].getAttribute('href'), null, 'links handled at setup');
  assert.equal(doc.elements[1].hidden, true);
  assert.deepEqual([...doc.listeners.keys()].sort(), [...ACTIVITY_EVENTS].sort());

  t.mock.timers.tick(1999);
  assert.equal(resets, 0);
  doc.dispatch('pointermove');          // someone is here
  t.mock.timers.tick(1999);
  assert.equal(resets, 0, 'input restarted the countdown');
  for (const type of ['keydown', 'touchstart', 'touchmove', 'wheel', 'pointerdown', 'input']) {
    doc.dispatch(type);
    t.mock.timers.tick(1500);
  }
  assert.equal(resets, 0, `every kind of input counts: ${ACTIVITY_EVENTS.join(', ')}`);
  t.mock.timers.tick(499);
  assert.equal(resets, 0);
  t.mock.timers.tick(1);
  assert.equal(resets, 1, 'exactly idleMs after the last input');
  assert.equal(kiosk.resetCount, 1);
  assert.equal(typeof kiosk.lastResetAt, 'number');
  t.mock.timers.tick(60000);
  assert.equal(resets, 1, 'an idle kiosk is reset once, not every idleMs');
  doc.dispatch('keydown');
  t.mock.timers.tick(2000);
  assert.equal(resets, 2, 'the next input arms it again');
  doc.dispatch('scroll');
  t.mock.timers.tick(10000);
  assert.equal(resets, 2, 'a scroll event alone (the page scrolling itself) is not input');

  kiosk.stop();
  assert.equal(doc.listeners.size, 0, 'stop removes the listeners');
  doc.dispatch('keydown');
  t.mock.timers.tick(10000);
  assert.equal(resets, 2, 'stopped: no more resets');
});

test('setupKiosk defaults to three minutes, clamps silly idle times and survives a failing reset', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const warnings = [];
  const doc = fakeDocument();
  doc.defaultView.console.warn = (m) => warnings.push(m);
  const kiosk = setupKiosk({ onIdleReset: () => { throw new Error('boom'); }, doc });
  assert.equal(kiosk.idleMs, 180000);
  t.mock.timers.tick(180000);
  assert.equal(kiosk.resetCount, 1);
  assert.match(warnings[0], /boom/);
  kiosk.stop();
  assert.equal(setupKiosk({ onIdleReset() {}, idleMs: 5, doc }).idleMs, 1000);
  assert.equal(setupKiosk({ onIdleReset() {}, idleMs: Number.NaN, doc }).idleMs, 180000);
  assert.throws(() => setupKiosk({ doc }), /onIdleReset/);
});

test('an async reset that rejects is reported, not thrown', async (t) => {
  const warnings = [];
  const doc = fakeDocument();
  doc.defaultView.console.warn = (m) => warnings.push(m);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const kiosk = setupKiosk({ onIdleReset: async () => { throw new Error('later'); }, idleMs: 1000, doc });
  t.mock.timers.tick(1000);
  await new Promise((r) => setImmediate(r));
  assert.match(warnings[0] ?? '', /later/);
  kiosk.stop();
});

// ---- service-worker registration ------------------------------------------------------------
function fakeWindow({ controller = null, isolated = false, protocol = 'http:', storage = new Map(), noSw = false, registerError = null } = {}) {
  const calls = { register: [], reloads: 0, posted: [] };
  const listeners = {};
  const container = {
    controller,
    register: async (url, opts) => {
      calls.register.push([url, opts]);
      if (registerError) throw registerError;
      return { scope: opts.scope };
    },
    addEventListener: (type, fn) => { listeners[type] = fn; },
    ready: Promise.resolve({ active: { postMessage: (m) => calls.posted.push(m) } }),
  };
  const win = {
    navigator: noSw ? {} : { serviceWorker: container },
    location: { protocol, href: `${protocol}//127.0.0.1:8000/`, reload: () => { calls.reloads++; } },
    document: { baseURI: 'http://127.0.0.1:8000/kiosk/?kiosk=1' },
    sessionStorage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) },
    crossOriginIsolated: isolated,
    console: { warn: () => {} },
  };
  return { win, calls, container, listeners, storage };
}

test('registers ./sw.js with scope ./, next to the page', async () => {
  const f = fakeWindow();
  const r = await registerServiceWorker({ win: f.win });
  assert.equal(r.registered, true);
  assert.deepEqual(f.calls.register, [['http://127.0.0.1:8000/kiosk/sw.js', { scope: './' }]]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(f.calls.posted, [{ type: 'clipx-claim' }], 'asks an active worker to take the page over');
});

test('not registered without support, on file:, or when registration fails', async () => {
  assert.equal((await registerServiceWorker({ win: fakeWindow({ noSw: true }).win })).registered, false);
  const file = fakeWindow({ protocol: 'file:' });
  assert.equal((await registerServiceWorker({ win: file.win })).registered, false);
  assert.equal(file.calls.register.length, 0);
  const bad = await registerServiceWorker({ win: fakeWindow({ registerError: new Error('insecure') }).win });
  assert.deepEqual([bad.registered, bad.reason], [false, 'insecure']);
});

test('reloads once when the worker takes control of a page that is not isolated', async () => {
  const f = fakeWindow();
  const r = await registerServiceWorker({ win: f.win });
  assert.equal(f.calls.reloads, 0, 'not controlled yet: wait');
  f.container.controller = {};
  f.listeners.controllerchange();
  assert.equal(f.calls.reloads, 1);
  assert.equal(r.reloading, true);
  assert.ok(f.storage.get(RELOAD_FLAG));

  // The reloaded page, still somehow not isolated: no second reload in this session.
  const again = fakeWindow({ controller: {}, storage: f.storage });
  await registerServiceWorker({ win: again.win });
  assert.equal(again.calls.reloads, 0);
});

test('no reload when already isolated, or without sessionStorage to guard against loops', async () => {
  const isolated = fakeWindow({ controller: {}, isolated: true });
  await registerServiceWorker({ win: isolated.win });
  assert.equal(isolated.calls.reloads, 0);

  const noStorage = fakeWindow({ controller: {} });
  noStorage.win.sessionStorage = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); } };
  await registerServiceWorker({ win: noStorage.win });
  assert.equal(noStorage.calls.reloads, 0);

  const controlled = fakeWindow({ controller: {} });
  await registerServiceWorker({ win: controlled.win });
  assert.equal(controlled.calls.reloads, 1, 'controlled but not isolated (first time this session): reload');
});
