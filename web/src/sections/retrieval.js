// §15 live: the same vectors run backwards. Text → rank the photos (the gallery and the
// reader's own); photo → rank a bank of captions (alt-text suggestions).
import { h, clear } from '../dom.js';
import { formatSigned } from '../format.js';

export class Retrieval {
  constructor({ onSearch, onDescribe }) {
    this.query = h('input', { type: 'search', id: 'retrieval-query', placeholder: 'describe a picture…', value: '', maxLength: 300 });
    this.form = h('form', { class: 'retrieval-form', onSubmit: (e) => { e.preventDefault(); onSearch(this.query.value); } },
      h('label', { for: 'retrieval-query', text: 'Search the photos by text: ' }), this.query,
      h('button', { type: 'submit', text: 'Search' }));
    this.results = h('ol', { class: 'retrieval-results', 'data-testid': 'retrieval-results', 'aria-live': 'polite' });
    this.describeButton = h('button', { type: 'button', text: 'Suggest captions for the current photo', onClick: onDescribe });
    this.captions = h('ol', { class: 'caption-results', 'data-testid': 'caption-results', 'aria-live': 'polite' });
    this.el = h('div', { class: 'retrieval' },
      h('h3', { text: 'Text → photos' }), this.form, this.results,
      h('h3', { text: 'Photo → captions' }), h('div', { class: 'button-row' }, this.describeButton), this.captions);
  }

  showPhotos(query, ranked) {
    clear(this.results);
    for (const r of ranked.slice(0, 8)) {
      this.results.append(h('li', {}, h('img', { src: r.src, alt: r.name, width: 56, height: 56 }),
        h('span', { class: 'ret-name', text: r.name }), h('span', { class: 'mono', text: formatSigned(r.score, 4) })));
    }
    if (!ranked.length) this.results.append(h('li', { text: `No photos to search for “${query}” yet.` }));
  }

  showCaptions(ranked) {
    clear(this.captions);
    for (const r of ranked.slice(0, 5)) {
      this.captions.append(h('li', {}, h('span', { text: r.caption }), ' ', h('span', { class: 'mono muted', text: formatSigned(r.score, 4) })));
    }
  }
}
