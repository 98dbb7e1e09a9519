// §12 Live predictions: labels ranked by probability, announced politely to screen readers.
import { h, setText, setBar, placeChild, reuseByKey } from '../dom.js';
import { formatPercent } from '../format.js';

export class Predictions {
  constructor() {
    this.list = h('ol', { class: 'predictions', 'data-testid': 'predictions' });
    this.live = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
    this.source = h('p', { class: 'muted', 'data-testid': 'predictions-source' });
    this.el = h('div', {}, this.source, this.list, this.live);
  }

  #makeRow(label) {
    const bar = h('span', { class: 'bar' });
    const prob = h('span', { class: 'pred-prob mono' });
    const li = h('li', {}, h('span', { class: 'pred-label', text: label }), h('span', { class: 'bar-track wide' }, bar), prob);
    return { label, li, bar, prob };
  }

  set(labels, probs, { source }) {
    const order = labels.map((_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
    // Rows are kept per label text: the slider moves only numbers, and an edit to one label
    // builds one new row, so a repaint with 100 labels touches text and transforms, not the DOM.
    const key = labels.join('\u0000');
    if (key !== this.key) {
      this.key = key;
      this.rows = reuseByKey(this.rows ?? [], labels, { keyOf: (r) => r.label, make: (label) => this.#makeRow(label), drop: (r) => r.li.remove() });
    }
    order.forEach((i, rank) => {
      const r = this.rows[i];
      setText(r.prob, formatPercent(probs[i]));
      setBar(r.bar, probs[i]);
      if (r.li.classList.contains('top') !== (rank === 0)) r.li.classList.toggle('top', rank === 0);
      placeChild(this.list, r.li, rank);
    });
    setText(this.source, source);
    if (order.length) {
      const top = order[0];
      setText(this.live, `Top prediction: ${labels[top]}, ${formatPercent(probs[top])}`);
    }
  }
}
