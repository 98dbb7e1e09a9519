// §3 Pick a photo: the gallery, a file chooser, drag-and-drop, paste, and a camera button
// where the device has a camera. It hands bytes to `onPhoto`; it never decodes anything.
import { h, clear } from '../dom.js';

export const MAX_UPLOAD_BYTES = 80 * 1024 * 1024;

export class PhotoPicker {
  constructor({ onPhoto }) {
    this.onPhoto = onPhoto;
    this.gallery = h('div', { class: 'gallery', role: 'group', 'aria-label': 'sample photos' });
    this.fileInput = h('input', { type: 'file', accept: 'image/*', class: 'visually-hidden', tabIndex: -1, 'aria-label': 'photo file',
      onChange: () => this.#takeFiles(this.fileInput.files, 'chosen file') });
    this.cameraInput = h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden', tabIndex: -1, 'aria-label': 'photo from the camera',
      onChange: () => this.#takeFiles(this.cameraInput.files, 'camera') });
    this.cameraButton = h('button', { type: 'button', class: 'secondary', text: 'Take a photo', hidden: true,
      onClick: () => this.cameraInput.click() });
    this.message = h('p', { class: 'photo-message', role: 'alert', 'data-testid': 'photo-message', hidden: true });
    this.current = h('p', { class: 'photo-current', 'data-testid': 'photo-current' });
    this.drop = h('div', { class: 'drop-zone', 'data-testid': 'drop-zone' },
      h('p', {}, 'Drop a photo here, paste one (Ctrl+V), or '),
      h('button', { type: 'button', text: 'choose a file…', onClick: () => this.fileInput.click() }),
      ' ', this.cameraButton, this.fileInput, this.cameraInput);
    this.el = h('div', { class: 'photo-picker' }, this.gallery, this.drop, this.current, this.message);

    this.drop.addEventListener('dragover', (e) => { e.preventDefault(); this.drop.classList.add('dragging'); });
    this.drop.addEventListener('dragleave', () => this.drop.classList.remove('dragging'));
    this.drop.addEventListener('drop', (e) => {
      e.preventDefault();
      this.drop.classList.remove('dragging');
      this.#takeFiles(e.dataTransfer?.files, 'dropped file');
    });
    document.addEventListener('paste', (e) => {
      const files = [...(e.clipboardData?.files ?? [])];
      if (files.length) {
        e.preventDefault();
        this.#takeFiles(files, 'pasted image');
      }
    });
    navigator.mediaDevices?.enumerateDevices?.().then((devices) => {
      this.cameraButton.hidden = !devices.some((d) => d.kind === 'videoinput');
    }).catch(() => {});
  }

  /** items: [{id, src, alt, caption, credit}] */
  setGallery(items, selectedId) {
    clear(this.gallery);
    this.buttons = new Map();
    for (const item of items) {
      const button = h('button', {
        type: 'button', class: 'thumb', 'aria-pressed': String(item.id === selectedId), title: item.caption,
        dataset: { photo: item.id },
        onClick: () => this.onPhoto({ kind: 'sample', id: item.id, name: item.caption, url: item.src }),
      }, h('img', { src: item.src, alt: item.alt, width: 64, height: 64, decoding: 'async' }));
      this.buttons.set(item.id, button);
      this.gallery.append(button);
    }
  }

  markSelected(id) {
    for (const [key, b] of this.buttons ?? []) b.setAttribute('aria-pressed', String(key === id));
  }

  showCurrent(text) { this.current.textContent = text; }

  showError(text) {
    this.message.textContent = text;
    this.message.hidden = false;
  }

  clearError() { this.message.hidden = true; }

  async #takeFiles(fileList, how) {
    const file = fileList?.[0];
    if (!file) return;
    this.fileInput.value = '';
    this.cameraInput.value = '';
    if (file.size > MAX_UPLOAD_BYTES) {
      this.showError(`“${file.name}” is ${(file.size / 1e6).toFixed(0)} MB; the limit is ${MAX_UPLOAD_BYTES / 1024 / 1024} MB. The previous photo stays.`);
      return;
    }
    let bytes;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch {
      this.showError(`“${file.name}” could not be read from the disk. The previous photo stays.`);
      return;
    }
    this.onPhoto({ kind: 'upload', id: null, name: file.name || how, bytes, how });
  }
}
