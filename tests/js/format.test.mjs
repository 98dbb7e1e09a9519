// How numbers read on the page: the same value must always be written the same way.
import test from 'node:test';
import assert from 'node:assert/strict';
import { formatPercent, formatMagnitude, formatScientific, formatSigned, formatTau } from '../../web/src/format.js';

test('percentages keep small probabilities distinguishable', () => {
  assert.equal(formatPercent(0.5), '50.00%');
  assert.equal(formatPercent(0.0123), '1.230%');
  assert.equal(formatPercent(0.99993), '99.9930%');
  assert.equal(formatPercent(1.67e-5), '1.7 × 10⁻³%');
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(0.99999999), '> 99.9999%');
  assert.equal(formatPercent(1), '100.00%');
  assert.equal(formatPercent(NaN), '—');
});

test('scientific notation uses superscript exponents', () => {
  assert.equal(formatScientific(1.67e-5), '1.67 × 10⁻⁵');
  assert.equal(formatScientific(2.5e12), '2.50 × 10¹²');
  assert.equal(formatMagnitude(148.413), '148');
  assert.equal(formatMagnitude(2.718), '2.72');
  assert.equal(formatMagnitude(5e-4), '5.00 × 10⁻⁴');
});

test('signed values use a true minus sign; tau keeps three significant digits', () => {
  assert.equal(formatSigned(-0.12345), '−0.1235');
  assert.equal(formatSigned(0.5, 2), '0.50');
  assert.equal(formatTau(0.01), '0.010');
  assert.equal(formatTau(0.0013), '0.0013');
  assert.equal(formatTau(0.5), '0.50');
});
