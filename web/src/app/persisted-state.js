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

export const defaultState = () => ({ labels: [], template: DEFAULT_TEMPLATE, ensemble: false, tau: 0.01, photo: null });
