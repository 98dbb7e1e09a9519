// §6 Your labels through the text encoder: each prompt's BPE pieces with their ids (start and
// end tokens included), the context-length limit, and the label's vector.
import { h, setText, placeChild } from '../dom.js';
import { HeatGrid } from '../widgets/heat-grid.js';

const MAX_SHOWN = 12;

export class TokenView {
  constructor() {
    this.list = h('div', { class: 'token-list' });
    this.el = h('div', {}, this.list);
  }

  /** items: [{label, prompt, ids, display, truncated, vector}] ; contextLength */
  set(items, { contextLength, startId, endId }) {
    // An item is rebuilt only when its prompt or numbers changed: editing one label redraws
    // one token strip and one grid, not all of them.
    const old = new Map((this.items ?? []).map((it) => [it.prompt, it]));
    this.items = items.slice(0, MAX_SHOWN).map((item) => {
      const prev = old.get(item.prompt);
      if (prev && prev.contextLength === contextLength && sameNumbers(prev.ids, item.ids) && sameNumbers(prev.vector, item.vector)) {
        old.delete(item.prompt);
        return prev;
      }
      return { prompt: item.prompt, ids: item.ids, vector: item.vector, contextLength, el: this.#item(item, { contextLength, startId, endId }) };
    });
    for (const it of old.values()) it.el.remove();
    this.items.forEach((it, i) => placeChild(this.list, it.el, i));
    const more = items.length > MAX_SHOWN ? `…and ${items.length - MAX_SHOWN} more labels, not drawn here.` : '';
    if (!this.more) this.more = h('p', { class: 'muted' });
    setText(this.more, more);
    if (more && this.more.parentNode !== this.list) this.list.append(this.more);
    else if (!more) this.more.remove();
  }

  #item(item, { contextLength, startId, endId }) {
    const chips = h('ol', { class: 'tokens', 'aria-label': `tokens of “${item.prompt}”` });
    item.ids.forEach((id, k) => {
      const special = id === startId ? 'start' : id === endId ? 'end' : null;
      const text = special === 'start' ? '<start>' : special === 'end' ? '<end>' : (item.display[k] ?? '');
      chips.append(h('li', { class: `token${special ? ' special' : ''}` },
        h('span', { class: 'token-text', text: text.replace(/ /g, '␣') }),
        h('span', { class: 'token-id mono', text: String(id) })));
    });
    const grid = new HeatGrid({ label: `text embedding of “${item.prompt}”`, cell: 6 });
    grid.set(item.vector);
    return h('div', { class: 'token-item' },
      h('p', { class: 'token-prompt' }, h('q', { text: item.prompt }), ` — ${item.ids.length} of ${contextLength} tokens`),
      item.truncated ? h('p', { class: 'warn', text: `Too long: cut to the first ${contextLength} tokens (the end token is kept last). The rest of the label is not seen by the model.` }) : null,
      chips, grid.el);
  }
}

/** Element-wise equality of two array-likes (ids, embedding vectors). */
export function sameNumbers(a, b) {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
