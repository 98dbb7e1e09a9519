// §9 The first label next to the image: two unit vectors and their element-wise products,
// whose sum is the cosine similarity.
import { h } from '../dom.js';
import { formatSigned } from '../format.js';
import { HeatGrid } from '../widgets/heat-grid.js';
import { sameNumbers } from './token-view.js';

export class PairView {
  constructor() {
    this.image = new HeatGrid({ label: 'image embedding', cell: 8 });
    this.text = new HeatGrid({ label: 'first label embedding', cell: 8 });
    this.products = new HeatGrid({ label: 'element-wise products', cell: 8,
      describe: (i) => this.#describe(i) });
    this.sum = h('p', { class: 'pair-sum', 'data-testid': 'pair-sum' });
    this.title = h('p', { class: 'pair-title' });
    this.el = h('div', {}, this.title,
      h('div', { class: 'pair-grids' },
        h('div', {}, h('p', { class: 'grid-label', text: 'image' }), this.image.el),
        h('div', { class: 'times', 'aria-hidden': 'true', text: '×' }),
        h('div', {}, h('p', { class: 'grid-label', text: 'first label' }), this.text.el),
        h('div', { class: 'times', 'aria-hidden': 'true', text: '=' }),
        h('div', {}, h('p', { class: 'grid-label', text: 'products' }), this.products.el)),
      this.sum);
  }

  #describe(i) {
    if (!this.a) return '';
    return ` = ${formatSigned(this.a[i], 4)} × ${formatSigned(this.b[i], 4)}`;
  }

  set({ label, imageVector, labelVector, products, sum }) {
    // Most edits leave the first label alone: then its three grids are already right.
    if (label === this.label && sameNumbers(imageVector, this.a) && sameNumbers(labelVector, this.b)) return;
    this.label = label;
    this.a = imageVector;
    this.b = labelVector;
    this.title.textContent = `“${label}”`;
    const scale = Math.max(...Array.from(imageVector, Math.abs), ...Array.from(labelVector, Math.abs));
    this.image.set(imageVector, { scale });
    this.text.set(labelVector, { scale });
    this.products.set(products);
    let pos = 0, neg = 0;
    for (const p of products) { if (p > 0) pos += p; else neg += p; }
    this.sum.textContent = `Sum of the ${products.length} products = ${formatSigned(sum, 4)}: the cosine similarity. ` +
      `Positive terms add ${formatSigned(pos, 3)}, negative ones ${formatSigned(neg, 3)}.`;
  }
}
