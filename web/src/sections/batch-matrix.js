// §2 widget: a small training batch as CLIP sees it. Rows are captions, columns the photos;
// contrastive training pushes the diagonal (true pairs) up and everything else down.
import { h, clear } from '../dom.js';
import { cosineTable } from '../widgets/cosine-table.js';

export class BatchMatrix {
  constructor() {
    this.box = h('div', {});
    this.note = h('p', { class: 'muted', 'data-testid': 'batch-note' });
    this.el = h('div', {}, this.box, this.note);
  }

  /** items: [{caption, src, vector}], captionVectors: [Float32Array], values: cosines (rows = captions) */
  set(items, values) {
    clear(this.box);
    const n = items.length;
    this.box.append(cosineTable({
      rowNames: items.map((it) => it.caption), colNames: items.map((it) => it.caption), colImages: items.map((it) => it.src),
      values, caption: 'Cosine similarity of each caption (row) with each photo (column); true pairs on the diagonal',
      highlightDiagonal: true, rowHeader: 'caption ↓ · photo →',
    }));
    let wins = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 0; j < n; j++) if (values[i * n + j] > values[i * n + best]) best = j;
      if (best === i) wins++;
    }
    this.note.textContent = `In ${wins} of ${n} rows the caption's own photo scores highest. ` +
      'Training nudges both encoders so that, batch after batch, this pattern gets sharper.';
  }
}
