// A friendly face over the embind module: the raw bindings return {error: ""} objects
// (C++ exceptions cannot cross into JS usefully); here a non-empty error becomes a thrown
// CoreError with the core's own message. Used by the inference worker and the Node tests.

export class CoreError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CoreError';
  }
}

function unwrap(result) {
  if (result.error) throw new CoreError(result.error);
  return result;
}

export function wrapCore(Module) {
  // An embind Tokenizer after load(t), wrapped for the worker. load() returns "" or the
  // core's message, which already names its source ("tokenizer.json: ...").
  const loadTokenizer = (load) => {
    const t = new Module.Tokenizer();
    const err = load(t);
    if (err) {
      t.delete();
      throw new CoreError(err);
    }
    return {
      startId: t.startId(),
      endId: t.endId(),
      vocabSize: t.vocabSize(),
      encode(text, contextLength) {
        const r = unwrap(t.encode(text, contextLength));
        return { ids: r.ids, tokens: r.tokens, display: r.display, wordEnd: r.wordEnd, truncated: r.truncated };
      },
      /** The loaded tables as bytes, for createTokenizerFromSnapshot(). */
      snapshot() { return unwrap(t.snapshot()).bytes; },
      dispose() { t.delete(); },
    };
  };
  return {
    module: Module,

    /** Softmax over similarities at temperature tau, with every intermediate. */
    softmax(scores, tau) {
      const r = unwrap(Module.softmax(scores, tau));
      return {
        logits: r.logits, shifted: r.shifted, exps: r.exps, probs: r.probs,
        maxLogit: r.maxLogit, sum: r.sum, tau: r.tau, entropy: r.entropy,
      };
    },

    /** Unit vector and the norm it had. */
    l2Normalize(vector) {
      const r = unwrap(Module.l2Normalize(vector));
      return { vector: r.vector, norm: r.norm };
    },

    /** Row-major cosines between the rows of a and of b (each row `dim` long). */
    cosineMatrix(a, b, dim) {
      const r = unwrap(Module.cosineMatrix(a, b, dim));
      return { values: r.values, rows: r.rows, cols: r.cols };
    },

    dotBreakdown(a, b) {
      const r = unwrap(Module.dotBreakdown(a, b));
      return { products: r.products, sum: r.sum };
    },

    topK(values, k) {
      return Array.from(unwrap(Module.topK(values, k)).indices);
    },

    probabilityRatio(gap, tau) {
      return unwrap(Module.probabilityRatio(gap, tau)).value;
    },

    averageEmbeddings(rows, count, dim) {
      return unwrap(Module.averageEmbeddings(rows, count, dim)).vector;
    },

    /** 2-D principal-component coordinates of `count` vectors (for the concept map). */
    pca2d(rows, count, dim) {
      const r = unwrap(Module.pca2d(rows, count, dim));
      return { xy: r.xy, explained: [r.explainedX, r.explainedY] };
    },

    /** A tokenizer loaded from the text of a Hugging Face tokenizer.json. */
    createTokenizer(jsonText) {
      return loadTokenizer((t) => t.load(jsonText));
    },

    /**
     * A tokenizer from the bytes of an earlier tokenizer's snapshot(): the same ids, without
     * parsing the JSON again. A damaged or foreign snapshot throws a CoreError saying so.
     */
    createTokenizerFromSnapshot(bytes) {
      return loadTokenizer((t) => t.loadSnapshot(bytes));
    },

    /** CLIP preprocessing of RGBA pixels from the browser's decoder. */
    preprocessRGBA(rgba, width, height, size, mean, std) {
      const r = unwrap(Module.preprocessRGBA(rgba, width, height, size, mean, std));
      return { tensor: r.tensor, crop: r.crop };
    },

    /** CLIP preprocessing of an encoded image file (PNG, JPEG, GIF, BMP). */
    preprocessEncoded(bytes, size, mean, std) {
      const r = unwrap(Module.preprocessEncoded(bytes, size, mean, std));
      return { tensor: r.tensor, crop: r.crop, width: r.width, height: r.height, format: r.format };
    },
  };
}

/** Does this engine run WebAssembly SIMD? (A 1-instruction probe module.) */
export function wasmSimdSupported() {
  try {
    // (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
    return WebAssembly.validate(new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0,
      253, 15, 253, 98, 11,
    ]));
  } catch {
    return false;
  }
}
