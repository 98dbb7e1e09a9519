// The later sections' live widgets (§2 batch matrix, §13 concept map, §14 label matrix,
// §15 retrieval, §16 pitfalls, §17 about). They reuse the worker's caches: a photo or prompt
// already encoded for the main loop is never encoded again here.
import { BatchMatrix } from '../sections/batch-matrix.js';
import { ConceptMap } from '../sections/concept-map.js';
import { Retrieval } from '../sections/retrieval.js';
import { Typographic, LabelCrowding, writeOnCrop } from '../sections/pitfalls.js';
import { About } from '../sections/about.js';
import { cosineTable } from '../widgets/cosine-table.js';
import { clear, h } from '../dom.js';
import { applyTemplate, templateById, promptsFor } from './templates.js';

// The batch matrix shows this many gallery photos against their captions.
const BATCH_PHOTOS = 6;
const JUNK = ['qwxz', 'zzzz', 'lorem ipsum', 'asdf jkl'];

function stack(vectors, dim) {
  const out = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => out.set(v, i * dim));
  return out;
}

export class Explorations {
  constructor(app, $) {
    this.app = app;
    this.client = app.client;
    this.batch = new BatchMatrix();
    this.map = new ConceptMap();
    this.labelMatrix = h('div', { 'data-testid': 'label-matrix' });
    this.retrieval = new Retrieval({ onSearch: (q) => this.search(q), onDescribe: () => this.describe() });
    this.typo = new Typographic({ onAttack: (w) => this.attack(w) });
    this.crowding = new LabelCrowding({ onSynonyms: () => this.crowd('synonyms'), onJunk: () => this.crowd('junk') });
    this.about = new About({ onClearCache: () => this.clearCache() });
    $('batch-widget')?.append(this.batch.el);
    $('map-widget')?.append(this.map.el);
    $('label-matrix-widget')?.append(this.labelMatrix);
    $('retrieval-widget')?.append(this.retrieval.el);
    $('typo-widget')?.append(this.typo.el);
    $('crowding-widget')?.append(this.crowding.el);
    $('about-widget')?.append(this.about.el);
    this.galleryVectors = new Map();
    this.busy = 0;   // background work in flight (the app's isIdle counts it)
  }

  /** Runs fn as tracked background work; failures are logged, never thrown at the reader. */
  async track(what, fn) {
    this.busy++;
    try {
      return await fn();
    } catch (err) {
      console.warn(`${what}: ${err.message}`);
      return null;
    } finally {
      this.busy--;
    }
  }

  get dim() { return this.app.manifest.embed_dim; }

  async modelReady(model, info) {
    this.about.setModel(model.manifest, model);
    this.about.setRuntime(info, model.threads);
  }

  /** Encodes (once) and returns the first `count` gallery photos with their vectors. */
  async gallery(count = Infinity) {
    const out = [];
    for (const item of this.app.gallery.slice(0, count)) {
      if (!this.galleryVectors.has(item.id)) {
        const res = await fetch(item.src);
        const bytes = new Uint8Array(await res.arrayBuffer());
        const enc = await this.client.request('encodeImage', { bytes: bytes.buffer });
        this.galleryVectors.set(item.id, enc.vector);
      }
      out.push({ ...item, vector: this.galleryVectors.get(item.id) });
    }
    return out;
  }

  async photoPool() {
    const pool = (await this.gallery()).map((g) => ({ name: g.caption, src: g.src, vector: g.vector }));
    for (const u of this.app.uploads) pool.push({ name: u.name, src: u.thumb, vector: u.vector });
    return pool;
  }

  async renderBatch() {
    // Only the photos the matrix shows: the others wait until a search needs them.
    const items = await this.gallery(BATCH_PHOTOS);
    if (items.length < 2) return;
    const caps = await this.client.request('embedPrompts', { prompts: items.map((it) => it.caption) });
    const m = await this.client.request('cosineMatrix', { a: stack(caps.map((c) => c.vector), this.dim), b: stack(items.map((it) => it.vector), this.dim), dim: this.dim });
    this.batch.set(items, m.values);
  }

  /** Called after each live refresh: the map and the label matrix follow the labels. */
  async labelsUpdated(live) {
    const labels = live.labels;
    const vecs = live.result?.labels.map((l) => l.vector) ?? [];
    clear(this.labelMatrix);
    if (vecs.length >= 2 && vecs.length <= 30) {
      const m = await this.client.request('cosineMatrix', { a: stack(vecs, this.dim), b: stack(vecs, this.dim), dim: this.dim });
      const names = labels.map((l) => l.label);
      this.labelMatrix.append(cosineTable({ rowNames: names, colNames: names, values: m.values, highlightDiagonal: true,
        caption: 'Cosine similarity between every pair of your labels (the diagonal is each label with itself, exactly 1)' }));
    } else {
      this.labelMatrix.append(h('p', { class: 'muted', text: vecs.length < 2 ? 'Add at least two labels to see how they relate.' : 'Too many labels to draw as a matrix (30 at most).' }));
    }
    if (vecs.length >= 2 && vecs.length <= 60 && this.app.photo) {
      const all = [...vecs, this.app.photo.vector];
      const p = await this.client.request('pca2d', { rows: stack(all, this.dim), count: all.length, dim: this.dim });
      this.map.set([...labels.map((l) => ({ name: l.label, kind: 'label' })), { name: 'your photo', kind: 'image' }], p.xy, p.explained);
    }
  }

  async search(query) {
    const q = query.trim();
    if (!q) return;
    const pool = await this.photoPool();
    const [t] = await this.client.request('embedPrompts', { prompts: [applyTemplate(templateById(this.app.state.template), q)] });
    const m = await this.client.request('cosineMatrix', { a: t.vector, b: stack(pool.map((p) => p.vector), this.dim), dim: this.dim });
    const ranked = pool.map((p, i) => ({ ...p, score: m.values[i] })).sort((a, b) => b.score - a.score);
    this.retrieval.showPhotos(q, ranked);
  }

  captionBank() {
    const mf = this.app.manifest;
    if (Array.isArray(mf.caption_bank)) return mf.caption_bank;
    const colours = mf.labels?.colours, shapes = mf.labels?.shapes;
    if (Array.isArray(colours) && Array.isArray(shapes)) return colours.flatMap((c) => shapes.map((s) => `a photo of a ${c} ${s}`));
    return this.app.gallery.map((g) => g.caption);
  }

  async describe() {
    if (!this.app.photo) return;
    const bank = this.captionBank();
    const caps = await this.client.request('embedPrompts', { prompts: bank });
    const m = await this.client.request('cosineMatrix', { a: this.app.photo.vector, b: stack(caps.map((c) => c.vector), this.dim), dim: this.dim });
    this.retrieval.showCaptions(bank.map((caption, i) => ({ caption, score: m.values[i] })).sort((a, b) => b.score - a.score));
  }

  async attack(word) {
    const app = this.app;
    const w = word.trim();
    if (!w || !app.photo || !app.live?.result) return;
    const size = app.manifest.image.size;
    const bytes = await writeOnCrop(app.photo.crop, size, w);
    const enc = await this.client.request('encodeImage', { bytes: bytes.buffer.slice(0) });
    const labels = app.live.labels;
    const r = await this.client.request('classify', { imageHash: enc.hash, labels: labels.map((l) => ({ prompts: l.prompts })), tau: app.softmax.tau });
    await this.typo.show({ bytes, names: labels.map((l) => l.label), before: Array.from(app.live.result.softmax.probs), after: Array.from(r.softmax.probs), word: w });
  }

  async crowd(kind) {
    const app = this.app;
    if (!app.live?.result) return;
    const labels = app.live.labels.map((l) => l.label);
    const probs = Array.from(app.live.result.softmax.probs);
    const top = labels[probs.indexOf(Math.max(...probs))];
    const extra = kind === 'synonyms' ? [`the ${top}`, `one ${top}`, `a ${top} shape`].filter((x) => !labels.includes(x)) : JUNK;
    const names = [...labels, ...extra];
    const opts = { template: app.state.template, ensemble: app.state.ensemble };
    const r = await this.client.request('classify', { imageHash: app.photo.hash, labels: names.map((n) => ({ prompts: promptsFor(n, opts) })), tau: app.softmax.tau });
    this.crowding.show({ title: kind === 'synonyms' ? `plus ${extra.length} near-synonyms of “${top}”` : `plus ${extra.length} junk labels`,
      beforeNames: labels, before: probs, afterNames: names, after: Array.from(r.softmax.probs) });
  }

  async clearCache() {
    await this.client.request('clearCache');
    return 'The cache is empty. The model in memory keeps working; the next visit downloads it again.';
  }
}
