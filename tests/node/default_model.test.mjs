// default_model.test.mjs — the embedded default model (docs/default-model.md):
// (a) our F32 conversion of its HF checkpoint (tests/fixtures/default-model)
//     matches transformers' float32 logits and greedy continuation, natively
//     and in wasm;
// (b) the committed Q8_0 splits in models/default load and continue
//     "And it came to pass" with English-looking text;
// (c) `gemwasm perplexity` on a held-out text: F32 equals transformers'
//     llama.cpp-style figure and wasm F32 equals native to 4 significant
//     digits; Q8_0 is within 1% of F32 (and wasm Q8_0 within 0.2% of native).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cli, compareLogits, FIXTURES, readNpy, readReference, ROOT, tempDir } from './lib.mjs';

const DIR = join(FIXTURES, 'default-model');
const HELDOUT = join(DIR, 'heldout.txt');
const MODELS = join(ROOT, 'models', 'default');
const report = [];

// GEMWASM_NATIVE_CLI lets a developer point at their own build directory.
function run(which, args) {
  if (which !== 'native' || !process.env.GEMWASM_NATIVE_CLI) return cli(which, args);
  const r = spawnSync(process.env.GEMWASM_NATIVE_CLI, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`native gemwasm ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function defaultModel() {
  const first = readdirSync(MODELS).filter((f) => /^gemwasm-default-q8_0-00001-of-\d{5}\.gguf$/.test(f));
  assert.equal(first.length, 1, 'models/default has no gemwasm-default-q8_0-00001-of-N.gguf');
  return join(MODELS, first[0]);
}

function ppl(which, model, extra = []) {
  const out = run(which, ['perplexity', '-m', model, '-f', HELDOUT, '--ctx', '128', ...extra]);
  const m = out.match(/Final estimate: PPL = ([0-9.]+) \+\/- ([0-9.]+)/);
  assert.ok(m, `no final estimate in:\n${out}`);
  const running = [...out.matchAll(/\[(\d+)\]([0-9.]+),/g)].map((x) => Number(x[2]));
  return { ppl: Number(m[1]), err: Number(m[2]), running };
}

const sameTo4 = (a, b) => Math.abs(a - b) / Math.abs(b) < 5e-5;

test('default model', async (t) => {
  const tmp = tempDir(t);
  const info = readReference(DIR);
  const ref = readNpy(join(DIR, 'ref_logits.npy'));
  const f32 = join(tmp, 'f32.gguf');
  run('native', ['convert', DIR, '-o', f32, '--type', 'f32']);

  for (const which of ['native', 'wasm']) {
    await t.test(`(a) ${which} f32 logits match transformers`, () => {
      const out = join(tmp, `${which}.npy`);
      run(which, ['logits', '-m', f32, '--ids', info.input_ids.join(','), '-o', out]);
      const c = compareLogits(readNpy(out), ref);
      report.push(`${which} f32: max|d|/std=${c.relErr.toExponential(2)} argmax=${(c.argmaxAgreement * 100).toFixed(1)}%`);
      assert.ok(c.relErr < 1e-3, `max|ours-ref|/std(ref) = ${c.relErr}`);
      assert.equal(c.argmaxAgreement, 1, 'argmax differs at some position');
    });
    await t.test(`(a) ${which} greedy continuation reproduces transformers`, () => {
      const n = info.greedy_new_tokens.length;
      const out = run(which, ['generate', '-m', f32, '--ids', info.greedy_prompt.join(','), '-n', String(n)]);
      assert.deepEqual(out.trim().split(',').map(Number), info.greedy_new_tokens);
    });
  }

  const q8 = defaultModel();
  for (const which of ['native', 'wasm']) {
    await t.test(`(b) ${which} Q8_0 default model writes English`, () => {
      const out = run(which, ['generate', '-m', q8, '--prompt', 'And it came to pass', '-n', '40']);
      report.push(`${which} q8_0 generate: ${JSON.stringify(out.trim().slice(0, 120))}`);
      assert.ok(!out.includes('\uFFFD'), 'replacement character in the output');
      const letters = (out.match(/[A-Za-z ]/g) || []).length;
      assert.ok(letters / out.length > 0.9, `mostly letters and spaces expected: ${JSON.stringify(out)}`);
      const words = out.trim().split(/\s+/);
      assert.ok(words.length >= 20, `expected at least 20 words: ${JSON.stringify(out)}`);
      assert.ok(/\b(the|and|of|unto)\b/.test(out), `no common English word: ${JSON.stringify(out)}`);
    });
  }

  await t.test('(c) perplexity: F32 = transformers = wasm, Q8_0 within 1% of F32', () => {
    const want = info.heldout.llama_ppl_fixture_ctx128;
    const r = {};
    for (const which of ['native', 'wasm']) {
      r[`${which} f32`] = ppl(which, f32);
      r[`${which} q8_0`] = ppl(which, q8);
    }
    for (const [k, v] of Object.entries(r)) report.push(`perplexity ${k}: ${v.ppl} +/- ${v.err}`);
    report.push(`perplexity transformers f32: ${want.ppl.toFixed(4)} +/- ${want.err.toFixed(5)}`);
    const nf = r['native f32'], wf = r['wasm f32'], nq = r['native q8_0'], wq = r['wasm q8_0'];
    assert.equal(nf.running.length, want.chunks, 'chunk count differs from transformers');
    assert.ok(sameTo4(nf.ppl, want.ppl), `native F32 PPL ${nf.ppl} != transformers ${want.ppl}`);
    assert.ok(sameTo4(wf.ppl, nf.ppl), `wasm F32 PPL ${wf.ppl} != native ${nf.ppl}`);
    // Native and wasm run the same arithmetic (no fma contraction, libm
    // transcendentals through double): quantized files agree too.
    assert.ok(sameTo4(wq.ppl, nq.ppl), `wasm Q8_0 PPL ${wq.ppl} != native ${nq.ppl}`);
    assert.ok(Math.abs(nq.ppl / nf.ppl - 1) < 0.01, `Q8_0 PPL ${nq.ppl} not within 1% of F32 ${nf.ppl}`);
  });
});

test.after(() => { if (report.length) console.log('# figures\n' + report.map((l) => '# ' + l).join('\n')); });
