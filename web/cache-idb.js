// cache-idb.js — the split cache in the browser: IndexedDB database
// "gemwasm", store "splits", one record per split keyed by its URL:
// {url, model, size, sha256, storedAt, blob}. The bytes are a Blob, so the
// browser keeps them on disk and reading streams them (blob.stream()) into
// wasm memory without a copy of the whole split in JS. A record is written
// in one transaction only after the split was downloaded and hashed, so a
// half-written split never passes for whole; the loader re-hashes what it
// reads and drops a record that does not match.
import { GemwasmError } from './errors.js';

const DB = 'gemwasm', STORE = 'splits';

function req2promise(r) {
  return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
}

function quotaError(e, url) {
  const why = e && (e.message || e.name) ? ` (${e.name}${e.message ? `: ${e.message}` : ''})` : '';
  return new GemwasmError('quota', `the browser's storage quota is too small to cache ${url || 'the model'}: the write was refused${why}`, { url, cause: e });
}

export class IdbCache {
  constructor() { this._db = null; }

  async db() {
    if (this._db) return this._db;
    if (typeof indexedDB === 'undefined') throw new GemwasmError('unsupported', 'IndexedDB is not available here');
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => { r.result.createObjectStore(STORE, { keyPath: 'url' }); };
    this._db = await req2promise(r);
    return this._db;
  }

  async _tx(mode, fn) {
    const db = await this.db();
    const tx = db.transaction(STORE, mode);
    const res = await fn(tx.objectStore(STORE));
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
    });
    return res;
  }

  async get(url) {
    const rec = await this._tx('readonly', (s) => req2promise(s.get(String(url))));
    if (!rec || !rec.blob || rec.blob.size !== rec.size) return null;
    return rec;
  }

  async *read(url) {
    const rec = await this.get(url);
    if (!rec) throw new GemwasmError('integrity', `${url}: no longer in the cache`, { url });
    const stream = rec.blob.stream();
    let reader, byob = false;
    try { reader = stream.getReader({ mode: 'byob' }); byob = true; } catch { reader = stream.getReader(); }
    let buf = byob ? new ArrayBuffer(1 << 20) : null;
    try {
      for (;;) {
        const { done, value } = byob ? await reader.read(new Uint8Array(buf)) : await reader.read();
        if (done) return;
        yield value; // valid until the next chunk is asked for
        if (byob) buf = value.buffer;
      }
    } finally { reader.releaseLock(); }
  }

  async put(url, rec, parts) {
    // parts: Blobs, or byte views (Blob() copies each at once: they may be views of one reused buffer)
    const blobs = [];
    for (const part of parts) blobs.push(part instanceof Blob ? part : new Blob([part]));
    const blob = new Blob(blobs, { type: 'application/octet-stream' });
    try {
      await this._tx('readwrite', (s) => req2promise(s.put({ ...rec, url: String(url), storedAt: Date.now(), blob })));
    } catch (e) {
      if (e && (e.name === 'QuotaExceededError' || /quota/i.test(e.message))) throw quotaError(e, url);
      throw e;
    }
  }

  async delete(url) {
    return this._tx('readwrite', async (s) => {
      const had = await req2promise(s.count(String(url)));
      s.delete(String(url));
      return had > 0;
    });
  }

  async records() {
    const all = await this._tx('readonly', (s) => req2promise(s.getAll()));
    return all.map(({ blob, ...r }) => r);
  }

  // Fails with a 'quota' error when fewer than bytes are free.
  async ensureSpace(bytes) {
    if (!bytes || typeof navigator === 'undefined' || !navigator.storage || !navigator.storage.estimate) return;
    const { quota, usage } = await navigator.storage.estimate();
    if (quota !== undefined && usage !== undefined && quota - usage < bytes)
      throw new GemwasmError('quota', `the browser's storage quota is too small for the model: ${bytes} bytes needed, ${quota - usage} free (quota ${quota})`);
  }
}
