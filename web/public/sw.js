// Service worker of the article. Two jobs:
//
// 1. Offline app shell. The page, its hashed bundles, the WASM core, ONNX Runtime's files,
//    the model manifests, examples and sample photos (the tiny model's scenes and the real
//    model's gallery/) are kept in a versioned Cache Storage
//    cache, so a reload works with the network down. Hashed files under assets/ are served
//    cache-first (their names change when their content does); everything else is tried on
//    the network first and taken from the cache when that fails. Model weights (*.onnx,
//    tokenizer files) are never stored here: the page keeps them in IndexedDB itself, so
//    those requests, and every Range request, go to the network untouched.
//
// 2. Cross-origin isolation on servers that cannot send headers. Threads in ONNX Runtime need
//    SharedArrayBuffer, which the browser grants only to a page served with COOP and COEP.
//    A plain static server (python3 -m http.server, a kiosk's file server) sends neither, so
//    this worker copies each same-origin response into a new one that carries them. The
//    first visit cannot benefit (the page was loaded before this worker existed); the page's
//    registration code reloads once when it sees it is controlled but not yet isolated.
//
// Plain script, no imports and no build step: Vite copies web/public/ into dist/ as it is.

const VERSION = 'v1';
const CACHE_PREFIX = 'clipx-shell-';
const CACHE_NAME = `${CACHE_PREFIX}${VERSION}`;
// Optional list of shell files (paths relative to the scope) written by scripts/build_kiosk.sh.
const PRECACHE_LIST = 'precache.json';
// With a cached copy at hand, a network that has not answered after this long loses.
const NETWORK_TIMEOUT_MS = 4000;

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

// Some static servers label these wrongly; module scripts and streaming WASM compilation
// refuse a wrong type, so the worker corrects it on the way through.
const TYPE_FIXES = [
  { test: /\.(mjs|js)$/, ok: /javascript|ecmascript/, type: 'text/javascript; charset=utf-8' },
  { test: /\.wasm$/, ok: /^application\/wasm/, type: 'application/wasm' },
];

const scopeUrl = () => new URL(self.registration.scope);

/** The request's path relative to the scope ('' for the scope itself), or null if outside. */
function scopedPath(url) {
  const scope = scopeUrl();
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return null;
  return decodeURIComponent(url.pathname.slice(scope.pathname.length));
}

/**
 * How a same-origin request in scope is handled:
 *   'page'      network first, cached as index.html, headers added
 *   'immutable' cache first (content-hashed file names), headers added
 *   'fresh'     network first with the cache as fallback, headers added
 *   'compiled'  WebAssembly asked for with its version: the browser's own fetch first (its HTTP
 *               cache, in practice), the stored copy offline; handed on untouched
 *   'versioned' cache first, keyed with its ?v= query (ONNX Runtime's files and the WASM core,
 *               asked for with their version)
 *   'headers'   network only, headers added (anything else of ours)
 *   'bypass'    not touched at all: model weights and the worker script itself
 */
function classify(path, request) {
  if (request.mode === 'navigate' || path === '' || path === 'index.html') {
    return path === '' || path === 'index.html' ? 'page' : 'headers';
  }
  if (path === 'sw.js') return 'bypass';
  if (path.startsWith('assets/')) return 'immutable';
  if (/^(ort|wasm)\/[^/]+$/.test(path) && new URL(request.url).searchParams.has('v')) {
    return path.endsWith('.wasm') ? 'compiled' : 'versioned';
  }
  if (/^(wasm|ort)\/[^/]+$/.test(path)) return 'fresh';
  if (path === PRECACHE_LIST || path === 'models/index.json') return 'fresh';
  if (/^models\/[^/]+\/(manifest|example)\.json$/.test(path)) return 'fresh';
  if (/^models\/[^/]+\/samples\/[^/]+$/.test(path)) return 'fresh';
  if (/^gallery\/[^/]+$/.test(path)) return 'fresh';
  if (path.startsWith('models/')) return 'bypass';   // weights and tokenizers: IndexedDB's job
  return 'headers';
}

/**
 * A copy of `response` with the isolation headers (and a corrected type where needed).
 * `isolate: false` for bytes that are compiled rather than run as a document or worker script
 * (WebAssembly): those need no headers, so only a wrong type makes a copy.
 */
function withIsolation(response, path, { isolate = true } = {}) {
  // Opaque and redirect-marker responses have no readable headers; hand them on unchanged.
  if (!response || response.status === 0 || response.type === 'opaque' || response.type === 'opaqueredirect') return response;
  const typeFix = path === null ? null
    : TYPE_FIXES.find((fix) => fix.test.test(path) && !fix.ok.test(response.headers.get('Content-Type') || ''));
  // A server that already isolates (the project's own) gets its response handed on as it is:
  // a copy would lose the browser's cached compilation of the WASM files (see compiledFirst).
  const isolated = !isolate || Object.entries(ISOLATION_HEADERS).every(([name, value]) => response.headers.get(name) === value);
  if (isolated && !typeFix) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  if (typeFix) headers.set('Content-Type', typeFix.type);
  const noBody = [101, 103, 204, 205, 304].includes(response.status);
  return new Response(noBody ? null : response.body, { status: response.status, statusText: response.statusText, headers });
}

const cacheable = (response) => response && response.ok && response.status === 200 && response.type === 'basic';

async function store(cache, key, response) {
  try {
    await cache.put(key, response);
  } catch { /* quota or an uncacheable response: the network copy still serves */ }
}

async function cacheFirst(event, key) {
  const cache = await caches.open(CACHE_NAME);
  const hit = await cache.match(key);
  if (hit) return hit;
  const response = await fetch(event.request);
  if (cacheable(response)) event.waitUntil(store(cache, key, response.clone()));
  return response;
}

/**
 * The network's answer, unless it fails (offline, or the server is gone), is a server error,
 * or has not come within NETWORK_TIMEOUT_MS: then `stored()`'s copy if there is one.
 */
async function networkOr(network, stored) {
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), NETWORK_TIMEOUT_MS); });
  try {
    const response = await Promise.race([network, timeout]);
    if (response && response.status < 500) return response;
    return (await stored()) ?? network;
  } catch (err) {
    const hit = await stored();
    if (hit) return hit;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether two responses carry the same version of a file: by ETag, else Last-Modified and size. */
function sameVersion(a, b) {
  const etag = (r) => r.headers.get('ETag');
  if (etag(a) || etag(b)) return etag(a) === etag(b);
  const modified = (r) => r.headers.get('Last-Modified');
  const size = (r) => r.headers.get('Content-Length');
  return modified(a) !== null && modified(a) === modified(b) && size(a) === size(b);
}

async function networkFirst(event, key) {
  const cache = await caches.open(CACHE_NAME);
  const hit = await cache.match(key);
  const network = fetch(event.request).then(async (response) => {
    if (!cacheable(response) || (hit && sameVersion(hit, response))) return response;
    // A new version: read once, then one copy stored and one handed on. In Chromium a clone()
    // stored in Cache Storage left its bytes in the tab's process until the tab was closed
    // (~9 MB more a reload, with the gallery's photos); these small files lose nothing by not
    // streaming.
    const body = await response.blob();
    const init = { status: response.status, statusText: response.statusText, headers: response.headers };
    event.waitUntil(store(cache, key, new Response(body, init)));
    return new Response(body, init);
  });
  // Keep the update going in the background even if the cached copy wins the race.
  event.waitUntil(network.catch(() => {}));
  return networkOr(network, async () => hit);
}

/** Stores a versioned file under its full URL and drops the other versions of it. */
async function storeVersion(cache, url, response) {
  await store(cache, url.href, response);
  for (const request of await cache.keys()) {
    const u = new URL(request.url);
    if (u.pathname === url.pathname && u.href !== url.href && u.search) await cache.delete(request);
  }
}

// ONNX Runtime's and the core's WebAssembly, asked for with their version in the query.
// Chromium keeps the machine code it compiled for a module beside the HTTP cache entry it came
// from, and reuses it only for a response the page's own fetch got from that entry: neither a
// copy rebuilt here nor a Cache Storage response brings it along. Without it, every visit
// compiled ONNX Runtime's hot functions again: ~5 s of compiler threads, competing with the
// model load on a two-core machine. So the browser's fetch goes first (the project's server
// marks these files immutable, so it is answered from disk without a request), and the stored
// copy serves when the network fails or hangs.
async function compiledFirst(event, url) {
  const cache = await caches.open(CACHE_NAME);
  // The version is in the URL, so a copy in the HTTP cache is never stale: take it without
  // revalidating, even from a server that asks for that (python3 -m http.server on a kiosk).
  const network = fetch(new Request(event.request, { cache: 'force-cache' }));
  event.waitUntil(network.then(async (response) => {
    if (cacheable(response) && !(await cache.match(url.href))) await storeVersion(cache, url, response.clone());
  }).catch(() => {}));
  // A kiosk's precached copy is stored without its version.
  return networkOr(network, async () => (await cache.match(url.href)) ?? cache.match(url.origin + url.pathname));
}

// ONNX Runtime's and the core's scripts, asked for with their version: cache first, kept until
// the version changes.
async function versionedFirst(event, url) {
  const cache = await caches.open(CACHE_NAME);
  const hit = await cache.match(url.href);
  if (hit) return hit;
  let response;
  try {
    response = await fetch(event.request);
  } catch (err) {
    const older = await cache.match(url.origin + url.pathname);   // e.g. a kiosk's precache
    if (older) return older;
    throw err;
  }
  if (cacheable(response)) event.waitUntil(storeVersion(cache, url, response.clone()));
  return response;
}

// The page asks with HEAD whether a file exists (the real model's manifest, gallery photos).
// Offline, the answer comes from the cached GET response: its status and headers, no body.
async function headFromCache(event, key) {
  try {
    return await fetch(event.request);
  } catch (err) {
    const hit = await (await caches.open(CACHE_NAME)).match(key);
    if (!hit) throw err;
    return new Response(null, { status: hit.status, statusText: hit.statusText, headers: hit.headers });
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' && request.method !== 'HEAD') return;
  if (request.headers.has('range')) return;                    // resumable downloads: untouched
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  const url = new URL(request.url);
  const path = scopedPath(url);
  if (path === null) return;                                   // other origins: not ours to wrap
  const kind = classify(path, request);
  if (kind === 'bypass') return;

  const scope = scopeUrl();
  const key = kind === 'page' ? new URL('index.html', scope).href
    : kind === 'versioned' || kind === 'compiled' ? url.href : url.origin + url.pathname;
  let answer;
  if (request.method === 'HEAD') answer = kind === 'headers' ? fetch(request) : headFromCache(event, key);
  else if (kind === 'page') answer = networkFirst(event, key);
  else if (kind === 'immutable') answer = cacheFirst(event, key);
  else if (kind === 'compiled') answer = compiledFirst(event, url);
  else if (kind === 'versioned') answer = versionedFirst(event, url);
  else if (kind === 'fresh') answer = networkFirst(event, key);
  else answer = fetch(request);
  event.respondWith(answer.then((response) => withIsolation(response, path, { isolate: kind !== 'compiled' })));
});

/** The shell files to fetch at install: the page itself, plus the kiosk build's list. */
async function precacheTargets() {
  const scope = scopeUrl();
  const targets = new Map([[new URL('index.html', scope).href, scope.href]]);   // key → URL to fetch
  try {
    const response = await fetch(new URL(PRECACHE_LIST, scope), { cache: 'no-store' });
    if (response.ok) {
      const list = await response.json();
      for (const item of Array.isArray(list?.files) ? list.files : []) {
        if (typeof item !== 'string' || item.startsWith('/') || item.includes('..') || item.includes('://')) continue;
        const url = new URL(item, scope);
        if (scopedPath(url) === null || classify(item, { mode: 'no-cors', url: url.href }) === 'bypass') continue;
        targets.set(url.origin + url.pathname, url.href);
      }
      return { targets, complete: true };
    }
  } catch { /* no list: files are cached as the page asks for them */ }
  return { targets, complete: false };
}

async function precache() {
  const cache = await caches.open(CACHE_NAME);
  const { targets, complete } = await precacheTargets();
  await Promise.all([...targets].map(async ([key, url]) => {
    try {
      const response = await fetch(url, { cache: 'no-cache' });
      if (cacheable(response)) await store(cache, key, response);
    } catch { /* best effort: a missing file is fetched later, when it is needed */ }
  }));
  if (complete) {
    // Hashed bundles of an earlier build that this build no longer lists.
    for (const request of await cache.keys()) {
      const path = scopedPath(new URL(request.url));
      if (path !== null && path.startsWith('assets/') && !targets.has(request.url)) await cache.delete(request);
    }
  }
}

self.addEventListener('install', (event) => {
  // Activate at once: the page needs this worker in control to become isolated.
  event.waitUntil(precache().finally(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// A hard reload bypasses the worker and leaves the page uncontrolled; the page can ask the
// active worker to take it over again.
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'clipx-claim') event.waitUntil(self.clients.claim());
});
