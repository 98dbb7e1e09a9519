// Small pure pieces of the page: label analysis, templates, persisted state, image sniffing.
import test from 'node:test';
import assert from 'node:assert/strict';
import { analyzeLabels, normalizeLabel } from '../../web/src/app/labels.js';
import { promptsFor, TEMPLATES } from '../../web/src/app/templates.js';
import { sanitizeState, loadState, saveState, defaultState, createStateSaver } from '../../web/src/app/persisted-state.js';
import { sniffFormat, jpegOrientation, headerSize } from '../../web/src/worker/image-input.js';

test('empty rows are skipped and repeats flagged against their first occurrence', () => {
  const rows = [{ id: 1, text: 'red circle' }, { id: 2, text: '   ' }, { id: 3, text: 'Red  Circle ' }, { id: 4, text: 'blue square' }];
  const a = analyzeLabels(rows);
  assert.deepEqual(a.active.map((x) => x.label), ['red circle', 'blue square']);
  assert.ok(a.empty.has(2));
  assert.equal(a.duplicateOf.get(3), 1);
  assert.equal(normalizeLabel('  a \n b\t'), 'a b');
});

test('templates wrap labels, and the ensemble uses every template', () => {
  assert.deepEqual(promptsFor('cat', { template: 'photo', ensemble: false }), ['a photo of a cat']);
  assert.deepEqual(promptsFor('cat', { template: 'bare', ensemble: false }), ['cat']);
  assert.equal(promptsFor('cat', { template: 'photo', ensemble: true }).length, TEMPLATES.length);
  assert.deepEqual(promptsFor('cat', { template: 'no-such', ensemble: false }), ['a photo of a cat']);
});

test('persisted state survives a round trip and rejects hostile values', () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
  saveState({ labels: ['a', 'b'], template: 'this-is', ensemble: true, tau: 0.05, photo: '000_red_circle' }, storage);
  assert.deepEqual(loadState(defaultState(), storage), { labels: ['a', 'b'], template: 'this-is', ensemble: true, tau: 0.05, photo: '000_red_circle' });
  const bad = sanitizeState({ labels: 'x', template: '<img>', ensemble: 'yes', tau: -3, photo: '../../x' }, defaultState());
  assert.deepEqual(bad, defaultState());
  store.set('clipx-state-v1', '{not json');
  assert.deepEqual(loadState(defaultState(), storage), defaultState());
});

test('the state saver writes at most once per delay, with the latest state, and flushes on demand', () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => { writes++; store.set(k, v); } };
  let writes = 0;
  const timers = new Map();
  let nextTimer = 1;
  const setTimer = (fn) => { timers.set(nextTimer, fn); return nextTimer++; };
  const clearTimer = (id) => timers.delete(id);
  const runTimers = () => { for (const [id, fn] of [...timers]) { timers.delete(id); fn(); } };
  const state = { ...defaultState(), labels: ['a'], tau: 0.01 };
  const saver = createStateSaver(() => state, { storage, setTimer, clearTimer });
  for (let i = 0; i < 50; i++) { state.tau = 0.01 + i / 1000; saver.save(); }
  assert.equal(writes, 0, 'nothing written during the burst');
  assert.equal(timers.size, 1, 'one timer for the whole burst');
  runTimers();
  assert.equal(writes, 1);
  assert.equal(loadState(defaultState(), storage).tau, state.tau, 'the last value is the one saved');
  state.labels = ['b'];
  saver.save();
  assert.equal(saver.flush(), true);
  assert.equal(writes, 2);
  assert.deepEqual(loadState(defaultState(), storage).labels, ['b']);
  assert.equal(timers.size, 0, 'a flush clears the pending timer');
  assert.equal(saver.flush(), false, 'nothing pending, nothing written');
  saver.save();
  saver.cancel();
  runTimers();
  assert.equal(writes, 2, 'a cancelled save is not written');
});

test('file formats are recognised by their first bytes', () => {
  assert.equal(sniffFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10])), 'png');
  assert.equal(sniffFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
  assert.equal(sniffFormat(new TextEncoder().encode('GIF89a')), 'gif');
  assert.equal(sniffFormat(new TextEncoder().encode('<svg xmlns=')), 'other');
  assert.equal(sniffFormat(Uint8Array.from([0, 0, 0, 24, ...new TextEncoder().encode('ftypheic')])), 'heic');
});

test('JPEG size and EXIF orientation are read from the header', () => {
  // SOI, APP1 Exif (big-endian TIFF, one IFD entry: orientation 6), SOF0 640x480.
  const exif = [0x45, 0x78, 0x69, 0x66, 0, 0, 0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0];
  const app1 = [0xff, 0xe1, 0, exif.length + 2, ...exif];
  const sof = [0xff, 0xc0, 0, 17, 8, 0x01, 0xe0, 0x02, 0x80, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1];
  const jpeg = Uint8Array.from([0xff, 0xd8, ...app1, ...sof, 0xff, 0xd9]);
  assert.equal(jpegOrientation(jpeg), 6);
  assert.deepEqual(headerSize(jpeg, 'jpeg'), { width: 640, height: 480 });
  assert.equal(jpegOrientation(Uint8Array.from([0xff, 0xd8, ...sof])), 1);
});

test('URL state round-trips, and hostile or malformed values fall back to defaults', async () => {
  const { stateFromUrl, urlForState } = await import('../../web/src/app/persisted-state.js');
  const s = { labels: ['red circle', 'a <b>bold</b> & "quoted" label'], template: 'this-is', ensemble: true, tau: 0.0315, photo: '003_purple_star' };
  const url = urlForState(s, 'http://127.0.0.1:8080/?model=tiny');
  const back = stateFromUrl(new URL(url).search, defaultState()).state;
  assert.deepEqual(back, s);
  assert.match(url, /model=tiny/, 'other parameters are kept');
  const hostile = stateFromUrl('?photo=javascript:alert(1)&template=<script>&tau=1e9&ensemble=maybe&label=' + 'x'.repeat(5000), defaultState()).state;
  assert.equal(hostile.photo, null);
  assert.equal(hostile.template, defaultState().template);
  assert.equal(hostile.tau, defaultState().tau);
  assert.equal(hostile.ensemble, false);
  assert.equal(hostile.labels[0].length, 1000, 'over-long labels are cut, not dropped');
});

test('live views keep their rows per label: an edit makes one row, repeats reuse in order', async () => {
  const { reuseByKey } = await import('../../web/src/dom.js');
  let made = 0;
  const dropped = [];
  const opts = { keyOf: (r) => r.key, make: (key, i) => ({ key, id: `new${made++}@${i}` }), drop: (r) => dropped.push(r.id) };
  const first = reuseByKey([], ['cat', 'dog', 'cat'], opts);
  assert.deepEqual(first.map((r) => r.id), ['new0@0', 'new1@1', 'new2@2']);
  const second = reuseByKey(first, ['cat', 'bird', 'cat'], opts);
  assert.deepEqual(second.map((r) => r.id), ['new0@0', 'new3@1', 'new2@2'], 'both "cat" rows reused in order, one new row');
  assert.deepEqual(dropped, ['new1@1'], 'the edited-away row is dropped');
});
