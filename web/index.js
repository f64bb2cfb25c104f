// index.js — the gemwasm package's main-thread API (see index.d.ts and
// docs/js-api.md). Everything heavy happens in a worker (worker.js): this
// file only picks the build variant, sends requests and turns the worker's
// token messages into async iterators.
import { GemwasmError, deserializeError } from './errors.js';
import { pickVariant } from './variant.js';

export { GemwasmError } from './errors.js';

const isNode = typeof process === 'object' && !!(process.versions && process.versions.node);
const DIST = new URL('./dist/', import.meta.url);

function defaultThreads() {
  let n = 4;
  if (isNode) n = globalThis.navigator && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 4;
  else if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) n = navigator.hardwareConcurrency;
  return Math.max(1, Math.min(8, n));
}

async function spawnWorker() {
  const url = new URL('./worker.js', import.meta.url);
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(url);
    return {
      post: (m) => w.postMessage(m),
      on: (fn) => w.on('message', fn),
      onError: (fn) => { w.on('error', fn); w.on('exit', (c) => fn(new Error(`worker exited (${c})`))); },
      terminate: () => w.terminate(),
      unref: () => w.unref(),
    };
  }
  const w = new Worker(url, { type: 'module', name: 'gemwasm' });
  return {
    post: (m) => w.postMessage(m),
    on: (fn) => w.addEventListener('message', (e) => fn(e.data)),
    onError: (fn) => w.addEventListener('error', (e) => fn(new Error(e.message || 'worker error'))),
    terminate: () => w.terminate(),
    unref: () => {},
  };
}

// A request/response channel over the worker, with per-request listeners.
class Channel {
  constructor(w) {
    this.w = w;
    this.next = 1;
    this.pending = new Map();
    this.dead = null;
    w.on((m) => { const p = this.pending.get(m.id); if (p) p(m); });
    w.onError((e) => {
      if (this.dead) return;
      this.dead = new GemwasmError(/memory/i.test(e.message) ? 'oom' : 'internal', `the gemwasm worker stopped: ${e.message}`);
      for (const p of this.pending.values()) p({ type: 'error', error: { code: this.dead.code, message: this.dead.message } });
    });
  }
  // Sends {type, ...}; onMsg gets every message for it. Returns the id.
  send(msg, onMsg) {
    if (this.dead) throw this.dead;
    const id = this.next++;
    this.pending.set(id, onMsg);
    this.w.post({ ...msg, id });
    return id;
  }
  done(id) { this.pending.delete(id); }
  call(msg, onProgress) {
    return new Promise((resolve, reject) => {
      let id;
      try {
        id = this.send(msg, (m) => {
          if (m.type === 'progress') { if (onProgress) onProgress(m.progress); return; }
          this.done(id);
          if (m.type === 'error') reject(deserializeError(m.error));
          else resolve(m.value);
        });
      } catch (e) { reject(e); }
    });
  }
}

// The async-iterable stream of pieces of one generate/chat request.
function pieceStream(ch, msg, signal, onFinish) {
  const buf = [];
  let wake = null, finished = null, failure = null, id = 0, started = false;
  let resolveDone, rejectDone;
  const done = new Promise((res, rej) => { resolveDone = res; rejectDone = rej; });
  done.catch(() => {});
  const poke = () => { if (wake) { const w = wake; wake = null; w(); } };
  const abort = () => {
    if (id) ch.w.post({ type: 'abort', target: id });
    if (!finished && !failure) failure = new GemwasmError('aborted', 'generation aborted');
    poke();
  };
  const start = () => {
    if (started) return;
    started = true;
    if (signal && signal.aborted) { failure = new GemwasmError('aborted', 'generation aborted'); rejectDone(failure); return; }
    if (signal) signal.addEventListener('abort', abort, { once: true });
    try {
      id = ch.send(msg, (m) => {
        if (m.type === 'token') buf.push({ text: m.text, tokenId: m.tokenId });
        else if (m.type === 'result') {
          ch.done(id);
          finished = m.value;
          if (onFinish) onFinish(m.value);
          const d = { finishReason: failure && failure.code === 'aborted' ? 'abort' : m.value.finishReason,
                      promptTokens: m.value.promptTokens, completionTokens: m.value.completionTokens };
          if (m.value.tokensAfterAbort !== undefined) d.tokensAfterAbort = m.value.tokensAfterAbort;
          resolveDone(d);
        } else if (m.type === 'error') {
          ch.done(id);
          const e = deserializeError(m.error);
          if (!failure) failure = e;
          rejectDone(e);
        }
        poke();
      });
    } catch (e) { failure = e; rejectDone(e); }
  };
  return {
    done,
    [Symbol.asyncIterator]() {
      start();
      return {
        async next() {
          for (;;) {
            if (failure) {
              if (signal) signal.removeEventListener('abort', abort);
              const f = failure;
              failure = { done: true };
              if (f.done) return { done: true, value: undefined };
              throw f;
            }
            if (buf.length) return { done: false, value: buf.shift() };
            if (finished) { if (signal) signal.removeEventListener('abort', abort); return { done: true, value: undefined }; }
            await new Promise((r) => { wake = r; });
          }
        },
        async return() {
          if (!finished && id) { ch.w.post({ type: 'abort', target: id }); }
          if (signal) signal.removeEventListener('abort', abort);
          finished = finished || { finishReason: 'abort' };
          return { done: true, value: undefined };
        },
      };
    },
  };
}

function samplingFromOpenAI(req) {
  const stop = req.stop === undefined ? undefined : Array.isArray(req.stop) ? req.stop : [req.stop];
  const o = { maxTokens: req.max_completion_tokens ?? req.max_tokens, temperature: req.temperature, topP: req.top_p,
    topK: req.top_k, minP: req.min_p, repetitionPenalty: req.repetition_penalty, frequencyPenalty: req.frequency_penalty,
    presencePenalty: req.presence_penalty, seed: req.seed, stop };
  for (const k of Object.keys(o)) if (o[k] === undefined || o[k] === null) delete o[k];
  return o;
}

export async function createEngine(opts = {}) {
  if (!opts || opts.model === undefined || opts.model === null) throw new GemwasmError('invalid', 'createEngine: opts.model is required');
  const variant = pickVariant(opts.variant || 'auto');
  if (variant === 'mt' && !isNode && typeof SharedArrayBuffer !== 'function')
    throw new GemwasmError('unsupported', 'the threaded build needs SharedArrayBuffer (a cross-origin isolated page)');
  const cache = opts.cache !== false;
  if (cache && !isNode && opts.persist !== false && typeof navigator !== 'undefined' && navigator.storage && navigator.storage.persist) {
    try { await navigator.storage.persist(); } catch {}
  }
  const w = await spawnWorker();
  const ch = new Channel(w);
  let model = opts.model;
  if (model instanceof URL) model = model.href;
  if (Array.isArray(model)) model = model.map((m) => (m instanceof URL ? m.href : m));
  const wasmBaseUrl = String(opts.wasmBaseUrl ? new URL(opts.wasmBaseUrl, isNode ? undefined : location.href) : DIST);
  const loadMsg = {
    type: 'load',
    opts: { model, variant, threads: opts.threads || defaultThreads(), cache, cacheDir: opts.cacheDir,
            contextLength: opts.contextLength || 0, concurrency: opts.concurrency || 3, wasmBaseUrl },
  };
  let loaded;
  // An abort asks the worker to stop (it leaves the cache with whole splits
  // only); should it not answer within 3 s, the worker is terminated.
  let abortTimer = null, forceAbort = null;
  const forced = new Promise((_, reject) => { forceAbort = reject; });
  forced.catch(() => {});
  const onAbort = () => {
    ch.w.post({ type: 'abort', target: 1 });
    abortTimer = setTimeout(() => forceAbort(new GemwasmError('aborted', 'the model load was aborted')), 3000);
  };
  if (opts.signal) {
    if (opts.signal.aborted) { w.terminate(); throw new GemwasmError('aborted', 'the model load was aborted'); }
    opts.signal.addEventListener('abort', onAbort, { once: true });
  }
  try {
    loaded = await Promise.race([ch.call(loadMsg, opts.onProgress), forced]);
  } catch (e) {
    w.terminate();
    throw e;
  } finally {
    clearTimeout(abortTimer);
    if (opts.signal) opts.signal.removeEventListener('abort', onAbort);
  }
  let lastStats = null;
  let unloaded = false;
  const guard = () => { if (unloaded) throw new GemwasmError('unloaded', 'the engine was unloaded'); };
  const statsBase = { variant: loaded.variant, threads: loaded.threads, arch: loaded.info.arch, nVocab: loaded.info.nVocab,
    contextLength: loaded.info.contextLength, tokens: 0, promptTokens: 0, completionTokens: 0, prefillTokensPerSec: 0,
    decodeTokensPerSec: 0, loadMs: 0, memory: { wasmHeap: 0, weights: loaded.info.weightBytes, state: 0 } };
  const refreshStats = () => ch.call({ type: 'stats' }).then((s) => { if (s) lastStats = s; }).catch(() => {});
  await refreshStats();

  const stream = (msg, signal) => {
    guard();
    return pieceStream(ch, msg, signal, (v) => { if (v && v.stats) lastStats = v.stats; });
  };

  const chat = (messages, o = {}) => {
    const { signal, ...rest } = o;
    if (!Array.isArray(messages)) throw new GemwasmError('invalid', 'chat: messages must be an array');
    return stream({ type: 'chat', messages: messages.map((m) => ({ role: m.role, content: String(m.content) })), opts: rest }, signal);
  };

  chat.completions = {
    async create(req) {
      guard();
      const id = `chatcmpl-${Math.random().toString(36).slice(2, 12)}`;
      const created = Math.floor(Date.now() / 1000);
      const modelName = req.model || String(Array.isArray(opts.model) ? opts.model[0] : opts.model);
      const s = chat(req.messages, { ...samplingFromOpenAI(req), signal: req.signal });
      const usage = (d) => ({ prompt_tokens: d.promptTokens, completion_tokens: d.completionTokens, total_tokens: d.promptTokens + d.completionTokens });
      if (req.stream) {
        return (async function* () {
          yield { id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] };
          for await (const p of s) {
            if (p.text) yield { id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta: { content: p.text }, finish_reason: null }] };
          }
          const d = await s.done;
          yield { id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta: {}, finish_reason: d.finishReason }], usage: usage(d) };
        })();
      }
      let text = '';
      for await (const p of s) text += p.text;
      const d = await s.done;
      return { id, object: 'chat.completion', created, model: modelName,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: d.finishReason }], usage: usage(d) };
    },
  };

  const engine = {
    info: loaded.info,
    splits: loaded.splits,
    generate(prompt, o = {}) {
      const { signal, ...rest } = o;
      return stream({ type: 'generate', prompt: prompt === undefined || prompt === null ? '' : String(prompt), opts: rest }, signal);
    },
    chat,
    async tokenize(text, o = {}) { guard(); return ch.call({ type: 'tokenize', text: String(text), addBos: o.addBos !== false }); },
    async detokenize(ids) { guard(); return ch.call({ type: 'detokenize', ids: Array.from(ids, (x) => x | 0) }); },
    stats() { return { ...statsBase, ...(lastStats || {}) }; },
    async refreshStats() { await refreshStats(); return engine.stats(); },
    async resetChat() { guard(); await ch.call({ type: 'reset' }); },
    async unload() {
      if (unloaded) return;
      unloaded = true;
      try { await ch.call({ type: 'unload' }); } catch {}
      w.terminate();
    },
  };
  return engine;
}

// ---- the cache, from the main thread ---------------------------------------------------------
async function openCache(o = {}) {
  if (isNode) { const { NodeCache } = await import('./cache-node.js'); return new NodeCache(o.cacheDir); }
  const { IdbCache } = await import('./cache-idb.js');
  return new IdbCache();
}

export async function listCachedModels(o = {}) {
  const c = await openCache(o);
  const recs = await c.records();
  const models = new Map();
  for (const r of recs) {
    const key = r.model || r.url;
    if (!models.has(key)) models.set(key, { url: key, splits: [], size: 0, storedAt: 0 });
    const m = models.get(key);
    m.splits.push({ url: r.url, size: r.size, sha256: r.sha256 });
    m.size += r.size;
    m.storedAt = Math.max(m.storedAt, r.storedAt || 0);
  }
  for (const m of models.values()) m.splits.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  return [...models.values()];
}

export async function deleteCachedModel(url, o = {}) {
  const c = await openCache(o);
  const u = String(url);
  const recs = await c.records();
  const target = recs.find((r) => r.url === u);
  const key = target ? target.model || target.url : u;
  let any = false;
  for (const r of recs) if ((r.model || r.url) === key || r.url === u) any = (await c.delete(r.url)) || any;
  return any;
}

export async function detectVariant() { return pickVariant('auto'); }
