// §8 Edit your candidate labels: one row per label (add, edit, remove, reorder), each with
// its live cosine similarity and probability. Rows keep whatever the reader typed; empty
// rows are ignored and repeated labels flagged rather than removed.
import { h, clear, setText, setBar } from '../dom.js';
import { formatPercent, formatSigned } from '../format.js';

let nextRowId = 1;


export class LabelEditor {
  constructor({ onChange }) {
    this.onChange = onChange;
    this.rows = [];   // [{id, text, els}]
    this.list = h('ol', { class: 'label-list', 'aria-label': 'candidate labels' });
    this.addButton = h('button', { type: 'button', text: 'Add a label', onClick: () => { this.#addRow('', true); this.onChange(); } });
    this.note = h('p', { class: 'label-note', 'data-testid': 'label-note' });
    this.el = h('div', { class: 'label-editor' }, this.list,
      h('div', { class: 'button-row' }, this.addButton), this.note);
  }

  get texts() { return this.rows.map((r) => r.text); }
  get rowData() { return this.rows.map(({ id, text }) => ({ id, text })); }

  setLabels(texts) {
    this.rows = [];
    clear(this.list);
    for (const t of texts) this.#addRow(t, false);
  }

  #addRow(text, focus) {
    const row = { id: nextRowId++, text };
    const input = h('input', { type: 'text', value: text, class: 'label-text', 'aria-label': 'label', maxLength: 20000,
      onInput: () => { row.text = input.value; this.onChange(); } });
    const up = h('button', { type: 'button', class: 'icon', 'aria-label': 'move up', text: '↑', onClick: () => this.#move(row, -1) });
    const down = h('button', { type: 'button', class: 'icon', 'aria-label': 'move down', text: '↓', onClick: () => this.#move(row, 1) });
    const remove = h('button', { type: 'button', class: 'icon', 'aria-label': 'remove label', text: '×', onClick: () => this.#remove(row) });
    const cos = h('span', { class: 'row-cos mono', title: 'cosine similarity' });
    const prob = h('span', { class: 'row-prob mono', title: 'probability' });
    const bar = h('span', { class: 'bar' });
    const flag = h('span', { class: 'row-flag' });
    row.els = { li: h('li', { class: 'label-row', dataset: { rowId: String(row.id) } },
      input, h('span', { class: 'row-numbers' }, cos, h('span', { class: 'bar-track' }, bar), prob), up, down, remove, flag),
    input, cos, prob, bar, flag };
    this.rows.push(row);
    this.list.append(row.els.li);
    if (focus) input.focus();
    return row;
  }

  #move(row, delta) {
    const i = this.rows.indexOf(row);
    const j = i + delta;
    if (j < 0 || j >= this.rows.length) return;
    [this.rows[i], this.rows[j]] = [this.rows[j], this.rows[i]];
    this.list.append(...this.rows.map((r) => r.els.li));
    (delta < 0 ? row.els.li.querySelector('[aria-label="move up"]') : row.els.li.querySelector('[aria-label="move down"]')).focus();
    this.onChange();
  }

  #remove(row) {
    const i = this.rows.indexOf(row);
    this.rows.splice(i, 1);
    row.els.li.remove();
    const next = this.rows[Math.min(i, this.rows.length - 1)];
    (next?.els.input ?? this.addButton).focus();
    this.onChange();
  }

  /** Paints per-row numbers. info: {rowId → {cos, prob, truncated}} plus analysis flags. */
  paint({ byRow, duplicateOf, empty }) {
    for (const row of this.rows) {
      const r = byRow.get(row.id);
      const dup = duplicateOf.get(row.id);
      row.els.li.classList.toggle('inactive', !r);
      setText(row.els.cos, r ? `cos ${formatSigned(r.cos, 4)}` : '');
      this.#paintProb(row, r ? r.prob : null);
      let flag = '';
      if (empty.has(row.id)) flag = 'empty: ignored';
      else if (dup !== undefined) flag = `repeats label ${this.rows.findIndex((x) => x.id === dup) + 1}: counted once`;
      else if (r?.truncated) flag = `too long: cut at the ${r.contextLength}-token limit`;
      setText(row.els.flag, flag);
      row.els.flag.hidden = !flag;
      row.els.input.setAttribute('aria-invalid', String(dup !== undefined));
    }
  }

  /** The slider's path: only probabilities change. probByRow: Map(rowId → probability). */
  paintProbs(probByRow) {
    for (const row of this.rows) {
      const p = probByRow.get(row.id);
      if (p !== undefined) this.#paintProb(row, p);
    }
  }

  #paintProb(row, p) {
    setText(row.els.prob, p === null ? '' : formatPercent(p));
    setBar(row.els.bar, p ?? 0);
  }

  setNote(text) { this.note.textContent = text; }
}
