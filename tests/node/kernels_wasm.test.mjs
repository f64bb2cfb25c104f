// kernels_wasm.test.mjs — tests/c/test_kernels.c built as wasm (SIMD128 and
// pthreads, build-wasm/tests/test_kernels_wasm.js) and run under Node: the
// kernels have paths that only the wasm build takes (the prefill of the
// interleaved q4_0/q8_0 layout), and V8's SIMD128 is not SIMDe's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const JS = join(ROOT, 'build-wasm', 'tests', 'test_kernels_wasm.js');

test('kernel tests in wasm: every SIMD kernel against its scalar reference', () => {
  assert.ok(existsSync(JS), `${JS} missing: build the wasm tree (scripts/lib.sh build_wasm)`);
  const r = spawnSync(process.execPath, [JS], { encoding: 'utf8', env: { ...process.env, NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' } });
  const out = (r.stdout || '') + (r.stderr || '');
  console.log(out.trim().split('\n').slice(-3).join('\n'));
  assert.equal(r.status, 0, out.slice(-4000));
  assert.match(out, /test_kernels: \d+ passed, 0 failed/);
});
