// §13: the labels and the image projected onto the two directions along which their vectors
// differ most (PCA, computed by the core). Near-synonyms land close together.
import { h, clear } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
};

export class ConceptMap {
  constructor() {
    this.box = h('div', { class: 'concept-map' });
    this.note = h('p', { class: 'muted' });
    this.el = h('div', {}, this.box, this.note);
  }

  /** points: [{name, kind: 'label'|'image'}], xy: Float64Array(2n), explained: [x, y] */
  set(points, xy, explained) {
    clear(this.box);
    const W = 640, H = 360, pad = 40;
    const xs = points.map((_, i) => xy[i * 2]), ys = points.map((_, i) => xy[i * 2 + 1]);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    const sx = (x) => pad + ((x - x0) / Math.max(1e-9, x1 - x0)) * (W - 2 * pad);
    const sy = (y) => H - pad - ((y - y0) / Math.max(1e-9, y1 - y0)) * (H - 2 * pad);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'concept-svg' });
    const title = svg('title');
    title.textContent = `Map of ${points.length} vectors on their two main directions`;
    root.append(title);
    root.append(svg('line', { x1: pad, y1: H - pad + 10, x2: W - pad, y2: H - pad + 10, class: 'axis' }));
    points.forEach((p, i) => {
      const x = sx(xs[i]), y = sy(ys[i]);
      const g = svg('g', { class: `pt ${p.kind}` });
      if (p.kind === 'image') g.append(svg('rect', { x: x - 7, y: y - 7, width: 14, height: 14 }));
      else g.append(svg('circle', { cx: x, cy: y, r: 5 }));
      const t = svg('text', { x: x + 9, y: y + 4 });
      t.textContent = p.kind === 'image' ? `■ ${p.name}` : p.name;
      g.append(t);
      root.append(g);
    });
    this.box.append(root);
    this.note.textContent = `Horizontal: the direction of greatest spread (${(explained[0] * 100).toFixed(0)}% of the variance); ` +
      `vertical: the next one (${(explained[1] * 100).toFixed(0)}%). Only a shadow of ${points.length} points in many dimensions: ` +
      'distances here are approximate, but clusters are real.';
  }
}
