// errors.js — GemwasmError, the one error type the package rejects with, and
// the mapping from the C core's error codes (gemwasm.h) to its .code strings.

export class GemwasmError extends Error {
  constructor(code, message, extra = {}) {
    super(message, extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = 'GemwasmError';
    this.code = code;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.url !== undefined) this.url = extra.url;
  }
}

// gw error codes (core/include/gemwasm.h) -> .code
const C_CODES = { 1: 'invalid', 2: 'format', 3: 'unsupported', 4: 'oom', 5: 'network', 6: 'format', 7: 'range', 8: 'format' };

export function fromC(rc, message) {
  let code = C_CODES[rc] || 'internal';
  if (code === 'format' && /not a GGUF|bad magic/i.test(message)) code = 'not_gguf';
  return new GemwasmError(code, message);
}

// Plain object for postMessage (Error subclasses lose their fields in structured clone).
export function serializeError(e) {
  if (e instanceof GemwasmError) return { code: e.code, message: e.message, status: e.status, url: e.url };
  if (e && e.name === 'AbortError') return { code: 'aborted', message: 'aborted' };
  if (e instanceof RangeError && /memory|allocation|Array buffer/i.test(String(e.message)))
    return { code: 'oom', message: `out of memory: ${e.message}` };
  if (e && e.name === 'QuotaExceededError') return { code: 'quota', message: `storage quota exceeded: ${e.message}` };
  return { code: 'internal', message: String((e && e.stack) || e) };
}

export function deserializeError(o) {
  return new GemwasmError(o.code, o.message, { status: o.status, url: o.url });
}
