// Model package manifests (models/<id>/manifest.json): checked before anything is
// downloaded, so a wrong or incomplete package fails with a message naming the field.

export class ManifestError extends Error {
  constructor(message) { super(message); this.name = 'ManifestError'; }
}

const HEX64 = /^[0-9a-f]{64}$/;

function need(cond, message) {
  if (!cond) throw new ManifestError(message);
}

function checkFileEntry(m, key, { io }) {
  const e = m[key];
  need(e && typeof e === 'object', `manifest "${m.id}": the "${key}" entry is missing`);
  need(typeof e.file === 'string' || typeof e.url === 'string', `manifest "${m.id}": ${key} has neither "file" nor "url"`);
  if (typeof e.file === 'string') {
    need(!e.file.includes('..') && !e.file.startsWith('/'), `manifest "${m.id}": ${key}.file must be a plain relative path`);
  }
  // A remote source that publishes no checksum may leave size and SHA-256 unpinned (null):
  // the page then records the SHA-256 of what arrived and verifies the cache against it.
  const unpinned = typeof e.url === 'string' && e.bytes === null && e.sha256 === null;
  if (!unpinned) {
    need(Number.isInteger(e.bytes) && e.bytes > 0, `manifest "${m.id}": ${key}.bytes must be a positive integer`);
    need(typeof e.sha256 === 'string' && HEX64.test(e.sha256), `manifest "${m.id}": ${key}.sha256 must be 64 lowercase hex digits`);
  }
  if (typeof e.url === 'string') need(/^https:\/\//.test(e.url), `manifest "${m.id}": ${key}.url must be an https address`);
  if (io) {
    need(typeof e.input === 'string' && e.input, `manifest "${m.id}": ${key}.input (the ONNX input name) is missing`);
    need(typeof e.output === 'string' && e.output, `manifest "${m.id}": ${key}.output (the ONNX output name) is missing`);
  }
}

/** Validates a parsed manifest and returns it with defaults filled in. Throws ManifestError. */
export function validateManifest(m) {
  need(m && typeof m === 'object' && !Array.isArray(m), 'manifest is not a JSON object');
  need(typeof m.id === 'string' && /^[a-z0-9][a-z0-9._-]{0,63}$/.test(m.id), 'manifest "id" must be a short lowercase name');
  need(typeof m.name === 'string' && m.name.length > 0, `manifest "${m.id}": "name" is missing`);
  need(Number.isInteger(m.embed_dim) && m.embed_dim > 0 && m.embed_dim <= 4096, `manifest "${m.id}": "embed_dim" must be a positive integer`);
  need(Number.isFinite(m.logit_scale) && m.logit_scale > 0, `manifest "${m.id}": "logit_scale" must be a positive number`);
  const img = m.image;
  need(img && Number.isInteger(img.size) && img.size >= 16 && img.size <= 1024, `manifest "${m.id}": image.size must be an integer pixel size`);
  for (const k of ['mean', 'std']) {
    need(Array.isArray(img[k]) && img[k].length === 3 && img[k].every(Number.isFinite), `manifest "${m.id}": image.${k} must be three numbers`);
  }
  need(img.std.every((s) => s > 0), `manifest "${m.id}": image.std values must be above 0`);
  checkFileEntry(m, 'tokenizer', { io: false });
  const ctx = m.tokenizer.context_length;
  need(Number.isInteger(ctx) && ctx >= 3 && ctx <= 512, `manifest "${m.id}": tokenizer.context_length must be an integer`);
  checkFileEntry(m, 'vision', { io: true });
  checkFileEntry(m, 'text', { io: true });
  return m;
}

/** The files a package consists of, in load order: the tokenizer first (small: a wrong
 *  package shows up early), then the vision model before the text model, because ONNX
 *  Runtime's heap, which never shrinks, ends up smaller when the larger session is built first. */
export function packageFiles(m) {
  return ['tokenizer', 'vision', 'text'].map((role) => ({
    role,
    name: m[role].file ?? m[role].url.split('/').pop(),
    url: m[role].url ?? null,
    bytes: m[role].bytes,
    sha256: m[role].sha256,
  }));
}

export function totalBytes(m) {
  return packageFiles(m).reduce((n, f) => n + (f.bytes ?? 0), 0);
}

export function formatBytes(n) {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}
