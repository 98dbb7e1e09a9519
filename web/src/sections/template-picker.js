// §7 Prompt templates: pick one, or average all of them (an ensemble), and compare the
// predictions each gives side by side.
import { h, clear } from '../dom.js';
import { TEMPLATES } from '../app/templates.js';
import { formatPercent } from '../format.js';

export class TemplatePicker {
  constructor({ onChange, onCompare }) {
    this.onChange = onChange;
    this.radios = TEMPLATES.map((t) => h('input', { type: 'radio', name: 'template', value: t.id, id: `template-${t.id}`,
      onChange: () => this.onChange() }));
    this.ensemble = h('input', { type: 'checkbox', id: 'template-ensemble', onChange: () => { this.#syncDisabled(); this.onChange(); } });
    this.compareButton = h('button', { type: 'button', class: 'secondary', text: 'Compare every template side by side', onClick: onCompare });
    this.table = h('div', { class: 'table-scroll', 'data-testid': 'template-compare' });
    this.el = h('div', {},
      h('fieldset', { class: 'templates' }, h('legend', { text: 'Template' }),
        ...TEMPLATES.map((t, i) => h('label', { class: 'radio', for: `template-${t.id}` }, this.radios[i], ' ', h('q', { text: t.text.replace('{}', '…') })))),
      h('label', { class: 'inline-check', for: 'template-ensemble' }, this.ensemble, ` average all ${TEMPLATES.length} templates (ensemble)`),
      h('div', { class: 'button-row' }, this.compareButton), this.table);
  }

  #syncDisabled() {
    for (const r of this.radios) r.disabled = this.ensemble.checked;
  }

  set({ template, ensemble }) {
    for (const r of this.radios) r.checked = r.value === template;
    this.ensemble.checked = ensemble;
    this.#syncDisabled();
  }

  get value() {
    return { template: this.radios.find((r) => r.checked)?.value ?? 'photo', ensemble: this.ensemble.checked };
  }

  /** columns: [{name, probs}] over the same labels. */
  showComparison(labels, columns) {
    clear(this.table);
    const table = h('table', { class: 'compare' },
      h('caption', { text: 'Probability of each label under each template (same photo, same τ)' }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'label' }), ...columns.map((c) => h('th', { scope: 'col', class: 'num', text: c.name })))),
      h('tbody', {}, ...labels.map((label, i) => h('tr', {}, h('th', { scope: 'row', text: label }),
        ...columns.map((c) => {
          const best = c.probs[i] === Math.max(...c.probs);
          return h('td', { class: `num mono${best ? ' best' : ''}`, text: formatPercent(c.probs[i]) + (best ? ' ★' : '') });
        })))));
    this.table.append(table);
  }
}
