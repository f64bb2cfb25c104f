// bench.test.mjs — `gemwasm bench` runs in both CLIs and reports every field
// of its JSON with sane values. Nothing here depends on how fast the machine
// is: the figures themselves are measured by hand (docs/performance.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, cliRaw } from './lib.mjs';

const ARGS = ['bench', '--synthetic', 'gemma-3-270m', '--type', 'q4_0', '--prefill', '8', '--decode', '2',
  '--ctx', '8,32', '--rounds', '2', '--bw-mb', '16', '--reps', '1', '--json'];

for (const which of ['native', 'wasm']) {
  for (const threads of ['1', '2']) {
    test(`${which} bench -t ${threads}: every JSON field`, () => {
      const out = cli(which, [...ARGS, '-t', threads]);
      const j = JSON.parse(out.trim().split('\n').pop());
      assert.equal(j.build, which);
      assert.equal(j.simd, 'simd128');
      assert.equal(j.threads, Number(threads));
      assert.equal(j.rounds, 2);
      assert.equal(j.type, 'q4_0');
      for (const k of ['prefill_tok_s', 'decode_from_0_tok_s', 'prefill_speedup', 'bandwidth_gbs'])
        assert.ok(j[k] > 0, `${k} = ${j[k]}`);
      for (const k of ['decode_tok_s', 'decode_median_tok_s', 'decode_efficiency']) {
        assert.deepEqual(Object.keys(j[k]).sort(), ['32', '8'], k);
        for (const v of Object.values(j[k])) assert.ok(v > 0 && Number.isFinite(v), `${k}: ${v}`);
      }
      for (const c of ['8', '32']) assert.ok(j.decode_median_tok_s[c] <= j.decode_tok_s[c] + 1e-9);
      // efficiency is decode speed x bytes per token / bandwidth, by definition
      const eff = (j.decode_tok_s['8'] * j.weight_bytes_per_token) / (j.bandwidth_gbs * 1e9);
      assert.ok(Math.abs(eff - j.decode_efficiency['8']) < 0.002 + 0.01 * eff, `${eff} vs ${j.decode_efficiency['8']}`);
      assert.ok(j.weight_bytes_per_token > 1e8 && j.weight_bytes_per_token <= j.weight_bytes);
      assert.ok(j.peak_rss_bytes >= j.weight_bytes, 'peak memory holds the weights');
      assert.ok(j.state_bytes > 0);
    });
  }
}

test('bench rejects bad options with a message', () => {
  for (const [args, msg] of [
    [['bench'], /exactly one of --synthetic/],
    [['bench', '--synthetic', 'gemma-2b', '--type', 'q5_k'], /--type 'q5_k'/],
    [['bench', '--synthetic', 'gemma-2b', '--rounds', '0'], /bad --rounds/],
    [['bench', '--synthetic', 'gemma-2b', '--ctx', 'a,b'], /bad --ctx/],
  ]) {
    const r = cliRaw('native', args);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, msg);
  }
});
