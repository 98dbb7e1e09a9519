// §4 "What the model sees": the exact S×S centre crop the encoder receives (after the
// core's bicubic resize), with the ViT patch grid drawn over it.
import { h } from '../dom.js';

export class CropView {
  constructor() {
    this.canvas = h('canvas', { class: 'crop-canvas', width: 224, height: 224, role: 'img', 'aria-label': 'the centre crop the model sees' });
    this.showGrid = h('input', { type: 'checkbox', checked: true, id: 'show-patch-grid', onChange: () => this.#draw() });
    this.caption = h('figcaption', { 'data-testid': 'crop-caption' });
    this.el = h('figure', { class: 'crop-figure' }, this.canvas,
      h('label', { class: 'inline-check' }, this.showGrid, ' show the 32×32 patch grid'), this.caption);
  }

  set({ crop, size, width, height, patch = 32, decoder, downscaled }) {
    this.data = { crop, size, patch };
    const scale = size / Math.min(width, height);
    const rw = Math.round(width * scale), rh = Math.round(height * scale);
    const grid = Math.floor(size / patch);
    this.caption.textContent =
      `Your photo is ${width}×${height} pixels. Its shorter side is resized to ${size} (→ ${rw}×${rh}, bicubic), ` +
      `then the centre ${size}×${size} is cut out: this is all the model sees. ` +
      `The vision transformer cuts it into a ${grid}×${grid} grid of ${patch}×${patch} patches, ` +
      `${grid * grid} patch tokens plus one class token.` +
      (downscaled ? ' (This photo was so large that the browser shrank it first.)' : '') +
      (decoder === 'browser' ? ' Decoded by the browser.' : ' Decoded by the C++ core.');
    this.#draw();
  }

  #draw() {
    if (!this.data) return;
    const { crop, size, patch } = this.data;
    this.canvas.width = size;
    this.canvas.height = size;
    const ctx = this.canvas.getContext('2d');
    ctx.putImageData(new ImageData(new Uint8ClampedArray(crop), size, size), 0, 0);
    if (!this.showGrid.checked) return;
    ctx.strokeStyle = 'rgba(255,255,255,0.85)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = patch; x < size; x += patch) {
      ctx.moveTo(x + 0.5, 0); ctx.lineTo(x + 0.5, size);
      ctx.moveTo(0, x + 0.5); ctx.lineTo(size, x + 0.5);
    }
    ctx.stroke();
    ctx.strokeStyle = 'rgba(0,0,0,0.45)';
    ctx.beginPath();
    for (let x = patch; x < size; x += patch) {
      ctx.moveTo(x + 1.5, 0); ctx.lineTo(x + 1.5, size);
      ctx.moveTo(0, x + 1.5); ctx.lineTo(size, x + 1.5);
    }
    ctx.stroke();
  }
}
