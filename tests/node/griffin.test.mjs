// griffin.test.mjs — RecurrentGemma over a long input: tests/fixtures/
// recurrentgemma-long (160 tokens = 10 attention windows of 16; made by
// tools/fixtures/make_recurrentgemma_long.py with transformers 5.17) runs
// natively and in wasm, in one prefill, in micro-batches that do not divide
// the window, and one token at a time, and matches transformers' float32
// logits at every position; greedy generation past several windows
// reproduces transformers' continuation; quantized files meet the
// agreement figures. (The tiny hf-tiny case is in forward.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli, compareLogits, FIXTURES, readNpy, readReference, tempDir } from './lib.mjs';

const dir = join(FIXTURES, 'recurrentgemma-long');
const QUANT = { q8_0: { cos: 0.999, agree: 0.95 }, q4_0: { cos: 0.98, agree: 0.8 } };
const MODES = { prefill: [], decode: ['--decode'], 'batch 7': ['--batch', '7'] };
const report = [];

test('recurrentgemma-long (10 windows)', async (t) => {
  const tmp = tempDir(t);
  const ref = readNpy(join(dir, 'ref_logits.npy'));
  const info = readReference(dir);
  assert.ok(info.input_ids.length >= 8 * 16, 'fixture shorter than 8 windows');
  const ids = info.input_ids.join(',');
  const f32 = join(tmp, 'f32.gguf');
  cli('native', ['convert', dir, '-o', f32, '--type', 'f32']);

  for (const which of ['native', 'wasm']) {
    for (const [mode, flags] of Object.entries(MODES)) {
      if (which === 'wasm' && mode === 'batch 7') continue;
      await t.test(`${which} ${mode} f32 matches transformers`, () => {
        const out = join(tmp, `${which}-${mode.replace(' ', '')}.npy`);
        cli(which, ['logits', '-m', f32, '--ids', ids, '-o', out, ...flags]);
        const c = compareLogits(readNpy(out), ref);
        report.push(`recurrentgemma-long ${which} ${mode} f32: max|d|/std=${c.relErr.toExponential(2)} argmax=${(c.argmaxAgreement * 100).toFixed(1)}%`);
        assert.ok(c.relErr < 1e-3, `max|ours-ref|/std(ref) = ${c.relErr}`);
        assert.equal(c.argmaxAgreement, 1, 'argmax differs at some position');
      });
    }
    await t.test(`${which} greedy generation reproduces transformers`, () => {
      const n = info.greedy_new_tokens.length;
      const out = cli(which, ['generate', '-m', f32, '--ids', info.greedy_prompt.join(','), '-n', String(n)]);
      assert.deepEqual(out.trim().split(',').map(Number), info.greedy_new_tokens);
    });
  }

  for (const [type, want] of Object.entries(QUANT)) {
    await t.test(`native ${type} agreement`, () => {
      const q = join(tmp, `${type}.gguf`);
      cli('native', ['convert', dir, '-o', q, '--type', type]);
      const out = join(tmp, `${type}.npy`);
      cli('native', ['logits', '-m', q, '--ids', ids, '-o', out]);
      const c = compareLogits(readNpy(out), ref);
      report.push(`recurrentgemma-long native ${type}: min cos=${c.minCos.toFixed(5)} argmax=${(c.argmaxAgreement * 100).toFixed(1)}%`);
      assert.ok(c.minCos >= want.cos, `min cosine ${c.minCos} < ${want.cos}`);
      assert.ok(c.argmaxAgreement >= want.agree, `argmax agreement ${c.argmaxAgreement} < ${want.agree}`);
    });
  }
});

test.after(() => { if (report.length) console.log('# figures\n' + report.map((l) => '# ' + l).join('\n')); });
