// cache-node.js — the split cache in Node: a directory (~/.cache/gemwasm by
// default, $GEMWASM_CACHE_DIR or the cacheDir option) holding each split as
// <sha256(url)>.gguf with a <sha256(url)>.json record {url, model, size,
// sha256, storedAt}. Both are written to a temporary name and renamed when
// complete (the data first, the record last), so a half-written split never
// passes for whole; a split is used only when its record exists and its
// content hash matches (checked by the loader after reading it).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { GemwasmError } from './errors.js';

export function defaultCacheDir() {
  return process.env.GEMWASM_CACHE_DIR || path.join(os.homedir(), '.cache', 'gemwasm');
}

const keyOf = (url) => createHash('sha256').update(String(url)).digest('hex');

export class NodeCache {
  constructor(dir) { this.dir = dir || defaultCacheDir(); }

  _paths(url) {
    const k = keyOf(url);
    return { data: path.join(this.dir, `${k}.gguf`), meta: path.join(this.dir, `${k}.json`) };
  }

  // The record of a cached split whose file has the recorded size, or null.
  async get(url) {
    const p = this._paths(url);
    try {
      const rec = JSON.parse(await fsp.readFile(p.meta, 'utf8'));
      const st = await fsp.stat(p.data);
      if (rec.url !== String(url) || st.size !== rec.size) return null;
      return rec;
    } catch { return null; }
  }

  // Async iterable of the split's bytes.
  async *read(url) {
    const s = fs.createReadStream(this._paths(url).data, { highWaterMark: 1 << 20 });
    for await (const chunk of s) yield chunk;
  }

  // Store a split: parts is an iterable of Uint8Array (written in order).
  async put(url, rec, parts) {
    await fsp.mkdir(this.dir, { recursive: true });
    const p = this._paths(url);
    const tmp = `${p.data}.tmp-${process.pid}-${Date.now()}`;
    const fh = await fsp.open(tmp, 'w');
    try {
      for (const part of parts) await fh.write(part);
      await fh.sync();
    } catch (e) {
      await fh.close().catch(() => {});
      await fsp.rm(tmp, { force: true });
      if (e && e.code === 'ENOSPC') throw new GemwasmError('quota', `no space left in the cache directory ${this.dir}`, { url });
      throw e;
    }
    await fh.close();
    // Drop any old record before the data it describes changes.
    await fsp.rm(p.meta, { force: true });
    await fsp.rename(tmp, p.data);
    const full = { ...rec, url: String(url), storedAt: Date.now() };
    const mtmp = `${p.meta}.tmp-${process.pid}`;
    await fsp.writeFile(mtmp, JSON.stringify(full));
    await fsp.rename(mtmp, p.meta);
  }

  async delete(url) {
    const p = this._paths(url);
    let had = false;
    try { await fsp.stat(p.meta); had = true; } catch {}
    try { await fsp.stat(p.data); had = true; } catch {}
    await fsp.rm(p.meta, { force: true });
    await fsp.rm(p.data, { force: true });
    return had;
  }

  async records() {
    let names;
    try { names = await fsp.readdir(this.dir); } catch { return []; }
    const out = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      try { out.push(JSON.parse(await fsp.readFile(path.join(this.dir, n), 'utf8'))); } catch {}
    }
    return out;
  }

  async persist() { return true; }
  async ensureSpace() {}
}
