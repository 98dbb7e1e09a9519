// §6 Your labels through the text encoder: each prompt's BPE pieces with their ids (start and
// end tokens included), the context-length limit, and the label's vector.
import { h, clear } from '../dom.js';
import { HeatGrid } from '../widgets/heat-grid.js';

const MAX_SHOWN = 12;

export class TokenView {
  constructor() {
    this.list = h('div', { class: 'token-list' });
    this.el = h('div', {}, this.list);
  }

  /** items: [{label, prompt, ids, display, truncated, vector}] ; contextLength */
  set(items, { contextLength, startId, endId }) {
    clear(this.list);
    for (const item of items.slice(0, MAX_SHOWN)) {
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
      this.list.append(h('div', { class: 'token-item' },
        h('p', { class: 'token-prompt' }, h('q', { text: item.prompt }), ` — ${item.ids.length} of ${contextLength} tokens`),
        item.truncated ? h('p', { class: 'warn', text: `Too long: cut to the first ${contextLength} tokens (the end token is kept last). The rest of the label is not seen by the model.` }) : null,
        chips, grid.el));
    }
    if (items.length > MAX_SHOWN) {
      this.list.append(h('p', { class: 'muted', text: `…and ${items.length - MAX_SHOWN} more labels, not drawn here.` }));
    }
  }
}
