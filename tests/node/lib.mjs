// lib.mjs — helpers for the Node test files: paths, running the native and
// wasm CLIs, reading .npy files, and the agreement figures between logits.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'tests', 'fixtures');
export const NATIVE_CLI = join(ROOT, 'build', 'gemwasm');
export const WASM_CLI = join(ROOT, 'web', 'bin', 'gemwasm.mjs');

export function tempDir(t, prefix = 'gemwasm-test-') {
  const d = mkdtempSync(join(tmpdir(), prefix));
  if (t && t.after) t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

// Runs a CLI ('native' or 'wasm') with args; returns stdout; throws with
// stderr on a non-zero exit.
export function cli(which, args, opts = {}) {
  const [cmd, argv] = which === 'native' ? [NATIVE_CLI, args] : [process.execPath, [WASM_CLI, ...args]];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.status !== 0) {
    const e = new Error(`${which} gemwasm ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
    e.status = r.status;
    e.stderr = r.stderr;
    throw e;
  }
  return r.stdout;
}

// Same, but returns {status, stdout, stderr} without throwing.
export function cliRaw(which, args, opts = {}) {
  const [cmd, argv] = which === 'native' ? [NATIVE_CLI, args] : [process.execPath, [WASM_CLI, ...args]];
  return spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
}

// Minimal .npy reader: float32 little-endian, C order.
export function readNpy(path) {
  const buf = readFileSync(path);
  if (buf.readUInt32BE(0) !== 0x934e554d) throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const off = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', off, off + hlen);
  if (!header.includes("'<f4'")) throw new Error(`${path}: not float32: ${header}`);
  if (header.includes("'fortran_order': True")) throw new Error(`${path}: fortran order`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const start = off + hlen;
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return { shape, data };
}

// Agreement between our logits and the reference, per the issues' figures.
export function compareLogits(ours, ref) {
  const [rows, cols] = ref.shape;
  if (ours.shape[0] !== rows || ours.shape[1] !== cols)
    throw new Error(`shape ${ours.shape} != reference ${ref.shape}`);
  let sum = 0, sum2 = 0, maxAbs = 0, argmaxAgree = 0, minCos = 1;
  const n = rows * cols;
  for (let i = 0; i < n; i++) { sum += ref.data[i]; sum2 += ref.data[i] * ref.data[i]; }
  const std = Math.sqrt(sum2 / n - (sum / n) ** 2);
  for (let r = 0; r < rows; r++) {
    let dot = 0, na = 0, nb = 0, am = 0, bm = 0;
    for (let c = 0; c < cols; c++) {
      const a = ours.data[r * cols + c], b = ref.data[r * cols + c];
      maxAbs = Math.max(maxAbs, Math.abs(a - b));
      dot += a * b; na += a * a; nb += b * b;
      if (a > ours.data[r * cols + am]) am = c;
      if (b > ref.data[r * cols + bm]) bm = c;
    }
    if (am === bm) argmaxAgree++;
    minCos = Math.min(minCos, dot / Math.sqrt(na * nb));
  }
  return { relErr: maxAbs / std, argmaxAgreement: argmaxAgree / rows, minCos, rows };
}

export function readReference(dir) {
  return JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8'));
}

export function sameBytes(a, b) {
  return Buffer.compare(readFileSync(a), readFileSync(b)) === 0;
}

export { execFileSync };
