// worker.js — the worker side of the package (a module Worker in the
// browser, a worker_threads Worker in Node). It owns the wasm module: loads
// the model's splits into wasm memory (loader.js), builds the model
// (wasm/api.c), and runs the token loop, posting each token to the main
// thread as it is sampled. It yields to its event loop after every token, so
// an abort request stops generation within one token.
//
// Protocol (main -> worker): {id, type, ...}: load, generate, chat, abort,
// tokenize, detokenize, reset, stats, unload. Worker -> main: {id, type:
// 'progress'|'token'|'done'|'result'|'error', ...}.
import { GemwasmError, fromC, serializeError } from './errors.js';
import { loadSplits, resolveSources } from './loader.js';

const isNode = typeof process === 'object' && !!(process.versions && process.versions.node);

// ---- transport ----------------------------------------------------------------
let post, nodePort = null;
if (isNode) {
  const wt = await import('node:worker_threads');
  nodePort = wt.parentPort;
  post = (m) => nodePort.postMessage(m);
  nodePort.on('message', (m) => onMessage(m));
} else {
  post = (m) => self.postMessage(m);
  self.onmessage = (e) => onMessage(e.data);
}

const yieldNow = isNode
  ? () => new Promise((r) => setImmediate(r))
  : (() => {
      const ch = new MessageChannel();
      const waiting = [];
      ch.port1.onmessage = () => { const r = waiting.shift(); if (r) r(); };
      return () => new Promise((r) => { waiting.push(r); ch.port2.postMessage(0); });
    })();

// ---- state ------------------------------------------------------------------------
let mod = null;       // the Emscripten module
let h = 0;            // gwapi handle
let info = null;
let variant = null, threads = 1, loadMs = 0;
const aborted = new Set(); // ids of requests to stop
const abortSeenAt = new Map(); // id -> tokens generated when its abort arrived
let running = 0; // id of the generation under way
let queue = Promise.resolve();
let last = { promptTokens: 0, completionTokens: 0, prefillTokensPerSec: 0, decodeTokensPerSec: 0, reusedTokens: 0 };

function heap() {
  const mem = mod.wasmMemory;
  if (mem && mod.HEAPU8.buffer !== mem.buffer) return new Uint8Array(mem.buffer);
  return mod.HEAPU8;
}
function heapI32() { return new Int32Array(heap().buffer); }
function heapF32() { return new Float32Array(heap().buffer); }
function cstr(p) {
  const b = heap();
  let e = p;
  while (b[e]) e++;
  return new TextDecoder().decode(b.slice(p, e));
}
function check(rc) { if (rc) throw fromC(rc, cstr(mod._gwapi_errmsg(h))); }

// Copy a JS string into wasm memory (malloc'd, NUL-terminated); returns [ptr, nbytes].
function toC(str) {
  const bytes = new TextEncoder().encode(str);
  const p = mod._malloc(bytes.length + 1);
  if (!p) throw new GemwasmError('oom', 'out of memory');
  heap().set(bytes, p);
  heap()[p + bytes.length] = 0;
  return [p, bytes.length];
}

// ---- loading ------------------------------------------------------------------------
async function loadModule(v, base) {
  const url = new URL(`gemwasm-${v}.mjs`, base);
  let locateFile = (p) => new URL(p, base).href;
  if (isNode) {
    const { createRequire } = await import('node:module');
    const { fileURLToPath } = await import('node:url');
    const os = await import('node:os');
    // The Emscripten ES6 output expects CommonJS globals under Node.
    globalThis.require = createRequire(url);
    globalThis.__dirname = fileURLToPath(new URL('.', url));
    if (!globalThis.navigator) globalThis.navigator = {};
    if (!globalThis.navigator.hardwareConcurrency) {
      // PTHREAD_POOL_SIZE is navigator.hardwareConcurrency: enough workers for our threads
      const n = Math.max(os.cpus().length, threads);
      try { Object.defineProperty(globalThis.navigator, 'hardwareConcurrency', { value: n, configurable: true }); } catch {}
    }
    locateFile = (p) => fileURLToPath(new URL(p, base));
  }
  const { default: factory } = await import(url.href);
  return factory({ locateFile, print: (s) => console.log(s), printErr: (s) => console.error(s) });
}

async function load(id, o) {
  const t0 = Date.now();
  variant = o.variant;
  threads = variant === 'mt' ? Math.max(1, o.threads | 0) : 1;
  // the pthread pool is created up front with hardwareConcurrency workers: never ask for more
  if (!isNode && typeof navigator !== 'undefined' && navigator.hardwareConcurrency)
    threads = Math.min(threads, navigator.hardwareConcurrency);
  try {
    mod = await loadModule(variant, o.wasmBaseUrl);
  } catch (e) {
    throw new GemwasmError('unsupported', `cannot start the ${variant} wasm build: ${e && e.message ? e.message : e}`);
  }
  h = mod._gwapi_new();
  if (!h) throw new GemwasmError('oom', 'out of memory');
  let cache = null;
  if (o.cache) {
    if (isNode) { const { NodeCache } = await import('./cache-node.js'); cache = new NodeCache(o.cacheDir); }
    else if (typeof indexedDB !== 'undefined') { const { IdbCache } = await import('./cache-idb.js'); cache = new IdbCache(); }
  }
  const srcs = resolveSources(o.model);
  const ac = new AbortController();
  abortHooks.set(id, () => ac.abort());
  if (aborted.has(id)) ac.abort(); // the abort came while the module was starting
  const api = {
    alloc: (i, size) => {
      if (size > 0xffffffff) throw new GemwasmError('oom', `split ${i + 1} (${size} bytes) does not fit in wasm memory`);
      const p = mod._gwapi_split_alloc(h, i, size >>> 0);
      if (!p) throw new GemwasmError('oom', cstr(mod._gwapi_errmsg(h)));
      return p >>> 0;
    },
    heap,
  };
  let lastProg = null;
  const splits = await loadSplits(api, srcs, {
    cache, concurrency: o.concurrency || 3, signal: ac.signal, modelKey: srcs[0].name,
    onProgress: (p) => { lastProg = p; post({ id, type: 'progress', progress: p }); },
  });
  abortHooks.delete(id);
  if (lastProg) post({ id, type: 'progress', progress: { ...lastProg, phase: 'build' } });
  const names = srcs.map((s) => s.name).join('\0') + '\0';
  const [np] = toC(names);
  let rc;
  try { rc = mod._gwapi_build(h, np, o.contextLength | 0, threads); } finally { mod._free(np); }
  check(rc);
  const a = mod._gwapi_info(h) >>> 2;
  const I = heapI32();
  info = {
    arch: cstr(mod._gwapi_arch_name(h)), nVocab: I[a + 1], nEmbd: I[a + 2], nLayer: I[a + 3], nHead: I[a + 4],
    nHeadKv: I[a + 5], headDim: I[a + 6], contextLength: I[a + 15], weightBytes: I[a + 10] + I[a + 11] * 2147483648,
    bosId: I[a + 12], eosId: I[a + 13], eotId: I[a + 14],
    hasTokenizer: mod._gwapi_has_tokenizer(h) === 1,
    hasChatTemplate: false,
  };
  info.hasChatTemplate = info.hasTokenizer;
  loadMs = Date.now() - t0;
  if (lastProg) post({ id, type: 'progress', progress: { ...lastProg, phase: 'ready' } });
  return { info, variant, threads, splits };
}
const abortHooks = new Map();

// ---- text ----------------------------------------------------------------------------
function needTokenizer() {
  if (!info.hasTokenizer)
    throw new GemwasmError('unsupported', 'this model has no tokenizer (tokenizer.ggml.*): give prompts as token ids (promptIds)');
}

function tokenize(text, addBos) {
  needTokenizer();
  const [p, n] = toC(text);
  try {
    const cnt = mod._gwapi_tokenize(h, p, n, addBos ? 1 : 0);
    if (cnt < 0) check(-cnt);
    const q = mod._gwapi_io(h, 0) >>> 2;
    return Array.from(heapI32().subarray(q, q + cnt));
  } finally { mod._free(p); }
}

function detokenize(ids) {
  needTokenizer();
  writeIds(ids);
  const p = mod._gwapi_detokenize(h, ids.length);
  if (!p) check(4);
  return cstr(p);
}

function writeIds(ids) {
  const q = mod._gwapi_io(h, Math.max(1, ids.length));
  if (!q) throw new GemwasmError('oom', 'out of memory');
  heapI32().set(ids, q >>> 2);
  return q;
}

// ---- the token loop ----------------------------------------------------------------------
// NUL-separated strings in wasm memory (malloc'd): [ptr, count].
function strList(list) {
  const [p] = toC(list.map((x) => x + '\0').join(''));
  return p;
}

function chatPrompt(messages) {
  const p = strList(messages.flatMap((m) => [String(m.role), String(m.content)]));
  try {
    const r = mod._gwapi_chat_format(h, p, messages.length);
    if (!r) check(mod._gwapi_errcode(h) || 2);
    return cstr(r);
  } finally { mod._free(p); }
}

async function generate(id, req) {
  const o = { maxTokens: 256, temperature: 0.7, topK: 64, topP: 0.95, minP: 0, repetitionPenalty: 1,
    frequencyPenalty: 0, presencePenalty: 0, stopAtEos: true, ...req.opts };
  let ids;
  if (req.type === 'chat') {
    needTokenizer();
    ids = tokenize(chatPrompt(req.messages), false);
  } else if (Array.isArray(o.promptIds)) {
    ids = o.promptIds.map((x) => x | 0);
  } else {
    ids = tokenize(String(req.prompt), o.addBos !== false);
  }
  if (ids.length === 0) throw new GemwasmError('invalid', 'empty prompt');
  const seed = o.seed !== undefined ? Number(o.seed) : Math.floor(Math.random() * 2 ** 32);
  check(mod._gwapi_sampler_set(h, Math.max(0, Number(o.temperature) || 0), o.topK | 0, o.topP ?? 1, o.minP ?? 0,
    o.repetitionPenalty ?? 1, o.frequencyPenalty ?? 0, o.presencePenalty ?? 0, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0));
  const stops = (o.stop || []).map(String).filter((x) => x.length > 0);
  const sp = strList(stops);
  try { check(mod._gwapi_text_begin(h, sp, stops.length)); } finally { mod._free(sp); }

  writeIds(ids);
  const t0 = performance.now();
  const rp = mod._malloc(4);
  let reused = 0;
  try {
    check(mod._gwapi_prompt(h, ids.length, req.type === 'chat' ? 1 : 0, rp));
    reused = heapI32()[rp >>> 2];
  } finally { mod._free(rp); }
  mod._gwapi_sampler_accept(h, ids.length);
  const t1 = performance.now();
  last = {
    promptTokens: ids.length, reusedTokens: reused, completionTokens: 0,
    prefillTokensPerSec: (ids.length - reused) / Math.max(1e-3, (t1 - t0) / 1000), decodeTokensPerSec: 0,
  };
  const useText = info.hasTokenizer;
  let reason = 'length';
  const tDec = performance.now();
  let nDec = 0;
  for (let i = 0; i < o.maxTokens; i++) {
    if (aborted.has(id)) { reason = 'abort'; break; }
    const tok = mod._gwapi_sample(h);
    if (tok < 0) check(-tok);
    if (o.stopAtEos !== false && (tok === info.eosId || tok === info.eotId)) { reason = 'stop'; break; }
    last.completionTokens++;
    let text = '';
    if (useText) {
      const tp = mod._gwapi_text_push(h, tok);
      if (!tp) check(mod._gwapi_errcode(h) || 2);
      text = cstr(tp);
    }
    post({ id, type: 'token', text, tokenId: tok });
    if (useText && mod._gwapi_text_stopped(h)) { reason = 'stop'; break; }
    if (i + 1 >= o.maxTokens) break;
    check(mod._gwapi_accept(h, tok));
    nDec++;
    last.decodeTokensPerSec = nDec / Math.max(1e-3, (performance.now() - tDec) / 1000);
    await yieldNow();
  }
  if (useText && reason !== 'abort') {
    const rest = cstr(mod._gwapi_text_end(h));
    if (rest) post({ id, type: 'token', text: rest, tokenId: -1 });
  }
  if (aborted.has(id)) reason = 'abort';
  const res = { finishReason: reason, promptTokens: ids.length, completionTokens: last.completionTokens };
  if (abortSeenAt.has(id)) res.tokensAfterAbort = last.completionTokens - abortSeenAt.get(id);
  return res;
}

function stats() {
  return {
    variant, threads, arch: info ? info.arch : '', nVocab: info ? info.nVocab : 0,
    contextLength: info ? info.contextLength : 0, tokens: h && mod ? mod._gwapi_n_hist(h) : 0,
    promptTokens: last.promptTokens, reusedTokens: last.reusedTokens, completionTokens: last.completionTokens,
    prefillTokensPerSec: last.prefillTokensPerSec, decodeTokensPerSec: last.decodeTokensPerSec, loadMs,
    memory: { wasmHeap: mod ? heap().byteLength : 0, weights: info ? info.weightBytes : 0, state: h && mod ? mod._gwapi_state_bytes(h) >>> 0 : 0 },
  };
}

// ---- dispatch ------------------------------------------------------------------------------
function onMessage(m) {
  if (m.type === 'abort') {
    aborted.add(m.target);
    if (running === m.target && !abortSeenAt.has(m.target)) abortSeenAt.set(m.target, last.completionTokens);
    const hook = abortHooks.get(m.target);
    if (hook) hook();
    return;
  }
  if (m.type === 'stats') { post({ id: m.id, type: 'result', value: mod ? stats() : null }); return; }
  // everything else runs one at a time, in order
  queue = queue.then(() => handle(m));
}

async function handle(m) {
  const { id } = m;
  try {
    let value;
    switch (m.type) {
      case 'load': value = await load(id, m.opts); break;
      case 'generate': case 'chat':
        if (aborted.has(id)) { value = { finishReason: 'abort', promptTokens: 0, completionTokens: 0 }; break; }
        running = id;
        try { value = await generate(id, m); } finally { running = 0; abortSeenAt.delete(id); }
        value.stats = stats();
        break;
      case 'tokenize': value = tokenize(m.text, m.addBos !== false); break;
      case 'detokenize': value = detokenize(m.ids); break;
      case 'reset': if (h) mod._gwapi_reset(h); value = true; break;
      case 'unload':
        if (h) mod._gwapi_free(h);
        h = 0; info = null;
        post({ id, type: 'result', value: true });
        setTimeout(() => { if (isNode) process.exit(0); else self.close(); }, 0);
        return;
      default: throw new GemwasmError('invalid', `unknown request ${m.type}`);
    }
    post({ id, type: 'result', value });
  } catch (e) {
    post({ id, type: 'error', error: serializeError(e) });
  } finally {
    aborted.delete(id);
  }
}
