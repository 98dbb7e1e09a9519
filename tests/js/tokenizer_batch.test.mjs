// The tokenizer's embind face: encode() per text, encodeMany() for many at once, describe()
// for the strings of any ids, against each other and against OpenAI's reference ids.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadCore, repoDir, sharedDir } from './load-core.mjs';

const { module: M } = await loadCore();
const realPath = path.join(sharedDir, 'data', 'clip-vit-b32', 'tokenizer.json');
const tinyPath = path.join(repoDir, 'models', 'tiny', 'tokenizer.json');
const casesPath = path.join(sharedDir, 'reference', 'tokenizer_cases.jsonl');

function loaded(file) {
  const t = new M.Tokenizer();
  assert.equal(t.load(fs.readFileSync(file, 'utf8')), '');
  return t;
}

// Short and long texts, odd characters, a lone surrogate, specials, an empty one.
const texts = [
  'a photo of a cat', '', 'A photo of a café 🐈', '\uD800a', '<|endoftext|> the &amp; dog', '   ',
  'cat '.repeat(200), 'a photo of a cat', 'x'.repeat(3000), '日本語のテキスト', 'number 12345',
  'the cat\tsat\non the mat. '.repeat(300),
];

for (const [name, file] of [['tiny', tinyPath], ['real CLIP', realPath]]) {
  test(`encodeMany() gives each text's encode() ids (${name})`, { skip: !fs.existsSync(file) && `${file} is absent` }, () => {
    const t = loaded(file);
    for (const ctx of [0, 1, 2, 5, 77]) {
      const b = t.encodeMany(texts, ctx);
      assert.equal(b.error, '');
      assert.ok(b.ids instanceof Int32Array);
      assert.ok(b.offsets instanceof Int32Array);
      assert.ok(b.truncated instanceof Uint8Array);
      assert.equal(b.offsets.length, texts.length + 1);
      assert.equal(b.truncated.length, texts.length);
      assert.equal(b.offsets[0], 0);
      assert.equal(b.offsets[texts.length], b.ids.length);
      texts.forEach((text, i) => {
        const one = t.encode(text, ctx);
        assert.deepEqual(Array.from(b.ids.subarray(b.offsets[i], b.offsets[i + 1])), Array.from(one.ids), `context ${ctx}, text ${i}`);
        assert.equal(b.truncated[i] === 1, one.truncated, `context ${ctx}, text ${i}`);
      });
    }
    const none = t.encodeMany([], 77);
    assert.equal(none.error, '');
    assert.deepEqual(Array.from(none.offsets), [0]);
    assert.equal(none.ids.length, 0);
    t.delete();
  });

  test(`describe() gives encode()'s strings for the same ids (${name})`, { skip: !fs.existsSync(file) && `${file} is absent` }, () => {
    const t = loaded(file);
    const b = t.encodeMany(texts, 77);
    texts.forEach((text, i) => {
      const one = t.encode(text, 77);
      const ids = b.ids.subarray(b.offsets[i], b.offsets[i + 1]);
      const d = t.describe(ids);
      assert.equal(d.error, '');
      assert.deepEqual(d.tokens, one.tokens);
      assert.deepEqual(d.display, one.display);
      assert.deepEqual(d.wordEnd, one.wordEnd);
      assert.deepEqual(t.describe(Array.from(ids)).tokens, one.tokens, 'a plain array of ids too');
    });
    t.delete();
  });
}

test('encode() strings stay right across tokenizers and reloads', { skip: !fs.existsSync(realPath) && `${realPath} is absent` }, () => {
  // Each tokenizer remembers its own vocabulary's strings, and a reload forgets them: the
  // same ids mean different tokens in the tiny model and in CLIP.
  const text = 'a photo of a cat, 12 dogs and a café';
  const tinyFresh = loaded(tinyPath);
  const want = tinyFresh.encode(text, 77);
  const t = loaded(realPath);
  const real = t.encode(text, 77);
  assert.equal(real.tokens[2], 'photo</w>');
  assert.equal(t.load(fs.readFileSync(tinyPath, 'utf8')), '');
  const again = t.encode(text, 77);
  assert.deepEqual(Array.from(again.ids), Array.from(want.ids));
  assert.deepEqual(again.tokens, want.tokens);
  assert.deepEqual(again.display, want.display);
  assert.deepEqual(again.wordEnd, want.wordEnd);
  assert.deepEqual(t.describe(real.ids.filter((id) => id < t.vocabSize())).tokens,
                   tinyFresh.describe(real.ids.filter((id) => id < t.vocabSize())).tokens);
  assert.notDeepEqual(again.tokens, real.tokens);
  t.delete();
  tinyFresh.delete();
});

test('encode(), encodeMany() and describe() match the Python reference goldens', { skip: !fs.existsSync(realPath) && `${realPath} is absent` }, () => {
  // Rows given as raw bytes (invalid UTF-8) cannot be JS strings; the native tests cover them.
  const rows = fs.readFileSync(path.join(repoDir, 'tests', 'data', 'tokenizer', 'goldens.jsonl'), 'utf8')
    .split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => !('hex' in r));
  assert.ok(rows.length >= 40);
  const inputs = rows.map((r) => r.text ?? r.parts.map(([piece, n]) => piece.repeat(n)).join(''));
  const t = loaded(realPath);
  const b = t.encodeMany(inputs, 77);
  for (let pass = 0; pass < 2; pass++) {  // the second pass takes strings from the JS side
    rows.forEach((row, i) => {
      const e = t.encode(inputs[i], 77);
      assert.deepEqual(Array.from(e.ids), row.ids, row.name);
      assert.deepEqual(e.tokens, row.tokens, row.name);
      assert.deepEqual(e.display, row.display, row.name);
      const d = t.describe(b.ids.subarray(b.offsets[i], b.offsets[i + 1]));
      assert.deepEqual(d.tokens, row.tokens, row.name);
      assert.deepEqual(d.display, row.display, row.name);
    });
  }
  t.delete();
});

test('the batch API reports bad input as errors', () => {
  const t = new M.Tokenizer();
  assert.match(t.encodeMany(['a'], 77).error, /no tokenizer loaded/);
  assert.match(t.describe([1]).error, /no tokenizer loaded/);
  assert.equal(t.load(fs.readFileSync(tinyPath, 'utf8')), '');
  assert.match(t.encodeMany('a photo', 77).error, /needs an array of strings/);
  assert.match(t.encodeMany(['a', 7, 'b'], 77).error, /texts\[1\] is not a string/);
  assert.match(t.encodeMany(['a'], -1).error, /context length/);
  assert.match(t.describe([t.vocabSize()]).error, /not in the vocabulary/);
  assert.match(t.describe([-1]).error, /not in the vocabulary/);
  // an error leaves the tokenizer usable
  assert.equal(t.encodeMany(['a'], 77).error, '');
  t.delete();
});

test('encodeMany() matches every OpenAI reference case', { skip: !fs.existsSync(casesPath) && `${casesPath} is absent` }, () => {
  const cases = fs.readFileSync(casesPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const t = loaded(realPath);
  const b = t.encodeMany(cases.map((c) => c.text), 77);
  assert.equal(b.error, '');
  cases.forEach((c, i) => assert.deepEqual(Array.from(b.ids.subarray(b.offsets[i], b.offsets[i + 1])), c.ids, c.text));
  t.delete();
});
