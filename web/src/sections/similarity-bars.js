// §10 Raw cosine similarities, before softmax, as bars on a common axis.
import { h, clear } from '../dom.js';
import { formatSigned } from '../format.js';

export class SimilarityBars {
  constructor() {
    this.list = h('ol', { class: 'sim-bars', 'aria-label': 'cosine similarity per label' });
    this.axis = h('p', { class: 'muted axis-note' });
    this.el = h('div', {}, this.list, this.axis);
  }

  set(labels, scores) {
    clear(this.list);
    const hi = Math.max(0.01, ...scores);
    const lo = Math.min(0, ...scores);
    const span = hi - lo;
    labels.forEach((label, i) => {
      const s = scores[i];
      const left = ((Math.min(s, 0) - lo) / span) * 100;
      const width = (Math.abs(s) / span) * 100;
      this.list.append(h('li', { class: 'sim-row' },
        h('span', { class: 'sim-label', text: label, title: label }),
        h('span', { class: 'sim-track' }, h('span', { class: `sim-bar${s < 0 ? ' neg' : ''}`, style: { left: `${left}%`, width: `${width}%` } })),
        h('span', { class: 'sim-value mono', text: formatSigned(s, 4) })));
    });
    this.axis.textContent = `Axis from ${formatSigned(lo, 2)} to ${formatSigned(hi, 2)}. The gaps between these numbers are small; softmax is what turns them into a decision.`;
  }
}
