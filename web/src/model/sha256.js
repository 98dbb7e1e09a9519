// SHA-256 (FIPS 180-4) fed in pieces. WebCrypto's digest() wants the whole input at once, so
// checking a 90 MB cached file with it means holding all of it in memory (and the worker
// thread for ~60 ms); this lets the cache check read the file a few MB at a time, in idle moments.

const ROUND_CONSTANTS = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL_STATE = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

export class Sha256 {
  #state = Int32Array.from(INITIAL_STATE);
  #schedule = new Int32Array(64);
  #pending = new Uint8Array(64);   // an incomplete block carried to the next update()
  #pendingLength = 0;
  #totalBytes = 0;
  #finished = false;

  /** Adds `bytes` (a Uint8Array) to the message. */
  update(bytes) {
    if (this.#finished) throw new Error('Sha256: update() after hex()');
    this.#totalBytes += bytes.length;
    let offset = 0;
    if (this.#pendingLength) {
      const take = Math.min(64 - this.#pendingLength, bytes.length);
      this.#pending.set(bytes.subarray(0, take), this.#pendingLength);
      this.#pendingLength += take;
      offset = take;
      if (this.#pendingLength < 64) return this;
      compressBlocks(this.#state, this.#schedule, this.#pending, 0, 64);
      this.#pendingLength = 0;
    }
    const whole = offset + Math.floor((bytes.length - offset) / 64) * 64;
    compressBlocks(this.#state, this.#schedule, bytes, offset, whole);
    offset = whole;
    if (offset < bytes.length) {
      this.#pending.set(bytes.subarray(offset), 0);
      this.#pendingLength = bytes.length - offset;
    }
    return this;
  }

  /** The digest as 64 lowercase hex digits; the object takes no more input after this. */
  hex() {
    if (!this.#finished) {
      const bitLength = this.#totalBytes * 8;
      // Padding: a 1 bit, zeros, then the message length in bits as a 64-bit big-endian number.
      const tail = new Uint8Array(this.#pendingLength < 56 ? 64 : 128);
      tail.set(this.#pending.subarray(0, this.#pendingLength));
      tail[this.#pendingLength] = 0x80;
      const view = new DataView(tail.buffer);
      view.setUint32(tail.length - 8, Math.floor(bitLength / 2 ** 32));
      view.setUint32(tail.length - 4, bitLength >>> 0);
      compressBlocks(this.#state, this.#schedule, tail, 0, tail.length);
      this.#finished = true;
    }
    return Array.from(this.#state, (word) => (word >>> 0).toString(16).padStart(8, "0")).join("");
  }
}

/**
 * Runs the compression function over the 64-byte blocks of bytes[offset, end), keeping the
 * working variables in locals across blocks (about twice as fast in V8 as one call per block).
 */
function compressBlocks(state, w, bytes, offset, end) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let h0 = state[0]; let h1 = state[1]; let h2 = state[2]; let h3 = state[3];
  let h4 = state[4]; let h5 = state[5]; let h6 = state[6]; let h7 = state[7];
  for (let p = offset; p < end; p += 64) {
    for (let i = 0, q = p; i < 16; i++, q += 4) w[i] = view.getInt32(q);
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h0; let b = h1; let c = h2; let d = h3;
    let e = h4; let f = h5; let g = h6; let h = h7;
    for (let i = 0; i < 64; i++) {
      const sigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const choose = (e & f) ^ (~e & g);
      const t1 = (h + sigma1 + choose + ROUND_CONSTANTS[i] + w[i]) | 0;
      const sigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const majority = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (sigma0 + majority) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  state[0] = h0; state[1] = h1; state[2] = h2; state[3] = h3;
  state[4] = h4; state[5] = h5; state[6] = h6; state[7] = h7;
}
