// The model's loading state, always ending somewhere visible: ready, failed (with the reason
// and a retry), or cancelled (with a retry). Shows bytes done / total and speed while loading.
import { h } from '../dom.js';
import { formatBytes } from '../model/manifest.js';

export class ModelStatus {
  constructor({ onCancel, onRetry }) {
    this.title = h('p', { class: 'model-title', text: 'Model: not loaded yet' });
    this.bar = h('progress', { max: 1, value: 0, 'aria-label': 'model download progress' });
    this.detail = h('p', { class: 'model-detail mono', 'data-testid': 'model-detail' });
    this.note = h('p', { class: 'model-note', hidden: true });
    this.cancel = h('button', { type: 'button', class: 'secondary', text: 'Cancel download', hidden: true, onClick: onCancel });
    this.retry = h('button', { type: 'button', text: 'Retry', hidden: true, onClick: onRetry });
    this.el = h('div', { class: 'model-status', role: 'status', 'aria-live': 'polite', 'data-state': 'idle' },
      this.title, this.bar, this.detail, h('div', { class: 'button-row' }, this.cancel, this.retry), this.note);
  }

  #state(state) {
    this.el.dataset.state = state;
    this.cancel.hidden = state !== 'loading';
    this.retry.hidden = !(state === 'failed' || state === 'cancelled');
  }

  loading(name) {
    this.#state('loading');
    this.title.textContent = `Loading ${name}…`;
    this.bar.hidden = false;
    this.bar.removeAttribute('value');  // indeterminate until sizes are known
    this.detail.textContent = 'Reading the model manifest…';
    this.note.hidden = true;
  }

  progress(p) {
    if (p.phase === 'sessions') {
      this.detail.textContent = 'Verified. Starting ONNX Runtime sessions…';
      return;
    }
    if (!p.overallTotal) return;
    this.bar.max = p.overallTotal;
    this.bar.value = p.overallLoaded ?? 0;
    const what = { download: 'downloading', verify: 'checking SHA-256 of', cached: 'read from cache:', stored: 'cached', start: 'starting' }[p.phase] ?? p.phase;
    const speed = p.phase === 'download' && p.bytesPerSec > 0 ? ` · ${formatBytes(p.bytesPerSec)}/s` : '';
    this.detail.textContent = `${formatBytes(p.overallLoaded ?? 0)} / ${formatBytes(p.overallTotal)}` +
      (p.file ? ` · ${what} ${p.file}` : '') + speed;
  }

  ready({ manifest, sources, cacheNote, threads, readyMs }) {
    this.#state('ready');
    const fromCache = Object.values(sources).every((s) => s === 'cache');
    const fromFiles = Object.values(sources).every((s) => s === 'files');
    this.title.textContent = `Model ready: ${manifest.name}`;
    this.bar.hidden = true;
    const bytes = ['tokenizer', 'text', 'vision'].reduce((n, k) => n + (manifest[k].bytes ?? 0), 0) || manifest.approx_bytes || 0;
    this.detail.textContent = `${formatBytes(bytes)} · ${fromFiles ? 'loaded from your files and checked' : fromCache ? 'read from this browser\'s cache' : 'downloaded and verified'} · ` +
      `ONNX Runtime Web, ${threads} thread${threads === 1 ? '' : 's'} · ready in ${(readyMs / 1000).toFixed(2)} s`;
    this.note.hidden = !cacheNote;
    this.note.textContent = cacheNote ? `Note: ${cacheNote}. It will download again next visit.`
      : '';
    if (!cacheNote && !fromCache) {  // just downloaded or loaded from disk
      this.note.hidden = false;
      this.note.textContent = 'Saved in this browser (IndexedDB): the next visit starts without downloading.';
    }
  }

  failed(message, { cancelled = false, title = 'The model could not be loaded' } = {}) {
    this.#state(cancelled ? 'cancelled' : 'failed');
    this.title.textContent = cancelled ? 'Download cancelled' : title;
    this.bar.hidden = true;
    this.detail.textContent = cancelled ? 'Nothing is lost: Retry picks up where it stopped.' : message;
    this.note.hidden = true;
  }
}
