// A matrix of cosine similarities as a table: every value printed, shaded by size, with an
// optional highlighted diagonal (marked by a border and bold type, not by colour alone).
import { h } from '../dom.js';
import { divergingColor } from './heat-grid.js';

/** Black or white text, whichever reads better (WCAG contrast) on an rgb(...) background. */
export function readableOn(rgb) {
  const [r, g, b] = rgb.match(/\d+/g).map(Number).map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) ? '#111' : '#fff';
}

export function cosineTable({ rowNames, colNames, values, caption, highlightDiagonal = false, rowHeader = '', colImages = null }) {
  const rows = rowNames.length, cols = colNames.length;
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const mid = (lo + hi) / 2, half = Math.max(1e-9, (hi - lo) / 2);
  const head = h('tr', {}, h('th', { scope: 'col', text: rowHeader }),
    ...colNames.map((name, j) => h('th', { scope: 'col', class: 'matrix-col', title: name },
      colImages?.[j] ? h('img', { src: colImages[j], alt: name, width: 40, height: 40 }) : h('span', { text: name }))));
  const body = [];
  for (let i = 0; i < rows; i++) {
    const cells = [];
    for (let j = 0; j < cols; j++) {
      const v = values[i * cols + j];
      const diag = highlightDiagonal && i === j;
      // Pale shades only: black text must stay readable (WCAG AA) on every cell.
      const shade = divergingColor((v - mid) / half * 0.45);
      cells.push(h('td', { class: `matrix-cell mono${diag ? ' diagonal' : ''}`, style: { background: shade, color: readableOn(shade) },
        title: `${rowNames[i]} · ${colNames[j]}: ${v.toFixed(4)}`, text: v.toFixed(2) }));
    }
    body.push(h('tr', {}, h('th', { scope: 'row', class: 'matrix-row', text: rowNames[i], title: rowNames[i] }), ...cells));
  }
  return h('div', { class: 'table-scroll' }, h('table', { class: 'matrix' },
    h('caption', { text: caption }), h('thead', {}, head), h('tbody', {}, ...body)));
}
