// loader.js — puts a model's splits into wasm memory (runs in the worker).
// Each split gets one buffer malloc'd in the module (gwapi_split_alloc) of
// the split's file size; bytes are copied into it chunk by chunk as they
// arrive from the network, the cache or a file, so JS never holds the model:
// peak memory is the model plus what is in flight (and, when caching in the
// browser, one 4 MiB piece at a time handed to IndexedDB). Several splits
// load at once. Each split is hashed where it lies (SHA-256 over 4 MiB
// pieces, then over the pieces' digests); a cached split whose hash does not
// match its record is dropped and fetched again, never used.
import { GemwasmError } from './errors.js';

const SPLIT_RE = /-(\d{5})-of-(\d{5})\.gguf$/;
const PIECE = 4 << 20;
const isNode = typeof process === 'object' && !!(process.versions && process.versions.node);
// The wasm module's pre-js hides fetch under Node (so Emscripten reads its
// .wasm from disk): keep our own reference, taken before the module loads.
const fetch = globalThis.fetch;

// ---- sources -----------------------------------------------------------------

// A model source -> [{name, kind: 'url'|'blob'|'path'|'bytes', ref}], one per split.
export function resolveSources(model) {
  const list = Array.isArray(model) ? model : [model];
  if (list.length === 0) throw new GemwasmError('invalid', 'createEngine: no model given');
  const out = [];
  for (const m of list) {
    if (typeof Blob !== 'undefined' && m instanceof Blob) out.push({ name: m.name || 'model.gguf', kind: 'blob', ref: m });
    else if (m instanceof ArrayBuffer || ArrayBuffer.isView(m)) out.push({ name: 'model.gguf', kind: 'bytes', ref: m instanceof ArrayBuffer ? new Uint8Array(m) : new Uint8Array(m.buffer, m.byteOffset, m.byteLength) });
    else if (m instanceof URL || (typeof m === 'string' && /^(https?|blob|data):/i.test(m))) out.push({ name: String(m), kind: 'url', ref: String(m) });
    else if (typeof m === 'string' && isNode) out.push({ name: m, kind: 'path', ref: m });
    else if (typeof m === 'string') out.push({ name: m, kind: 'url', ref: new URL(m, globalThis.location && globalThis.location.href).href });
    else throw new GemwasmError('invalid', `createEngine: unsupported model source ${Object.prototype.toString.call(m)}`);
  }
  // One split of a llama.cpp split set given alone: load the whole set.
  if (out.length === 1 && (out[0].kind === 'url' || out[0].kind === 'path')) {
    const s = out[0];
    const u = s.kind === 'url' ? new URL(s.ref) : null;
    const file = u ? u.pathname : s.ref;
    const m = SPLIT_RE.exec(file);
    if (m) {
      const count = Number(m[2]);
      if (count < 1 || count > 1024) throw new GemwasmError('invalid', `${s.name}: bad split count ${count}`);
      const res = [];
      for (let i = 1; i <= count; i++) {
        const tail = `-${String(i).padStart(5, '0')}-of-${m[2]}.gguf`;
        const f = file.slice(0, m.index) + tail;
        if (u) { const v = new URL(u.href); v.pathname = f; res.push({ name: v.href, kind: 'url', ref: v.href }); }
        else res.push({ name: f, kind: 'path', ref: f });
      }
      return res;
    }
  }
  return out;
}

// ---- hashing ------------------------------------------------------------------

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// The split's content hash (hex): SHA-256 over each 4 MiB piece of the split
// where it lies in wasm memory, then over the pieces' digests. A Hasher runs
// while the bytes arrive (advance(bytesSoFar) hashes every piece that is
// complete), so hashing overlaps the download. Each piece is copied into one
// reused buffer (digest copies its input at the call): no garbage. With
// keepBlobs, each piece also becomes a Blob (the browser stores it, off the
// JS heap), ready for the IndexedDB cache.
class Hasher {
  constructor(heap, ptr, size, keepBlobs) {
    this.heap = heap; this.ptr = ptr; this.size = size; this.done = 0;
    this.digests = new Uint8Array(Math.ceil(size / PIECE) * 32);
    this.scratch = new Uint8Array(Math.min(PIECE, Math.max(1, size)));
    this.blobs = keepBlobs ? [] : null;
  }
  async _piece(end) {
    const view = this.scratch.subarray(0, end - this.done);
    view.set(this.heap().subarray(this.ptr + this.done, this.ptr + end));
    if (this.blobs) this.blobs.push(new Blob([view]));
    this.digests.set(await sha256(view), (this.done / PIECE) * 32);
    this.done = end;
  }
  async advance(have) {
    while (this.done + PIECE <= have) await this._piece(this.done + PIECE);
  }
  async finish() {
    await this.advance(this.size);
    if (this.done < this.size) await this._piece(this.size);
    const d = await sha256(this.digests);
    return Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
  }
}

export async function hashRegion(heap, ptr, size) {
  return new Hasher(heap, ptr, size, false).finish();
}

// The region in pieces, each a view of one reused buffer: a consumer must use
// (copy, write) each piece before asking for the next.
function* pieces(heap, ptr, size) {
  const scratch = new Uint8Array(Math.min(PIECE, Math.max(1, size)));
  for (let off = 0; off < size; off += PIECE) {
    const view = scratch.subarray(0, Math.min(size, off + PIECE) - off);
    view.set(heap().subarray(ptr + off, ptr + off + view.length));
    yield view;
  }
}

// ---- byte sources -------------------------------------------------------------

function netError(url, e, signal) {
  if (signal && signal.aborted) return new GemwasmError('aborted', 'the model load was aborted', { url });
  if (e instanceof GemwasmError) return e;
  return new GemwasmError('network', `${url}: network error: ${e && e.message ? e.message : e}`, { url, cause: e });
}

async function fetchOk(url, init, signal) {
  let res;
  try { res = await fetch(url, { ...init, signal }); } catch (e) { throw netError(url, e, signal); }
  if (!res.ok) {
    throw new GemwasmError('http', `${url}: HTTP ${res.status} ${res.statusText}`.trim(), { status: res.status, url });
  }
  return res;
}

async function sizeOf(src, signal) {
  if (src.kind === 'blob') return src.ref.size;
  if (src.kind === 'bytes') return src.ref.byteLength;
  if (src.kind === 'path') {
    const fs = await import('node:fs/promises');
    try { return (await fs.stat(src.ref)).size; } catch (e) {
      throw new GemwasmError(e.code === 'ENOENT' ? 'not_found' : 'io', `${src.ref}: ${e.message}`, { url: src.ref });
    }
  }
  let res;
  try {
    res = await fetchOk(src.ref, { method: 'HEAD' }, signal);
  } catch (e) {
    // Some servers refuse HEAD (405, or 403 for URLs signed for GET): learn the size from the GET.
    if (e instanceof GemwasmError && e.code === 'http' && e.status !== 404 && e.status !== 410) return -1;
    throw e;
  }
  const len = res.headers.get('content-length');
  return len !== null && !res.headers.get('content-encoding') ? Number(len) : -1;
}

async function* streamOf(src, signal) {
  if (src.kind === 'blob') { yield* streamChunks(src.ref.stream(), src.name, signal); return; }
  if (src.kind === 'bytes') { yield src.ref; return; }
  if (src.kind === 'path') {
    const fs = await import('node:fs');
    for await (const c of fs.createReadStream(src.ref, { highWaterMark: 1 << 20 })) {
      if (signal && signal.aborted) throw netError(src.name, null, signal);
      yield c;
    }
    return;
  }
  throw new Error('unreachable');
}

// Chunks of a ReadableStream. With a byte stream (fetch bodies, blob.stream())
// a BYOB reader fills one reused 1 MiB buffer, so reading leaves no garbage;
// each yielded chunk is valid until the next one is asked for.
async function* streamChunks(stream, url, signal) {
  let reader = null, byob = false;
  try { reader = stream.getReader({ mode: 'byob' }); byob = true; } catch { reader = stream.getReader(); }
  let buf = byob ? new ArrayBuffer(1 << 20) : null;
  try {
    for (;;) {
      let r;
      try { r = byob ? await reader.read(new Uint8Array(buf)) : await reader.read(); } catch (e) { throw netError(url, e, signal); }
      if (r.done) return;
      yield r.value;
      if (byob) buf = r.value.buffer;
    }
  } finally {
    try { reader.cancel().catch(() => {}); } catch {}
  }
}

// ---- the loader -----------------------------------------------------------------

// api: { alloc(i, size) -> ptr, free(i), heap() -> Uint8Array over wasm memory }.
// Resolves to [{name, size, source}] once every split is in place.
export async function loadSplits(api, srcs, { cache, concurrency = 3, signal, onProgress, modelKey }) {
  const n = srcs.length;
  const prog = srcs.map((s) => ({ url: s.name, loaded: 0, total: 0, source: s.kind === 'url' ? 'network' : 'file', done: false }));
  let lastEmit = 0;
  const emit = (force) => {
    if (!onProgress) return;
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    let loaded = 0, total = 0;
    for (const p of prog) { loaded += p.loaded; total += p.total; }
    onProgress({ phase: 'download', loaded, total, splits: prog.map((p) => ({ ...p })) });
  };
  const checkAbort = () => { if (signal && signal.aborted) throw new GemwasmError('aborted', 'the model load was aborted'); };

  // 1. sizes: the cache's record, else HEAD (or the size of the blob / file)
  const recs = new Array(n).fill(null);
  const sizes = new Array(n).fill(-1);
  await Promise.all(srcs.map(async (s, i) => {
    if (cache && s.kind === 'url') recs[i] = await cache.get(s.ref).catch(() => null);
    sizes[i] = recs[i] ? recs[i].size : await sizeOf(s, signal);
    if (recs[i]) prog[i].source = 'cache';
    prog[i].total = Math.max(0, sizes[i]);
  }));
  checkAbort();
  if (cache && cache.ensureSpace) {
    let need = 0;
    for (let i = 0; i < n; i++) if (!recs[i] && srcs[i].kind === 'url') need += Math.max(0, sizes[i]);
    await cache.ensureSpace(need);
  }
  emit(true);

  // 2. a buffer per split, all before any byte is written (no growth mid-copy)
  const ptrs = new Array(n).fill(0);
  for (let i = 0; i < n; i++) if (sizes[i] >= 0) ptrs[i] = api.alloc(i, sizes[i]);

  // 3. fill them, several at once
  const fill = async (i, stream, size, checkMagic, hasher) => {
    let off = 0;
    for await (const chunk of stream) {
      checkAbort();
      if (off + chunk.byteLength > size)
        throw new GemwasmError('network', `${srcs[i].name}: more bytes than the ${size} announced`, { url: srcs[i].name });
      api.heap().set(chunk, ptrs[i] + off);
      if (checkMagic && off < 4 && off + chunk.byteLength >= 4) checkMagicAt(i);
      off += chunk.byteLength;
      prog[i].loaded = off;
      emit(false);
      if (hasher) await hasher.advance(off);
    }
    if (off !== size)
      throw new GemwasmError('network', `${srcs[i].name}: the connection closed after ${off} of ${size} bytes`, { url: srcs[i].name });
    if (size < 4) checkMagicAt(i);
  };
  const checkMagicAt = (i) => {
    const h = api.heap(), p = ptrs[i];
    if (sizes[i] < 4 || h[p] !== 0x47 || h[p + 1] !== 0x47 || h[p + 2] !== 0x55 || h[p + 3] !== 0x46)
      throw new GemwasmError('not_gguf', `${srcs[i].name}: not a GGUF file (it does not start with "GGUF")`, { url: srcs[i].name });
  };

  const loadOne = async (i) => {
    const s = srcs[i];
    // from the cache, when it holds this split and its hash still matches
    if (recs[i]) {
      let ok = false;
      try {
        const hasher = new Hasher(api.heap, ptrs[i], sizes[i], false);
        await fill(i, cache.read(s.ref), sizes[i], false, hasher);
        ok = (await hasher.finish()) === recs[i].sha256;
      } catch (e) {
        if (e instanceof GemwasmError && e.code === 'aborted') throw e;
      }
      if (ok) { prog[i].done = true; emit(true); return; }
      await cache.delete(s.ref).catch(() => {}); // corrupt or unreadable: never used again
      prog[i].source = 'network';
      prog[i].loaded = 0;
      recs[i] = null;
    }
    if (s.kind === 'url') {
      const res = await fetchOk(s.ref, {}, signal);
      const lenH = res.headers.get('content-length');
      const len = lenH !== null && !res.headers.get('content-encoding') ? Number(lenH) : -1;
      if (len < 0) throw new GemwasmError('network', `${s.ref}: the server did not send the split's size (Content-Length)`, { url: s.ref });
      if (len !== sizes[i] || !ptrs[i]) { sizes[i] = len; ptrs[i] = api.alloc(i, len); prog[i].total = len; }
      const hasher = cache ? new Hasher(api.heap, ptrs[i], sizes[i], !isNode && typeof Blob === 'function') : null;
      await fill(i, streamChunks(res.body, s.ref, signal), sizes[i], true, hasher);
      if (cache) {
        const sha = await hasher.finish();
        try {
          await cache.put(s.ref, { model: modelKey, index: i, count: n, size: sizes[i], sha256: sha },
            hasher.blobs || pieces(api.heap, ptrs[i], sizes[i]));
        } catch (e) {
          if (e instanceof GemwasmError) throw e; // quota: the page should say so
          console.warn(`gemwasm: could not cache ${s.ref}: ${e && e.message ? e.message : e}`); // still loads
        }
      }
    } else {
      await fill(i, streamOf(s, signal), sizes[i], true);
    }
    prog[i].done = true;
    emit(true);
  };

  let next = 0, failed = null;
  const workers = Array.from({ length: Math.min(Math.max(1, concurrency), n) }, async () => {
    while (next < n && !failed) {
      const i = next++;
      try { await loadOne(i); } catch (e) { failed = failed || e; }
    }
  });
  await Promise.all(workers);
  if (failed) throw failed;
  return srcs.map((s, i) => ({ name: s.name, size: sizes[i], source: prog[i].source }));
}
