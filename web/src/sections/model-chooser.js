// Which model the page runs, and how to get another: the real CLIP from this server (a
// kiosk), from the Hugging Face hub (online), or from files on a disk or USB stick.
import { h, clear } from '../dom.js';
import { HUB_MODEL_ID, LOCAL_MODEL_ID, SERVER_REAL_MODEL_ID } from '../model/sources.js';

export class ModelChooser {
  constructor({ onSwitch, onFiles }) {
    this.onSwitch = onSwitch;
    this.banner = h('div', { class: 'banner', role: 'note', hidden: true, 'data-testid': 'model-banner' });
    this.select = h('select', { id: 'model-select', 'aria-label': 'model' });
    this.fileInput = h('input', { type: 'file', multiple: true, accept: '.onnx,.json', class: 'visually-hidden', tabIndex: -1, 'aria-label': 'model files',
      onChange: () => { const files = [...this.fileInput.files]; this.fileInput.value = ''; if (files.length) onFiles(files); } });
    this.filesButton = h('button', { type: 'button', class: 'secondary', text: 'Load model files from disk…', onClick: () => this.fileInput.click() });
    this.message = h('p', { class: 'photo-message', role: 'alert', hidden: true, 'data-testid': 'model-files-message' });
    this.el = h('div', { class: 'model-chooser' }, this.banner,
      h('div', { class: 'button-row' },
        h('label', { for: 'model-select', text: 'Model: ' }), this.select,
        h('button', { type: 'button', class: 'secondary', text: 'Switch', onClick: () => this.onSwitch(this.select.value) }),
        this.filesButton, this.fileInput),
      this.message);
  }

  /** options: [{id, label}] */
  setOptions(options, current) {
    clear(this.select);
    for (const o of options) this.select.append(h('option', { value: o.id, text: o.label, selected: o.id === current }));
  }

  showBanner({ current, realOnServer, online, kiosk }) {
    clear(this.banner);
    if (current !== 'tiny' || realOnServer) { this.banner.hidden = true; return; }
    this.banner.hidden = false;
    this.banner.append(
      h('p', { text: 'You are looking at the tiny model: a miniature CLIP this project trained on drawn coloured shapes. ' +
        'It knows 8 colours and 6 shapes, nothing else, so every photo becomes a “coloured shape” to it. ' +
        'The mechanics on this page are exactly those of the real CLIP ViT-B/32; only the model is small.' }),
      h('p', { text: online && !kiosk
        ? 'The real CLIP ViT-B/32 is not on this server. You can download it from the Hugging Face hub (about 150 MB, once; it is then kept in this browser), or load its files from a disk.'
        : 'The real CLIP ViT-B/32 is not on this server, and this device is offline. Load its files from a disk or USB stick, or ask whoever runs this page to fetch it once with scripts/fetch_model.py.' }),
      online && !kiosk ? h('button', { type: 'button', 'data-external': '', text: 'Download the real CLIP ViT-B/32 (≈150 MB)', onClick: () => this.onSwitch(HUB_MODEL_ID) }) : null);
  }

  showError(text) {
    this.message.textContent = text;
    this.message.hidden = !text;
  }
}

export function modelOptions({ realOnServer, online, kiosk, localCached }) {
  const opts = [{ id: 'tiny', label: 'tiny: the project\'s own miniature CLIP (embedded)' }];
  if (realOnServer) opts.push({ id: SERVER_REAL_MODEL_ID, label: 'CLIP ViT-B/32 from this server' });
  if (online && !kiosk) opts.push({ id: HUB_MODEL_ID, label: 'CLIP ViT-B/32 from the Hugging Face hub (≈150 MB once)' });
  if (localCached) opts.push({ id: LOCAL_MODEL_ID, label: 'the model you loaded from files' });
  return opts;
}
