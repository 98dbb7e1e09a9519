// §16 interactive exhibits: the typographic attack (write a word onto the photo and re-encode
// it) and the near-synonym / junk-label demo. Both leave the reader's own labels intact.
import { h, clear } from '../dom.js';
import { formatPercent } from '../format.js';

/** Draws `word` across the crop (RGBA, size×size) and returns PNG bytes. */
export async function writeOnCrop(crop, size, word) {
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(crop), size, size), 0, 0);
  const text = word.slice(0, 24);
  let fontSize = Math.round(size / 5);
  ctx.font = `bold ${fontSize}px sans-serif`;
  while (ctx.measureText(text).width > size * 0.9 && fontSize > 10) {
    fontSize -= 2;
    ctx.font = `bold ${fontSize}px sans-serif`;
  }
  const w = ctx.measureText(text).width;
  ctx.fillStyle = 'rgba(255,255,255,0.92)';
  ctx.fillRect((size - w) / 2 - 6, size * 0.62 - fontSize, w + 12, fontSize * 1.3);
  ctx.fillStyle = '#111';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(text, (size - w) / 2, size * 0.62 + fontSize * 0.12);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new Uint8Array(await blob.arrayBuffer());
}

function rankList(names, probs, n = 4) {
  const order = names.map((_, i) => i).sort((a, b) => probs[b] - probs[a]).slice(0, n);
  return h('ol', { class: 'mini-ranking' }, ...order.map((i) => h('li', {}, h('span', { text: names[i] }), ' ', h('span', { class: 'mono', text: formatPercent(probs[i]) }))));
}

export class Typographic {
  constructor({ onAttack }) {
    this.word = h('input', { type: 'text', id: 'typo-word', value: 'blue square', maxLength: 24 });
    this.preview = h('canvas', { class: 'typo-canvas', width: 224, height: 224, role: 'img', 'aria-label': 'the photo with the word written on it' });
    this.result = h('div', { class: 'typo-result', 'data-testid': 'typo-result', 'aria-live': 'polite' });
    this.el = h('div', {},
      h('form', { class: 'retrieval-form', onSubmit: (e) => { e.preventDefault(); onAttack(this.word.value); } },
        h('label', { for: 'typo-word', text: 'Word to write: ' }), this.word, h('button', { type: 'submit', text: 'Write it on the photo and re-classify' })),
      h('div', { class: 'typo-grid' }, this.preview, this.result));
  }

  async show({ bytes, names, before, after, word }) {
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    this.preview.getContext('2d').drawImage(bmp, 0, 0);
    clear(this.result).append(
      h('div', {}, h('p', { class: 'grid-label', text: 'before' }), rankList(names, before)),
      h('div', {}, h('p', { class: 'grid-label' }, 'with “', h('span', { text: word }), '” written on it'), rankList(names, after)));
  }
}

export class LabelCrowding {
  constructor({ onSynonyms, onJunk }) {
    this.result = h('div', { class: 'typo-result', 'data-testid': 'crowding-result', 'aria-live': 'polite' });
    this.el = h('div', {},
      h('div', { class: 'button-row' },
        h('button', { type: 'button', text: 'Add near-synonyms of the top label', onClick: onSynonyms }),
        h('button', { type: 'button', class: 'secondary', text: 'Add junk labels', onClick: onJunk })),
      this.result);
  }

  show({ title, beforeNames, before, afterNames, after }) {
    clear(this.result).append(
      h('div', {}, h('p', { class: 'grid-label', text: 'your labels' }), rankList(beforeNames, before, 5)),
      h('div', {}, h('p', { class: 'grid-label', text: title }), rankList(afterNames, after, 6)));
  }
}
