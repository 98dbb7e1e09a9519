// §11 Softmax and temperature. The reader edits similarity scores and drags τ on a log
// scale; every number shown (logits, shifted exponentials, their sum, the probabilities,
// the gap sentence) comes back from the WASM core in the worker. Dragging never touches an
// encoder: only the core's softmax runs.
import { h, clear, setText, setBar, placeChild, reuseByKey } from '../dom.js';
import { formatPercent, formatSigned, formatMagnitude, formatTau } from '../format.js';
import { TAU_MIN, TAU_MAX } from '../app/persisted-state.js';

export { TAU_MIN, TAU_MAX };  // the slider's range is the range a saved or shared τ may take

/** Slider position (log10 τ) ↔ τ. */
export const tauFromSlider = (v) => 10 ** Number(v);
export const sliderFromTau = (tau) => Math.log10(tau);

// The numbers a slider step rewrites live in fixed-size boxes (.cell-num, .pct; see style.css)
// so a new value re-lays out only its box, not the whole table.
function numberCells() {
  const logit = h('span', { class: 'cell-num' });
  const exp = h('span', { class: 'cell-num' });
  const bar = h('span', { class: 'bar' });
  const pct = h('span', { class: 'pct mono' });
  return { logit, exp, bar, pct, logitCell: h('td', { class: 'num mono' }, logit), expCell: h('td', { class: 'num mono' }, exp) };
}

export class SoftmaxSection {
  constructor({ client, root, onChange }) {
    this.client = client;
    this.root = root;
    this.onChange = onChange ?? (() => {});
    this.rows = [];           // [{label, score}]
    this.rowEls = [];
    this.tau = 0.01;
    this.editable = true;
    this.lastTiming = null;
    this.seq = 0;             // paints in order: a late answer never overwrites a newer one
    this.settledSeq = 0;      // the newest update that has finished (painted or failed)
    this.gap = null;          // {tau, ratio}: the core's e^(0.05/τ) for the last τ it was asked
    this.#build();
  }

  #build() {
    const sliderId = 'tau-slider';
    this.slider = h('input', {
      id: sliderId, type: 'range', min: String(sliderFromTau(TAU_MIN)), max: String(sliderFromTau(TAU_MAX)),
      step: 'any', value: String(sliderFromTau(this.tau)), 'aria-describedby': 'tau-readout',
      onInput: () => this.setTau(tauFromSlider(this.slider.value), { fromSlider: true }),
    });
    this.tauReadout = h('output', { id: 'tau-readout', for: sliderId, class: 'tau-readout' });
    this.gapSentence = h('p', { class: 'gap-sentence', 'data-testid': 'gap-sentence' });
    this.tbody = h('tbody');
    this.summary = h('p', { class: 'softmax-summary', 'data-testid': 'softmax-summary' });
    this.timing = h('p', { class: 'timing', 'data-testid': 'softmax-timing' });
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });

    const table = h('table', { class: 'softmax-table' },
      h('caption', { class: 'visually-hidden', text: 'Softmax of the similarity scores at the chosen temperature' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'label' }),
        h('th', { scope: 'col', class: 'num', text: 'similarity s' }),
        h('th', { scope: 'col', class: 'num', text: 'logit s/τ' }),
        h('th', { scope: 'col', class: 'num', text: 'e^(logit − max)' }),
        h('th', { scope: 'col', class: 'prob-col', text: 'probability' }),
        h('th', { scope: 'col', class: 'visually-hidden', text: 'remove' }))),
      this.tbody);

    clear(this.root).append(
      h('div', { class: 'slider-row' },
        h('label', { for: sliderId, text: 'Temperature τ' }),
        h('span', { class: 'slider-end', text: String(TAU_MIN) }),
        this.slider,
        h('span', { class: 'slider-end', text: String(TAU_MAX) }),
        this.tauReadout),
      this.gapSentence,
      h('div', { class: 'table-scroll' }, table),
      this.addButton = h('button', { type: 'button', class: 'secondary', text: 'Add a row', onClick: () => this.addRow() }),
      this.error,
      this.summary,
      this.timing);
  }

  /** editable: the reader may change labels and scores (the published-figures demo); live
   *  rows come from the model and are read-only here. computed: the core's softmax of exactly
   *  these scores, when the caller already has it (the live classify result), so painting it
   *  needs no second trip to the worker. */
  setRows(rows, { editable = true, computed = null } = {}) {
    const wasEditable = this.editable;
    this.editable = editable;
    this.addButton.hidden = !editable;
    this.rows = rows.map((r) => ({ label: r.label, score: r.score }));
    if (editable || wasEditable) {
      clear(this.tbody);
      this.rowEls = this.rows.map((row, i) => this.#makeRow(row, i));
      this.tbody.append(...this.rowEls.map((r) => r.tr));
    } else {
      // Read-only live rows are kept per label: editing one label rebuilds one row.
      this.rowEls = reuseByKey(this.rowEls, this.rows.map((row) => row.label),
        { keyOf: (els) => els.label, make: (label, i) => this.#makeRow(this.rows[i]), drop: (els) => els.tr.remove() });
      this.rowEls.forEach((els, i) => {
        setText(els.score, formatSigned(this.rows[i].score, 4));
        placeChild(this.tbody, els.tr, i);
      });
    }
    return this.update({ computed });
  }

  addRow() {
    const row = { label: `label ${this.rows.length + 1}`, score: 0.2 };
    this.rows.push(row);
    const els = this.#makeRow(row, this.rows.length - 1);
    this.rowEls.push(els);
    this.tbody.append(els.tr);
    this.onChange();
    return this.update();
  }

  #removeRow(rowObj) {
    const i = this.rows.indexOf(rowObj);
    if (i < 0 || this.rows.length <= 1) return;
    this.rows.splice(i, 1);
    this.rowEls.splice(i, 1)[0].tr.remove();
    this.onChange();
    this.update();
  }

  #makeRow(row) {
    if (!this.editable) return this.#makeReadOnlyRow(row);
    const label = h('input', {
      type: 'text', value: row.label, 'aria-label': 'label text', class: 'label-input', maxLength: 200,
      onInput: () => { row.label = label.value; this.onChange(); },
    });
    const score = h('input', {
      type: 'number', value: String(row.score), step: '0.01', min: '-1', max: '1',
      'aria-label': 'cosine similarity', class: 'score-input',
      onInput: () => {
        const v = score.valueAsNumber;
        row.invalid = !Number.isFinite(v) || v < -1 || v > 1;
        score.setAttribute('aria-invalid', String(row.invalid));
        if (!row.invalid) row.score = v;
        this.onChange();
        this.update();
      },
    });
    const { logit, exp, bar, pct, logitCell, expCell } = numberCells();
    const remove = h('button', {
      type: 'button', class: 'icon', 'aria-label': 'remove this row', text: '×',
      onClick: () => this.#removeRow(row),
    });
    const tr = h('tr', {},
      h('td', {}, label), h('td', { class: 'num' }, score), logitCell, expCell,
      h('td', { class: 'prob-cell' }, h('span', { class: 'bar-track' }, bar), pct),
      h('td', {}, remove));
    return { tr, logit, exp, bar, pct };
  }

  #makeReadOnlyRow(row) {
    const { logit, exp, bar, pct, logitCell, expCell } = numberCells();
    const score = h('td', { class: 'num mono score-cell', text: formatSigned(row.score, 4) });
    const tr = h('tr', {},
      h('td', { class: 'label-cell', text: row.label, title: row.label }), score, logitCell, expCell,
      h('td', { class: 'prob-cell' }, h('span', { class: 'bar-track' }, bar), pct), h('td'));
    return { tr, logit, exp, bar, pct, score, label: row.label };
  }

  /** silent: a programmatic change (the model's own τ, a restored state), not the reader's. */
  setTau(tau, { fromSlider = false, silent = false } = {}) {
    this.tau = Math.min(TAU_MAX, Math.max(TAU_MIN, tau));
    if (!fromSlider) this.slider.value = String(sliderFromTau(this.tau));
    if (!silent) this.onChange();
    return this.update();
  }

  /** Ask the core for the softmax and paint it. Resolves when the numbers are on screen. */
  update(options = {}) {
    const seq = ++this.seq;
    return this.#updateFor(seq, options).finally(() => { if (seq === this.seq) this.settledSeq = seq; });
  }

  /** True while the numbers on screen may not yet match the rows and τ (the core's answer
   *  is on its way, perhaps queued behind an encoder run in the worker). */
  get busy() { return this.settledSeq !== this.seq; }

  async #updateFor(seq, { computed = null } = {}) {
    const started = performance.now();
    const tau = this.tau;
    this.tauReadout.textContent = `τ = ${formatTau(tau)}  (logit scale 1/τ = ${formatMagnitude(1 / tau)})`;
    this.slider.setAttribute('aria-valuetext', `tau ${formatTau(tau)}`);
    if (this.rows.some((r) => r.invalid)) {
      this.#showError('A similarity must be a number between −1 and 1; the invalid row keeps its last valid value.');
    }
    let result;
    // The caller's softmax is usable only at this very τ and with the gap ratio the core gave
    // for it; otherwise ask the core.
    if (computed && computed.tau === tau && computed.probs.length === this.rows.length && this.gap?.tau === tau) {
      result = { ...computed, gapRatio: this.gap.ratio, coreMs: null };
    } else {
      try {
        result = await this.client.latest('softmax', 'softmax', { scores: this.rows.map((r) => r.score), tau });
      } catch (err) {
        this.#showError(err.message);
        return;
      }
      if (!result) return;  // a newer slider position is already on its way
      this.gap = { tau: result.tau, ratio: result.gapRatio };
    }
    if (seq !== this.seq) return;  // newer rows or τ were painted meanwhile
    if (!this.rows.some((r) => r.invalid)) this.error.hidden = true;
    this.#paint(result);
    this.lastTiming = { coreMs: result.coreMs, totalMs: performance.now() - started };
    this.timing.textContent = result.coreMs === null
      ? 'Computed by the WASM core together with the similarities (no extra call).'
      : `Computed by the WASM core in ${result.coreMs.toFixed(3)} ms; ` +
        `${this.lastTiming.totalMs.toFixed(1)} ms from input to painted numbers.`;
    this.root.dispatchEvent(new CustomEvent('softmax-painted', { detail: result }));
    return result;
  }

  #paint(r) {
    let maxP = 0;
    for (const p of r.probs) maxP = Math.max(maxP, p);
    // Write only what changed: with 100 rows most cells keep their text between slider steps.
    for (let i = 0; i < this.rowEls.length && i < r.probs.length; i++) {
      const els = this.rowEls[i];
      setText(els.logit, formatSigned(r.logits[i], 2));
      setText(els.exp, formatMagnitude(r.exps[i]));
      setText(els.pct, formatPercent(r.probs[i]));
      setBar(els.bar, r.probs[i]);
      const isTop = r.probs[i] === maxP;
      if (els.tr.classList.contains('top') !== isTop) els.tr.classList.toggle('top', isTop);
    }
    const gap = 0.05 / r.tau;
    this.gapSentence.textContent =
      `At τ = ${formatTau(r.tau)}, a similarity gap of 0.05 is a factor of ` +
      `e^${formatMagnitude(gap)} ≈ ${formatMagnitude(r.gapRatio)} in probability.`;
    const entropyBits = r.entropy / Math.LN2;
    this.summary.textContent =
      `Largest logit ${formatSigned(r.maxLogit, 2)} is subtracted before exponentiating, so the top term is exactly 1; ` +
      `Σ e^(logit − max) = ${formatMagnitude(r.sum)}; entropy ${entropyBits.toFixed(3)} bits ` +
      `(uniform over ${r.probs.length} would be ${Math.log2(r.probs.length).toFixed(3)}).`;
  }

  #showError(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }
}
