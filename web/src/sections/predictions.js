// §12 Live predictions: labels ranked by probability, announced politely to screen readers.
import { h, clear } from '../dom.js';
import { formatPercent } from '../format.js';

export class Predictions {
  constructor() {
    this.list = h('ol', { class: 'predictions', 'data-testid': 'predictions' });
    this.live = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
    this.source = h('p', { class: 'muted', 'data-testid': 'predictions-source' });
    this.el = h('div', {}, this.source, this.list, this.live);
  }

  set(labels, probs, { source }) {
    const order = labels.map((_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
    clear(this.list);
    order.forEach((i, rank) => {
      this.list.append(h('li', { class: rank === 0 ? 'top' : '' },
        h('span', { class: 'pred-label', text: labels[i] }),
        h('span', { class: 'bar-track wide' }, h('span', { class: 'bar', style: { transform: `scaleX(${probs[i].toFixed(4)})` } })),
        h('span', { class: 'pred-prob mono', text: formatPercent(probs[i]) })));
    });
    this.source.textContent = source;
    if (order.length) {
      const top = order[0];
      const text = `Top prediction: ${labels[top]}, ${formatPercent(probs[top])}`;
      if (this.live.textContent !== text) this.live.textContent = text;
    }
  }
}
