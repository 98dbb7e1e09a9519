// What survives a reload: the reader's labels, template choice, ensemble switch, temperature
// and photo choice. Parsed defensively: anything malformed falls back to the default.
import { TEMPLATES, DEFAULT_TEMPLATE } from './templates.js';

const KEY = 'clipx-state-v1';
export const TAU_MIN = 0.001;
export const TAU_MAX = 1;

export function sanitizeState(raw, defaults) {
  const s = { ...defaults };
  if (!raw || typeof raw !== 'object') return s;
  if (Array.isArray(raw.labels) && raw.labels.length <= 500) {
    const labels = raw.labels.filter((l) => typeof l === 'string').map((l) => l.slice(0, 20000));
    if (labels.length) s.labels = labels;
  }
  if (typeof raw.template === 'string' && TEMPLATES.some((t) => t.id === raw.template)) s.template = raw.template;
  if (typeof raw.ensemble === 'boolean') s.ensemble = raw.ensemble;
  const tau = Number(raw.tau);
  if (Number.isFinite(tau) && tau >= TAU_MIN && tau <= TAU_MAX) s.tau = tau;
  if (typeof raw.photo === 'string' && /^[\w.-]{1,80}$/.test(raw.photo)) s.photo = raw.photo;
  return s;
}

export function loadState(defaults, storage = globalThis.localStorage) {
  try {
    return sanitizeState(JSON.parse(storage?.getItem(KEY) ?? 'null'), defaults);
  } catch {
    return { ...defaults };
  }
}

export function saveState(state, storage = globalThis.localStorage) {
  try {
    storage?.setItem(KEY, JSON.stringify({
      labels: state.labels, template: state.template, ensemble: state.ensemble, tau: state.tau, photo: state.photo,
    }));
    return true;
  } catch {
    return false;  // private mode or full storage: the page still works, it just forgets
  }
}

/**
 * Saves at most once per `delayMs`, always with the latest state, so that dragging the slider
 * or typing does not serialise and write localStorage on every input event. flush() writes a
 * pending save at once (call it when the page is hidden or unloaded); cancel() drops it.
 */
export function createStateSaver(getState, { delayMs = 250, storage = globalThis.localStorage,
  setTimer = globalThis.setTimeout, clearTimer = globalThis.clearTimeout } = {}) {
  let timer = null;
  const flush = () => {
    if (timer === null) return false;
    clearTimer(timer);
    timer = null;
    return saveState(getState(), storage);
  };
  return {
    save() { if (timer === null) timer = setTimer(flush, delayMs); },
    flush,
    cancel() { if (timer !== null) { clearTimer(timer); timer = null; } },
    get pending() { return timer !== null; },
  };
}

// tau null means "the loaded model's own temperature" (1 / its logit scale).
export const defaultState = () => ({ labels: [], template: DEFAULT_TEMPLATE, ensemble: false, tau: null, photo: null });

// ---- shareable links ----------------------------------------------------------------------
// ?photo=<sample id>&label=…&label=…&template=<id>&ensemble=1&tau=<number>. Everything is
// validated by sanitizeState; a bad value falls back to the default, never into the page.
export const MAX_URL_LABELS = 200;

export function stateFromUrl(search, defaults) {
  const p = new URLSearchParams(search);
  const raw = {};
  const labels = p.getAll('label').slice(0, MAX_URL_LABELS).map((l) => l.slice(0, 1000));
  if (labels.length) raw.labels = labels;
  if (p.has('template')) raw.template = p.get('template');
  if (p.has('ensemble')) raw.ensemble = p.get('ensemble') === '1';
  if (p.has('tau')) raw.tau = Number(p.get('tau'));
  if (p.has('photo')) raw.photo = p.get('photo');
  return { state: sanitizeState(raw, defaults), present: Object.keys(raw) };
}

export function urlForState(state, base) {
  const url = new URL(base);
  for (const k of ['photo', 'label', 'template', 'ensemble', 'tau']) url.searchParams.delete(k);
  if (state.photo) url.searchParams.set('photo', state.photo);
  for (const l of state.labels ?? []) url.searchParams.append('label', l);
  url.searchParams.set('template', state.template);
  if (state.ensemble) url.searchParams.set('ensemble', '1');
  if (state.tau !== null && Number.isFinite(state.tau)) url.searchParams.set('tau', String(Number(state.tau.toPrecision(4))));
  return url.href;
}
