// §10 Raw cosine similarities, before softmax, as bars on a common axis.
import { h, setText } from '../dom.js';
import { formatSigned } from '../format.js';

export class SimilarityBars {
  constructor() {
    this.list = h('ol', { class: 'sim-bars', 'aria-label': 'cosine similarity per label' });
    this.axis = h('p', { class: 'muted axis-note' });
    this.el = h('div', {}, this.list, this.axis);
  }

  set(labels, scores) {
    const hi = Math.max(0.01, ...scores);
    const lo = Math.min(0, ...scores);
    const span = hi - lo;
    // Rows are reused in place (only changed text and bar geometry is written), so an edit to
    // one label does not rebuild every row.
    this.rows ??= [];
    while (this.rows.length > labels.length) this.rows.pop().li.remove();
    while (this.rows.length < labels.length) {
      const row = { label: h('span', { class: 'sim-label' }), bar: h('span', { class: 'sim-bar' }), value: h('span', { class: 'sim-value mono' }) };
      row.li = h('li', { class: 'sim-row' }, row.label, h('span', { class: 'sim-track' }, row.bar), row.value);
      this.rows.push(row);
      this.list.append(row.li);
    }
    labels.forEach((label, i) => {
      const s = scores[i];
      const r = this.rows[i];
      const left = `${((Math.min(s, 0) - lo) / span) * 100}%`;
      const width = `${(Math.abs(s) / span) * 100}%`;
      if (r.label.textContent !== label) { r.label.textContent = label; r.label.title = label; }
      if (r.left !== left) { r.left = left; r.bar.style.left = left; }
      if (r.width !== width) { r.width = width; r.bar.style.width = width; }
      r.bar.classList.toggle('neg', s < 0);
      setText(r.value, formatSigned(s, 4));
    });
    this.axis.textContent = `Axis from ${formatSigned(lo, 2)} to ${formatSigned(hi, 2)}. The gaps between these numbers are small; softmax is what turns them into a decision.`;
  }
}
