// §12 Live predictions: labels ranked by probability, announced politely to screen readers.
import { h } from '../dom.js';
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
      const old = new Map();
      for (const r of this.rows ?? []) (old.get(r.label) ?? old.set(r.label, []).get(r.label)).push(r);
      this.rows = labels.map((label) => old.get(label)?.shift() ?? this.#makeRow(label));
      for (const spare of old.values()) for (const r of spare) r.li.remove();
    }
    order.forEach((i, rank) => {
      const r = this.rows[i];
      const text = formatPercent(probs[i]);
      if (r.prob.textContent !== text) r.prob.textContent = text;
      const t = `scaleX(${probs[i].toFixed(4)})`;
      if (r.barT !== t) { r.barT = t; r.bar.style.transform = t; }
      if (r.li.classList.contains('top') !== (rank === 0)) r.li.classList.toggle('top', rank === 0);
      if (this.list.children[rank] !== r.li) this.list.insertBefore(r.li, this.list.children[rank] ?? null);
    });
    if (this.source.textContent !== source) this.source.textContent = source;
    if (order.length) {
      const top = order[0];
      const text = `Top prediction: ${labels[top]}, ${formatPercent(probs[top])}`;
      if (this.live.textContent !== text) this.live.textContent = text;
    }
  }
}
