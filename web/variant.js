// variant.js — which wasm build this host runs best: "mt" (SIMD128 +
// threads) when SharedArrayBuffer is usable (crossOriginIsolated pages,
// Node), "st" (SIMD128) otherwise, "scalar" when SIMD128 is missing.

// A module whose one function uses a v128 instruction: valid only with SIMD128.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
  10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

export function hasSimd() {
  try { return WebAssembly.validate(SIMD_PROBE); } catch { return false; }
}

export function hasThreads() {
  const isNode = typeof process === 'object' && !!(process.versions && process.versions.node);
  if (typeof SharedArrayBuffer !== 'function') return false;
  if (isNode) return true;
  return typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated === true;
}

export function pickVariant(requested = 'auto') {
  const simd = hasSimd();
  if (requested && requested !== 'auto') return requested;
  if (!simd) return 'scalar';
  return hasThreads() ? 'mt' : 'st';
}
