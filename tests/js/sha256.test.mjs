// The incremental SHA-256 behind the idle-time check of cached model files, against Node's
// crypto: every length around the 55/56/64-byte padding edges, and inputs fed in random pieces.
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Sha256 } from '../../web/src/model/sha256.js';

const reference = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

test('known digests: the empty message and "abc"', () => {
  assert.equal(new Sha256().hex(), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(new Sha256().update(new TextEncoder().encode('abc')).hex(), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('every length from 0 to 300 bytes, in one piece', () => {
  const data = crypto.randomBytes(300);
  for (let n = 0; n <= 300; n++) {
    const bytes = data.subarray(0, n);
    assert.equal(new Sha256().update(bytes).hex(), reference(bytes), `length ${n}`);
  }
});

test('the same digest however the input is cut into pieces', () => {
  let seed = 12345;
  const random = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let round = 0; round < 60; round++) {
    const bytes = crypto.randomBytes(random(5000));
    const hash = new Sha256();
    for (let at = 0; at < bytes.length;) {
      const piece = Math.min(bytes.length - at, random(200));
      hash.update(bytes.subarray(at, at + piece));
      at += piece;
    }
    assert.equal(hash.hex(), reference(bytes), `round ${round}, ${bytes.length} bytes`);
  }
});

test('a few MB in 2 MB pieces, as the cache check reads them; hex() twice is stable, update() after it refused', () => {
  const bytes = crypto.randomBytes(5 * 1024 * 1024 + 17);
  const hash = new Sha256();
  for (let at = 0; at < bytes.length; at += 2 << 20) hash.update(bytes.subarray(at, at + (2 << 20)));
  const digest = hash.hex();
  assert.equal(digest, reference(bytes));
  assert.equal(hash.hex(), digest);
  assert.throws(() => hash.update(bytes), /after hex/);
});
