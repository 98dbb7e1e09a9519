// Building CLIP's tokenizer from its 3.9 MB tokenizer.json costs the worker 50-150 ms on every
// page load, on the thread that is starting ONNX Runtime and reading the model at the same
// time. The core can save the tables it built as a snapshot (~1.5 MB) and rebuild from that in
// a few ms, so the model cache keeps one per tokenizer: keyed by the SHA-256 of its
// tokenizer.json, and used only by the core build that wrote it.
import { recordBytes } from '../model/model-store.js';

export const SNAPSHOT_PREFIX = 'tokenizer-snapshot';

/**
 * Starts looking for a snapshot of the tokenizer whose tokenizer.json has this SHA-256, and
 * returns build(jsonBytes) → {tokenizer, from: 'snapshot' | 'tokenizer.json', stored}. build()
 * uses the snapshot when there is a valid one; otherwise it parses the JSON and stores a
 * snapshot for next time (`stored` settles when that is done). Without a SHA-256 there is no
 * key to trust, so the JSON is always parsed.
 */
export function tokenizerLoader({ core, cache, sha256, coreVersion }) {
  const key = sha256 ? `${SNAPSHOT_PREFIX}/${sha256}` : null;
  const saved = key
    ? cache.get(key).then((rec) => (rec?.coreVersion === coreVersion ? recordBytes(rec) : null)).catch(() => null)
    : Promise.resolve(null);
  return async function build(jsonBytes) {
    const snapshot = await saved;
    if (snapshot) {
      try {
        return { tokenizer: core.createTokenizerFromSnapshot(snapshot), from: 'snapshot', stored: Promise.resolve(null) };
      } catch (err) {
        // Damaged on disk: the JSON still gives the right tokenizer, and a fresh snapshot.
        console.warn(`the saved tokenizer snapshot was refused (${err?.message || err}); reading tokenizer.json instead`);
      }
    }
    const tokenizer = core.createTokenizer(new TextDecoder().decode(jsonBytes));
    const stored = key
      ? cache.put(key, { coreVersion, data: new Blob([tokenizer.snapshot()]), storedAt: Date.now() }).catch((err) => String(err?.message || err))
      : Promise.resolve(null);
    return { tokenizer, from: 'tokenizer.json', stored };
  };
}
