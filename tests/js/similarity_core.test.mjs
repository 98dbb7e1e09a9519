// The softmax the page shows, through the same bindings the worker uses, against an
// independent JavaScript computation.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from './load-core.mjs';

const core = await loadCore();

function jsSoftmax(scores, tau) {
  const logits = scores.map((s) => s / tau);
  // Pivot on the mean rather than the max: a different route to the same numbers.
  const mean = logits.reduce((a, b) => a + b, 0) / logits.length;
  const top = Math.max(...logits.map((l) => l - mean));
  const z = logits.reduce((acc, l) => acc + Math.exp(l - mean - top), 0);
  return logits.map((l) => Math.exp(l - mean - top) / z);
}

test('softmax probabilities match a JS reference across temperatures', () => {
  const scores = [0.2, 0.17, 0.18, 0.31, 0.15, 0.18, 0.21, 0.15];
  for (const tau of [0.001, 0.003, 0.01, 0.05, 0.2, 1]) {
    const r = core.softmax(scores, tau);
    const ref = jsSoftmax(scores, tau);
    r.probs.forEach((p, i) => assert.ok(Math.abs(p - ref[i]) < 1e-12, `tau ${tau} label ${i}: ${p} vs ${ref[i]}`));
    assert.equal(r.probs.length, scores.length);
    assert.ok(Math.abs(r.sum - r.exps.reduce((a, b) => a + b, 0)) < 1e-12);
    assert.equal(r.maxLogit, 0.31 / tau);
  }
});

test('the published cat figures: the tabby-cat description takes 99.99% at tau 0.01', () => {
  const r = core.softmax([0.2, 0.17, 0.18, 0.31, 0.15, 0.18, 0.21, 0.15], 0.01);
  assert.equal(core.topK(r.probs, 1)[0], 3);
  assert.ok(r.probs[3] > 0.9999 && r.probs[3] < 1);
});

test('a gap of 0.05 at tau 0.01 is a factor of e^5, about 148', () => {
  assert.ok(Math.abs(core.probabilityRatio(0.05, 0.01) - Math.exp(5)) < 1e-9);
  const r = core.softmax([0.30, 0.25], 0.01);
  assert.ok(Math.abs(r.probs[0] / r.probs[1] - 148.4131591) < 1e-6);
});

test('bad input becomes a CoreError with the core\'s message, not a NaN', () => {
  assert.throws(() => core.softmax([0.1, 0.2], 0), /temperature must be a finite number above 0/);
  assert.throws(() => core.softmax([], 0.01), /label set is empty/);
  assert.throws(() => core.softmax([0.1, NaN], 0.01), /similarity 1 is not a finite number/);
  assert.throws(() => core.l2Normalize(new Float32Array(4)), /zero length/);
  assert.throws(() => core.cosineMatrix(new Float32Array([1, 0, 0]), new Float32Array([1, 0]), 3), /whole vectors of dimension 3/);
  assert.throws(() => core.dotBreakdown(new Float32Array(3).fill(1), new Float32Array(4).fill(1)), /different dimensions \(3 and 4\)/);
  // The module stays usable after an error.
  assert.equal(core.softmax([1], 0.5).probs[0], 1);
});

test('normalisation, cosine matrix and dot breakdown agree with each other', () => {
  const a = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: 512 }, (_, i) => Math.cos(i * 0.7));
  const ua = core.l2Normalize(a).vector;
  const ub = core.l2Normalize(b).vector;
  const cos = core.cosineMatrix(a, b, 512).values[0];
  const br = core.dotBreakdown(ua, ub);
  assert.ok(Math.abs(br.sum - cos) < 1e-6);
  assert.ok(Math.abs(br.products.reduce((x, y) => x + y, 0) - cos) < 1e-6);
  let ref = 0, na = 0, nb = 0;
  for (let i = 0; i < 512; i++) { ref += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  assert.ok(Math.abs(cos - ref / Math.sqrt(na * nb)) < 1e-9);
});

test('10,000 labels in one softmax stay normalised', () => {
  const scores = Float64Array.from({ length: 10000 }, (_, i) => Math.sin(i) * 0.3);
  const r = core.softmax(scores, 0.01);
  const total = r.probs.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 1) < 1e-12);
});
