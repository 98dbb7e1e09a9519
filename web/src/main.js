// Page entry: starts the inference worker, loads the model, and keeps every section in step
// with the reader's photo, labels, template and temperature. All numbers come from the
// worker; this file only decides what to ask for and where to draw it.
import { WorkerClient } from './worker-client.js';
import { renderMath } from './math.js';
import { h } from './dom.js';
import { SoftmaxSection } from './sections/softmax-section.js';
import { ModelStatus } from './sections/model-status.js';
import { PhotoPicker } from './sections/photo-picker.js';
import { CropView } from './sections/crop-view.js';
import { LabelEditor } from './sections/label-editor.js';
import { TokenView } from './sections/token-view.js';
import { PairView } from './sections/pair-view.js';
import { SimilarityBars } from './sections/similarity-bars.js';
import { Predictions } from './sections/predictions.js';
import { TemplatePicker } from './sections/template-picker.js';
import { HeatGrid } from './widgets/heat-grid.js';
import { Explorations } from './app/explorations.js';
import { SKIMAGE_PHOTOS } from './app/photo-gallery.js';
import { ModelChooser, modelOptions } from './sections/model-chooser.js';
import { hubManifest, HUB_MODEL_ID, LOCAL_MODEL_ID, SERVER_REAL_MODEL_ID } from './model/sources.js';
import { isKiosk, kioskIdleMs, setupKiosk } from './app/kiosk.js';
import { registerServiceWorker } from './app/service-worker.js';
import { analyzeLabels } from './app/labels.js';
import { promptsFor, TEMPLATES, templateById, applyTemplate } from './app/templates.js';
import { loadState, saveState, createStateSaver, defaultState, stateFromUrl, urlForState } from './app/persisted-state.js';


// OpenAI's "Interacting with CLIP" notebook: cosine similarity between the scikit-image cat
// photo (chelsea.png) and "This is " + each description.
export const PUBLISHED_CAT_SCORES = [
  { label: 'a page of text about segmentation', score: 0.20 },
  { label: 'a portrait of an astronaut with the American flag', score: 0.17 },
  { label: 'a rocket standing on a launchpad', score: 0.18 },
  { label: 'a facial photo of a tabby cat', score: 0.31 },
  { label: 'a black-and-white silhouette of a horse', score: 0.15 },
  { label: 'a cup of coffee on a saucer', score: 0.18 },
  { label: 'a person looking at a camera on a tripod', score: 0.21 },
  { label: 'a red motorcycle standing in a garage', score: 0.15 },
];

const DEFAULT_MODEL = 'tiny';
const $ = (id) => document.getElementById(id);
// This module runs as soon as it has loaded (an async script), possibly before the article
// below it is parsed: elements are looked up once the document is.
const statusEl = () => $('engine-status');
const params = new URLSearchParams(location.search);
const requestedModel = params.get('model')?.match(/^[a-z0-9._-]{1,64}$/)?.[0] ?? null;
const kioskMode = isKiosk(location);
// ?threads=N pins ONNX Runtime's thread count (benchmarks compare 1 and 2).
const requestedThreads = Math.max(0, Math.min(8, Number.parseInt(params.get('threads') ?? '0', 10) || 0));

class App {
  constructor(client, info, { serverModelList, firstLoad }) {
    this.client = client;
    this.info = info;
    this.serverModelList = serverModelList;
    this.firstLoad = firstLoad;   // {id, loading}: the load start() asked for before this existed
    this.model = null;          // the ready result of loadModel
    this.publishedTableSettled = Promise.resolve();
    this.manifest = null;
    this.gallery = [];
    this.photo = null;          // {id, name, hash, vector, crop, ...}
    this.live = null;           // the last classify result, with the labels it was for
    this.softmaxSource = 'published';
    this.refreshQueued = false;
    this.refreshing = 0;
    this.refreshSeq = 0;
    // A shared link wins over what this browser remembered.
    const saved = loadState(defaultState());
    const fromUrl = stateFromUrl(location.search, saved);
    this.state = fromUrl.state;
    // Typing and dragging save through a throttle; a hidden or departing page writes at once.
    this.saver = createStateSaver(() => this.state);
    addEventListener('pagehide', () => this.saver.flush());
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') this.saver.flush(); });

    this.status = new ModelStatus({ onCancel: () => this.client.request('cancelLoad'), onRetry: () => this.loadModel() });
    // The worker checks cached model files once it is idle; a damaged one is reported here,
    // and Retry fetches it again.
    this.client.on('modelDamaged', ({ message }) => this.status.failed(message, { title: 'A cached model file is damaged' }));
    this.chooser = new ModelChooser({ onSwitch: (id) => this.switchModel(id), onFiles: (files) => this.loadFromFiles(files) });
    this.picker = new PhotoPicker({ onPhoto: (p) => this.setPhoto(p) });
    this.crop = new CropView();
    this.imageGrid = new HeatGrid({ label: 'image embedding' });
    this.imageNote = h('p', { class: 'muted', 'data-testid': 'image-note' });
    this.labels = new LabelEditor({ onChange: () => this.labelsChanged() });
    this.tokens = new TokenView();
    this.templates = new TemplatePicker({ onChange: () => this.templateChanged(), onCompare: () => this.compareTemplates() });
    this.pair = new PairView();
    this.bars = new SimilarityBars();
    this.predictions = new Predictions();
    this.softmax = new SoftmaxSection({ client, root: $('softmax-widget'), onChange: () => this.tauChanged() });
    this.softmax.root.addEventListener('softmax-painted', (e) => this.softmaxPainted(e.detail));

    $('photo-widget').append(this.status.el, this.chooser.el, this.picker.el);
    $('crop-widget').append(this.crop.el);
    $('image-embedding-widget').append(this.imageGrid.el, this.imageNote);
    $('labels-widget').append(this.labels.el, this.#shareControls());
    $('tokens-widget').append(this.tokens.el);
    $('templates-widget').append(this.templates.el);
    $('pair-widget').append(this.pair.el);
    $('bars-widget').append(this.bars.el);
    $('predictions-widget').append(this.predictions.el);
    this.#softmaxSourceSwitch();
    this.templates.set(this.state);
    this.uploads = [];   // the reader's own photos this visit, for retrieval
    this.explore = new Explorations(this, $);
  }

  #shareControls() {
    const note = h('span', { class: 'muted', role: 'status' });
    return h('div', { class: 'button-row share-row' },
      h('button', { type: 'button', class: 'secondary', text: 'Copy a link to this example', onClick: async () => {
        const url = urlForState({ ...this.state, labels: this.labels.texts }, location.href);
        history.replaceState(null, '', url);
        try {
          await navigator.clipboard.writeText(url);
          note.textContent = 'Link copied: it opens this photo, these labels, template and temperature.';
        } catch {
          note.textContent = 'The address bar now holds the link to this example.';
        }
      } }), note);
  }

  #softmaxSourceSwitch() {
    const make = (value, text) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: 'softmax-source', value, checked: value === this.softmaxSource,
        onChange: () => { this.softmaxSource = value; this.softmaxUserChoice = value; this.paintSoftmaxSource(); } }), ' ', text);
    this.sourceSwitch = h('fieldset', { class: 'source-switch' }, h('legend', { text: 'Scores' }),
      make('live', 'your photo and labels'), make('published', 'OpenAI\'s published cat-photo figures (editable)'));
    $('softmax-widget').before(this.sourceSwitch);
  }

  /** The model to run: the URL's choice, else the real CLIP if this server has it, else tiny. */
  async chooseModel() {
    // The server's own list (models/index.json, asked for at start-up), not a probe that
    // could 404 or meet an index.html fallback.
    this.realOnServer = (await this.serverModelList).includes(SERVER_REAL_MODEL_ID);
    this.modelId = firstModelId(this.realOnServer);
    const options = (localCached) => modelOptions({ realOnServer: this.realOnServer, online: navigator.onLine, kiosk: kioskMode, localCached });
    this.chooser.setOptions(options(this.modelId === LOCAL_MODEL_ID), this.modelId);
    // Whether files loaded from disk earlier are cached only adds a choice; the worker may be
    // busy starting ONNX Runtime, so the model's load is not held up for the answer.
    this.client.request('hasCached', { id: LOCAL_MODEL_ID })
      .then((localCached) => { if (localCached) this.chooser.setOptions(options(true), this.modelId); })
      .catch(() => {});
    this.chooser.showBanner({ current: this.modelId, realOnServer: this.realOnServer, online: navigator.onLine, kiosk: kioskMode });
  }

  switchModel(id) {
    if (id === this.modelId) return;
    const url = new URL(location.href);
    url.searchParams.set('model', id);
    location.assign(url.href);
  }

  async loadFromFiles(files) {
    this.chooser.showError('');
    this.status.loading(`${files.length} file${files.length === 1 ? '' : 's'} from disk`);
    let model;
    try {
      const payload = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
      model = await this.client.request('loadFromFiles', { files: payload, threads: requestedThreads || undefined }, payload.map((p) => p.bytes));
    } catch (err) {
      this.chooser.showError(`Those files could not be used: ${err.message}. The current model stays.`);
      if (this.model) this.status.ready(this.model); else this.status.failed(err.message);
      return;
    }
    this.modelId = model.manifest.id;
    history.replaceState(null, '', (() => { const u = new URL(location.href); u.searchParams.set('model', this.modelId); return u.href; })());
    await this.modelLoaded(model);
  }

  /** Kiosk idle reset: back to the starting example, forgetting this visitor's choices. */
  async resetToStart() {
    const url = new URL(location.href);
    for (const k of ['photo', 'label', 'template', 'ensemble', 'tau']) url.searchParams.delete(k);
    history.replaceState(null, '', url.href);
    this.state = defaultState();
    this.saver.cancel();
    saveState(this.state);
    this.templates.set(this.state);
    this.softmaxUserChoice = null;
    this.publishedRows = null;   // the next visitor sees OpenAI's figures, not the last one's edits
    if (this.softmaxShowing === 'published') { this.softmaxShowing = null; this.paintSoftmaxSource(); }
    await this.softmax.setTau(1 / (this.manifest?.logit_scale ?? 100), { silent: true });
    const first = this.gallery[0];
    this.state.labels = [...(first?.labels ?? this.manifest?.default_labels ?? [])];
    this.labels.setLabels(this.state.labels);
    if (first) await this.setPhoto({ kind: 'sample', id: first.id, name: first.caption, url: first.src });
    window.scrollTo({ top: 0 });
  }

  async start() {
    if (kioskMode) this.kiosk = setupKiosk({ onIdleReset: () => this.resetToStart(), idleMs: kioskIdleMs(location) });
    await this.chooseModel();
    // The model starts loading at once: the worker reads the files from the cache while
    // ONNX Runtime is still starting, and the table below would otherwise wait behind that.
    // The precomputed example and the opening photo arrive meanwhile.
    let tableSettled;
    this.publishedTableSettled = new Promise((resolve) => { tableSettled = resolve; });
    const loading = this.loadModel();
    loading.catch(() => {});   // awaited below; this only keeps an early failure from going unhandled
    this.prefetchFirstPhoto(this.modelId);
    const example = this.showPrecomputedExample();
    try {
      await this.softmax.setRows(PUBLISHED_CAT_SCORES);
      this.softmaxShowing = 'published';
      await this.softmax.setTau(this.state.tau ?? 0.01, { silent: true });
    } finally {
      tableSettled();
    }
    await loading;
    await example;
  }

  // ---- the model -------------------------------------------------------------------------
  async loadModel() {
    const id = this.modelId;
    this.status.loading(id === DEFAULT_MODEL ? 'the tiny model' : id === HUB_MODEL_ID ? 'CLIP ViT-B/32 from the Hugging Face hub' : `model “${id}”`);
    const off = this.client.on('progress', (p) => this.status.progress(p));
    const early = this.firstLoad?.id === id ? this.firstLoad.loading : null;
    this.firstLoad = null;
    let model;
    try {
      model = await (early ?? requestModel(this.client, id));
    } catch (err) {
      this.status.failed(err.message, { cancelled: err.kind === 'cancelled' });
      return;
    } finally {
      off();
    }
    await this.modelLoaded(model);
  }

  async modelLoaded(model) {
    const firstModel = !this.model;
    this.model = model;
    this.manifest = this.model.manifest;
    if (!firstModel) {
      // Another model: its vectors live in another space, so nothing cached is reusable.
      this.photo = null;
      this.live = null;
      this.explore.galleryVectors.clear();
      this.uploads = [];
    }
    performance.mark('clipx:model-ready');
    this.status.ready(this.model);
    this.explore.modelReady(this.model, this.info);
    // The published table sets its own τ first; the model's must come after it, not race it.
    await this.publishedTableSettled;
    if (this.state.tau === null || this.state.tau === undefined || !firstModel) {
      this.state.tau = null;
      await this.softmax.setTau(1 / this.manifest.logit_scale, { silent: true });
    }
    await this.loadGallery();
    const first = this.gallery.find((g) => g.id === this.state.photo) ?? this.gallery[0];
    if (!this.state.labels.length) {
      this.state.labels = [...(first?.labels ?? this.manifest.default_labels ?? ['red circle', 'blue square', 'green triangle'])];
    }
    this.labels.setLabels(this.state.labels);
    if (first) await this.setPhoto({ kind: 'sample', id: first.id, name: first.caption, url: first.src });
    this.explore.track('batch matrix', () => this.explore.renderBatch());
  }

  /** The model's own sample scenes when it has them (the tiny model), else the photos. */
  async loadGallery() {
    this.gallery = await this.galleryEntries(this.manifest.id);
    this.picker.setGallery(this.gallery, this.state.photo);
  }

  async galleryEntries(modelId) {
    const { items, galleryBase } = await this.galleryListing(modelId);
    return items.filter((it) => typeof it?.file === 'string').map((it) => ({
      id: it.file.replace(/\.[a-z]+$/i, ''),
      src: new URL(encodeURIComponent(it.file), galleryBase).href,
      alt: it.caption ?? it.file,
      caption: it.caption ?? it.file,
      credit: it.credit,
      labels: it.labels,
    }));
  }

  /** Fetches the photo the page will open with while the model loads (null if it fails:
   *  setPhoto then fetches it again and reports the error). */
  prefetchFirstPhoto(modelId) {
    const promise = this.galleryEntries(modelId).then(async (entries) => {
      const first = entries.find((g) => g.id === this.state.photo) ?? entries[0];
      if (!first) return null;
      const res = await fetch(first.src);
      return res.ok ? { url: first.src, bytes: new Uint8Array(await res.arrayBuffer()) } : null;
    }).catch(() => null);
    this.prefetchedPhoto = promise;
  }

  /** Which photos the gallery offers for a model; asked once per model id. */
  galleryListing(modelId) {
    if (this.listing?.id === modelId) return this.listing.promise;
    const promise = (async () => {
      const base = new URL(`models/${modelId}/`, document.baseURI);
      let items = null;
      try {
        const res = await fetch(new URL('samples/index.json', base));
        if (res.ok) items = await res.json();
      } catch { /* no samples of its own */ }
      let galleryBase = new URL('samples/', base);
      if (!Array.isArray(items)) {
        galleryBase = new URL('gallery/', document.baseURI);
        const present = await Promise.all(SKIMAGE_PHOTOS.map((p) => fetch(new URL(p.file, galleryBase), { method: 'HEAD' })
          .then((r) => r.ok && /^image\//.test(r.headers.get('content-type') ?? ''), () => false)));
        items = SKIMAGE_PHOTOS.filter((_, i) => present[i]);
      }
      return { items, galleryBase };
    })();
    this.listing = { id: modelId, promise };
    return promise;
  }

  // ---- the precomputed example -------------------------------------------------------------
  async showPrecomputedExample() {
    let ex;
    try {
      const res = await fetch(new URL(`models/${this.modelId}/example.json`, document.baseURI));
      if (!res.ok) return;
      ex = await res.json();
    } catch { return; }
    if (!Array.isArray(ex?.labels) || !Array.isArray(ex.scores) || !Array.isArray(ex.image_vector)) return;
    if (this.photo) return;   // the live model won the race: its numbers stay
    this.example = ex;
    this.imageGrid.set(ex.image_vector, { summary: 'precomputed' });
    this.imageNote.textContent = 'Precomputed example, shown while the model loads.';
    this.bars.set(ex.labels, ex.scores);
    const soft = await this.client.request('softmax', { scores: ex.scores, tau: 1 / ex.logit_scale });
    if (this.photo) return;
    this.predictions.set(ex.labels, soft.probs, { source: `Precomputed example (${ex.photo_caption ?? 'sample photo'}); live numbers replace it once the model is ready.` });
  }

  // ---- inputs -------------------------------------------------------------------------------
  async setPhoto(p) {
    if (!this.model) return;
    this.picker.clearError();
    let bytes = p.bytes;
    if (!bytes && this.prefetchedPhoto) {
      const pre = await this.prefetchedPhoto;
      this.prefetchedPhoto = null;   // used once: later visits to this photo hit its cache
      if (pre?.url === p.url) bytes = pre.bytes;
    }
    if (!bytes) {
      try {
        const res = await fetch(p.url);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        bytes = new Uint8Array(await res.arrayBuffer());
      } catch (err) {
        this.picker.showError(`The sample photo could not be loaded (${err.message}). The previous photo stays.`);
        return;
      }
    }
    let encoded;
    const t0 = performance.now();
    try {
      encoded = await this.client.request('encodeImage', { bytes: bytes.buffer }, []);
    } catch (err) {
      this.picker.showError(`“${p.name}” could not be used: ${err.message}. The previous photo stays.`);
      return;
    }
    this.photo = { ...encoded, id: p.id, name: p.name, kind: p.kind, loadMs: performance.now() - t0 };
    if (p.kind === 'sample') {
      this.state.photo = p.id;
      saveState(this.state);
    } else if (!encoded.cached) {
      this.uploads.push({ name: p.name, vector: encoded.vector, thumb: cropThumbnail(encoded.crop, this.manifest.image.size) });
    }
    this.picker.markSelected(p.kind === 'sample' ? p.id : null);
    this.picker.showCurrent(`Current photo: ${p.name} (${encoded.width}×${encoded.height}${encoded.cached ? ', embedding from cache' : ''})`);
    this.crop.set({ crop: encoded.crop, size: this.manifest.image.size, width: encoded.width, height: encoded.height,
      patch: this.manifest.vision.patch_size ?? 32, decoder: encoded.decoder, downscaled: encoded.downscaled });
    this.imageGrid.set(encoded.vector, { summary: `norm before normalising ${encoded.norm.toFixed(3)}` });
    this.imageNote.textContent = `The image encoder's output had length ${encoded.norm.toFixed(3)}; divided by it, ` +
      `the vector above has length 1. ${encoded.cached ? 'Taken from the cache: this photo was encoded before.' : `Preprocessing ${encoded.ms.preprocess.toFixed(0)} ms, vision encoder ${encoded.ms.encode.toFixed(0)} ms.`}`;
    await this.refresh();
  }

  labelsChanged() {
    this.state.labels = this.labels.texts;
    this.saver.save();
    // No debounce: each edit is scored at once (one short prompt encodes in milliseconds).
    // Edits that arrive while a scoring is in flight collapse into one more round after it.
    this.refresh();
  }

  /** True when no edit is waiting to be scored and no scoring is in flight (for tests). */
  isIdle() {
    return this.refreshing === 0 && !this.refreshQueued && this.explore.busy === 0 && !this.softmax.busy;
  }

  templateChanged() {
    Object.assign(this.state, this.templates.value);
    this.saver.save();
    this.refresh();
  }

  tauChanged() {
    this.state.tau = this.softmax.tau;
    this.saver.save();
  }

  // ---- the zero-shot decision -------------------------------------------------------------
  async refresh() {
    if (!this.model || !this.photo) return;
    if (this.refreshing) {
      this.refreshQueued = true;
      return;
    }
    this.refreshing++;
    try {
      do {
        this.refreshQueued = false;
        await this.#refresh();
      } while (this.refreshQueued);
    } finally {
      this.refreshing--;
    }
  }

  async #refresh() {
    const seq = ++this.refreshSeq;
    const analysis = analyzeLabels(this.labels.rowData);
    const opts = { template: this.state.template, ensemble: this.state.ensemble };
    const labels = analysis.active.map((a) => ({ ...a, prompts: promptsFor(a.label, opts) }));
    let result = null;
    if (labels.length) {
      try {
        result = await this.client.request('classify', {
          imageHash: this.photo.hash, labels: labels.map((l) => ({ prompts: l.prompts })), tau: this.softmax.tau,
        });
      } catch (err) {
        this.labels.setNote(`Could not score the labels: ${err.message}`);
        return;
      }
    }
    if (seq !== this.refreshSeq) return;  // a newer edit is already being scored
    this.live = { labels, analysis, result };
    this.paintLive();
  }

  paintLive() {
    const { labels, analysis, result } = this.live;
    const ctx = this.manifest.tokenizer.context_length;
    const n = labels.length;
    const skipped = analysis.empty.size + analysis.duplicateOf.size;
    this.labels.setNote(n === 0 ? 'Type at least one label to see a prediction.'
      : `${n} label${n === 1 ? '' : 's'} scored` + (skipped ? `; ${skipped} row${skipped === 1 ? '' : 's'} skipped (empty or repeated)` : '') +
        encoderNote(result?.encoded.prompts ?? 0, new Set(labels.flatMap((l) => l.prompts)).size));
    if (!result) {
      this.labels.paint({ byRow: new Map(), duplicateOf: analysis.duplicateOf, empty: analysis.empty });
      return;
    }
    const names = labels.map((l) => l.label);
    const probs = result.softmax.probs;
    const byRow = new Map(labels.map((l, i) => [l.rowId, {
      cos: result.scores[i], prob: probs[i], truncated: result.labels[i].prompts.some((p) => p.truncated), contextLength: ctx,
    }]));
    this.labels.paint({ byRow, duplicateOf: analysis.duplicateOf, empty: analysis.empty });
    this.tokens.set(labels.map((l, i) => ({ label: l.label, ...result.labels[i].prompts[0], vector: result.labels[i].vector })),
      { contextLength: ctx, startId: this.model.tokenizer?.startId, endId: this.model.tokenizer?.endId });
    this.pair.set({ label: labels[0].prompts[0], imageVector: this.photo.vector, labelVector: result.labels[0].vector,
      products: result.firstProducts.products, sum: result.firstProducts.sum });
    this.bars.set(names, Array.from(result.scores));
    this.predictions.set(names, probs, { source: `Live: ${this.photo.name}, ${this.state.ensemble ? 'all templates averaged' : `template “${templateById(this.state.template).text}”`}.` });
    if (!this.softmaxUserChoice) this.softmaxSource = 'live';
    for (const input of this.sourceSwitch.querySelectorAll('input')) input.checked = input.value === this.softmaxSource;
    this.paintSoftmaxSource();
    if (!this.firstPaintMarked) { this.firstPaintMarked = true; performance.mark('clipx:first-predictions'); }
    document.dispatchEvent(new CustomEvent('clipx:painted'));  // for benchmarks and tests
    this.explore.track('label views', () => this.explore.labelsUpdated(this.live));
  }

  paintSoftmaxSource() {
    if (this.softmaxSource === 'live' && this.live?.result) {
      // The reader's edits to the published table are kept for when they switch back.
      if (this.softmaxShowing === 'published') this.publishedRows = this.softmax.rows.map(({ label, score }) => ({ label, score }));
      this.softmaxShowing = 'live';
      // classify already ran the core's softmax on these scores: paint it, no second call.
      this.softmax.setRows(this.live.labels.map((l, i) => ({ label: l.label, score: this.live.result.scores[i] })),
        { editable: false, computed: this.live.result.softmax });
    } else if (this.softmaxSource === 'published' && this.softmaxShowing !== 'published') {
      // Only on switching: a live repaint must not reset rows the reader is editing.
      this.softmaxShowing = 'published';
      this.softmax.setRows(this.publishedRows ?? PUBLISHED_CAT_SCORES);
    }
  }

  // The slider re-ran only the softmax; carry its probabilities to the other live views.
  softmaxPainted(r) {
    if (this.softmaxSource !== 'live' || !this.live?.result) return;
    const { labels } = this.live;
    if (r.probs.length !== labels.length) return;
    this.labels.paintProbs(new Map(labels.map((l, i) => [l.rowId, r.probs[i]])));
    this.predictions.set(labels.map((l) => l.label), r.probs, { source: this.predictions.source.textContent });
  }

  async compareTemplates() {
    if (!this.live?.labels.length) return;
    const labels = this.live.labels;
    const columns = [];
    for (const t of TEMPLATES) {
      const r = await this.client.request('classify', {
        imageHash: this.photo.hash, labels: labels.map((l) => ({ prompts: [applyTemplate(t, l.label)] })), tau: this.softmax.tau,
      });
      columns.push({ name: t.text.replace('{}', '…'), probs: Array.from(r.softmax.probs) });
    }
    const ens = await this.client.request('classify', {
      imageHash: this.photo.hash, labels: labels.map((l) => ({ prompts: promptsFor(l.label, { ensemble: true }) })), tau: this.softmax.tau,
    });
    columns.push({ name: 'ensemble (all)', probs: Array.from(ens.softmax.probs) });
    this.templates.showComparison(labels.map((l) => l.label), columns);
  }
}

/** What the text encoder just did for this refresh, in a sentence's tail. */
function encoderNote(encoded, prompts) {
  if (!encoded) return '; every prompt came from the cache.';
  const what = `${encoded} new prompt${encoded === 1 ? '' : 's'}`;
  return encoded >= prompts ? `; the text encoder just encoded ${what}.` : `; the text encoder just encoded ${what}, the rest came from the cache.`;
}

/** Model ids this server lists in models/index.json ({models: [...]} or a bare array). */
async function listServerModels() {
  try {
    const res = await fetch(new URL('models/index.json', document.baseURI), { cache: 'no-cache' });
    if (!res.ok) return [];
    const j = await res.json();
    const list = Array.isArray(j) ? j : j?.models;
    // Entries are ids, or {id, name, bytes} objects (the kiosk build's index).
    return Array.isArray(list) ? list.map((x) => (typeof x === 'string' ? x : x?.id)).filter((x) => typeof x === 'string') : [];
  } catch { return []; }
}

function cropThumbnail(crop, size) {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(crop), size, size), 0, 0);
  return canvas.toDataURL('image/jpeg', 0.8);
}

function describeEngine(info) {
  const parts = [`WebAssembly core ${info.simd ? 'with SIMD' : 'without SIMD'}`];
  parts.push(info.crossOriginIsolated
    ? `cross-origin isolated (threads available, ${info.hardwareConcurrency} cores)`
    : 'not cross-origin isolated (single thread)');
  parts.push(`loaded in ${info.loadMs.toFixed(0)} ms`);
  return parts.join(' · ');
}

/** The model a visit starts with: the address's choice, else the real CLIP if this server has it, else tiny. */
function firstModelId(realOnServer) {
  return requestedModel ?? (realOnServer ? SERVER_REAL_MODEL_ID : DEFAULT_MODEL);
}

function requestModel(client, id) {
  performance.mark('clipx:load-model');
  return client.request('loadModel', { id, threads: requestedThreads || undefined, manifest: id === HUB_MODEL_ID ? hubManifest() : undefined });
}

const documentParsed = () => (document.readyState === 'loading'
  ? new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }))
  : Promise.resolve());

async function start() {
  // The worker first, before the article is parsed and laid out (this script is async): it
  // loads the core and starts ONNX Runtime while this thread builds the page.
  const worker = new Worker(new URL('./worker/inference.worker.js', import.meta.url), { type: 'module' });
  const client = new WorkerClient(worker);
  const initialized = client.request('init', { baseUrl: document.baseURI, threads: requestedThreads || undefined });
  const serverModelList = listServerModels();
  // The first model is asked for now, not once the page is built (~0.2 s later): the worker
  // then reads its files from the cache while ONNX Runtime starts. The App takes the answer.
  const askFor = (id) => {
    const loading = requestModel(client, id);
    loading.catch(() => {});   // the App reports a failure; this only keeps it from going unhandled
    return { id, loading };
  };
  const firstLoad = requestedModel ? askFor(requestedModel)
    : serverModelList.then((list) => askFor(firstModelId(list.includes(SERVER_REAL_MODEL_ID))));
  registerServiceWorker();
  await documentParsed();
  renderMath();
  performance.mark('clipx:math-rendered');
  const info = await initialized;
  performance.mark('clipx:core-ready');
  statusEl().textContent = describeEngine(info);
  statusEl().dataset.engine = info.engine;
  const app = new App(client, info, { serverModelList, firstLoad: await firstLoad });
  window.clipx.app = app;  // synchronous handle for test predicates
  await app.start();
  return { client, info, softmax: app.softmax, app };
}

// Exposed for the end-to-end tests and benchmarks, which drive the page like a reader and
// then read what the page says it did.
window.clipx = { ready: start().catch(async (err) => {
  await documentParsed();
  statusEl().textContent = `The page could not start: ${err.message}`;
  statusEl().classList.add('error');
  throw err;
}) };
