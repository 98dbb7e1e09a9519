// The manifest check runs before any download: a wrong package must be refused with a
// message that names the field, and the committed packages must pass it.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateManifest, packageFiles, totalBytes, formatBytes, ManifestError } from '../../web/src/model/manifest.js';
import { repoDir } from './load-core.mjs';

const good = () => ({
  id: 'demo', name: 'Demo', embed_dim: 8, logit_scale: 50,
  image: { size: 224, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
  tokenizer: { file: 'tokenizer.json', bytes: 10, sha256: 'a'.repeat(64), context_length: 77 },
  vision: { file: 'vision.onnx', bytes: 20, sha256: 'b'.repeat(64), input: 'pixel_values', output: 'image_embeds' },
  text: { file: 'text.onnx', bytes: 30, sha256: 'c'.repeat(64), input: 'input_ids', output: 'text_embeds' },
});

test('a complete manifest passes and lists its files small-first', () => {
  const m = validateManifest(good());
  assert.deepEqual(packageFiles(m).map((f) => f.role), ['tokenizer', 'vision', 'text']);
  assert.equal(totalBytes(m), 60);
});

test('each missing or wrong field is named in the error', () => {
  const cases = [
    [(m) => delete m.vision, /"vision" entry is missing/],
    [(m) => { m.vision.sha256 = 'xyz'; }, /vision\.sha256 must be 64 lowercase hex digits/],
    [(m) => { m.text.bytes = -1; }, /text\.bytes must be a positive integer/],
    [(m) => delete m.text.output, /text\.output \(the ONNX output name\) is missing/],
    [(m) => { m.image.std = [1, 0, 1]; }, /image\.std values must be above 0/],
    [(m) => { m.tokenizer.context_length = 'long'; }, /context_length must be an integer/],
    [(m) => { m.vision.file = '../../etc/passwd'; }, /plain relative path/],
    [(m) => { m.logit_scale = 0; }, /logit_scale/],
    [(m) => { m.id = '<script>'; }, /"id" must be a short lowercase name/],
  ];
  for (const [mutate, message] of cases) {
    const m = good();
    mutate(m);
    assert.throws(() => validateManifest(m), (err) => err instanceof ManifestError && message.test(err.message), String(message));
  }
  assert.throws(() => validateManifest([]), /not a JSON object/);
});

test('the committed model packages have valid manifests', () => {
  const modelsDir = path.join(repoDir, 'models');
  const ids = fs.readdirSync(modelsDir).filter((d) => fs.existsSync(path.join(modelsDir, d, 'manifest.json')));
  assert.ok(ids.includes('tiny'), 'models/tiny/manifest.json exists');
  for (const id of ids) validateManifest(JSON.parse(fs.readFileSync(path.join(modelsDir, id, 'manifest.json'), 'utf8')));
});

test('byte counts read naturally', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(153_600_000), '153.6 MB');
  assert.equal(formatBytes(4_200), '4 kB');
});
