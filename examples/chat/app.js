// app.js — the chat demo's logic, on the gemwasm JS API (web/index.js):
// picking and loading a model (built-in list, URL, local file) with progress,
// a streaming chat with Stop, sampling settings, stats, the cache manager,
// readable errors, and the service worker that makes the page work offline.
// No framework: plain DOM. The page's state is mirrored in <body data-state>
// (starting | empty | loading | ready | generating) for people and tests.

import { renderMarkdown } from './markdown.js';

const $ = (id) => document.getElementById(id);
const MANIFEST_URL = new URL('../../models/default/manifest.json', import.meta.url);
const PACKAGE_URL = new URL('../../web/index.js', import.meta.url);
const SETTINGS_KEY = 'gemwasm-chat-settings';
const MODEL_KEY = 'gemwasm-chat-model';

let gw = null;           // the gemwasm module (web/index.js)
let engine = null;       // the loaded engine
let current = null;      // { label, key } of the loaded model
let loadCtl = null;      // AbortController of the load in progress
let genCtl = null;       // AbortController of the reply in progress
let history = [];        // [{ role: 'user' | 'assistant', content }]
let builtins = [];       // manifest entries: { id, name, description, urls, default, mode }
const WELCOME = document.getElementById('welcome').cloneNode(true); // shown while the chat is empty

// ---------------------------------------------------------------- helpers

function setState(s) { document.body.dataset.state = s; updateButtons(); }
function state() { return document.body.dataset.state; }

function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '?';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
  return `${n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ${units[i]}`;
}

function fileName(url) {
  try {
    const u = new URL(url, location.href);
    return decodeURIComponent(u.pathname.split('/').pop() || u.host);
  } catch { return String(url); }
}

function updateButtons() {
  const s = state();
  $('send').disabled = s !== 'ready';
  $('send').hidden = s === 'generating';
  $('stop').hidden = s !== 'generating';
  $('clear').disabled = !engine || s === 'loading';
  $('model-select').disabled = s === 'loading';
}

// ---------------------------------------------------------------- errors

// A readable sentence for each error the package can reject with.
function describeError(e, what) {
  const code = e && e.code;
  const where = e && e.url && !String(what).includes(fileName(e.url)) ? ` (${fileName(e.url)})` : '';
  const detail = e && e.message ? e.message : String(e);
  switch (code) {
    case 'network': return `The network failed while ${what}${where}. Check the connection and try again: the splits already downloaded stay in the cache.`;
    case 'http': return `The server answered HTTP ${e.status ?? '?'} for ${e.url ? fileName(e.url) : 'the model'}: check the URL.`;
    case 'not_gguf': return `That is not a GGUF model file${where}. gemwasm loads .gguf files (Gemma 1/2/3, RecurrentGemma).`;
    case 'format': return `The model file is damaged or its splits do not belong together${where}: ${detail}`;
    case 'unsupported':
      if (/wasm build|dynamically imported module|dist\//i.test(detail))
        return `The WebAssembly build could not be started: ${detail}. Is web/dist/ built? (scripts/setup builds it.)`;
      return `gemwasm cannot run this model${where}: ${detail}`;
    case 'oom': return 'Out of memory: the model does not fit in this tab (WebAssembly is limited to 4 GB). Try a smaller or more quantized model.';
    case 'quota': return 'Not enough browser storage to cache this model. Delete cached models below, or untick "keep downloaded models in the browser cache" in Settings.';
    case 'integrity': return `A downloaded split failed its integrity check${where} and was thrown away. Load again to fetch it anew.`;
    case 'range': return 'The conversation no longer fits in the model\'s context. Press "Clear chat" to start a new one.';
    case 'busy': return 'The model is still busy with the previous request.';
    case 'unloaded': return 'The model was unloaded: load one again.';
    case 'aborted': return 'Cancelled.';
    default: return `Something went wrong while ${what}: ${detail}`;
  }
}

function showError(text) {
  $('error-text').textContent = text;
  $('error').hidden = false;
}
function clearError() { $('error').hidden = true; $('error-text').textContent = ''; }

// ---------------------------------------------------------------- settings

const FIELDS = {
  temperature: ['temperature', 0.7], topK: ['top-k', 40], topP: ['top-p', 0.95], minP: ['min-p', 0.05],
  repetitionPenalty: ['repeat-penalty', 1.1], maxTokens: ['max-tokens', 256], seed: ['seed', ''], threads: ['threads', ''],
};

function loadSettings() {
  let saved = {};
  try { saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) || '{}'); } catch { saved = {}; }
  for (const [k, [id, def]] of Object.entries(FIELDS)) $(id).value = saved[k] ?? def;
  $('system-prompt').value = saved.system ?? '';
  $('use-cache').checked = saved.cache ?? true;
  $('mode').value = saved.mode === 'complete' ? 'complete' : 'chat';
}

function saveSettings() {
  const s = { system: $('system-prompt').value, cache: $('use-cache').checked, mode: $('mode').value };
  for (const [k, [id]] of Object.entries(FIELDS)) s[k] = $(id).value;
  try { localStorage.setItem(SETTINGS_KEY, JSON.stringify(s)); } catch { /* private mode */ }
}

function num(id, { int = false, min = -Infinity, max = Infinity } = {}) {
  const v = $(id).value.trim();
  if (v === '') return undefined;
  let n = Number(v);
  if (!Number.isFinite(n)) return undefined;
  if (int) n = Math.round(n);
  return Math.min(max, Math.max(min, n));
}

function samplingOptions() {
  const o = {
    temperature: num('temperature', { min: 0, max: 5 }),
    topK: num('top-k', { int: true, min: 0 }),
    topP: num('top-p', { min: 0, max: 1 }),
    minP: num('min-p', { min: 0, max: 1 }),
    repetitionPenalty: num('repeat-penalty', { min: 0.1, max: 5 }),
    maxTokens: num('max-tokens', { int: true, min: 1, max: 32768 }),
    seed: num('seed', { int: true, min: 0 }),
  };
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

// ---------------------------------------------------------------- progress

const progress = { splits: new Map(), samples: [], pending: null, last: null };

function resetProgress(urls = []) {
  progress.splits.clear();
  progress.samples = [];
  progress.last = null;
  $('split-list').textContent = '';
  for (const u of urls) splitRow(u);
  $('progress').hidden = false;
  $('cancel-load').hidden = false;
  $('progress-text').textContent = 'starting the WebAssembly worker…';
  $('progress').querySelector('.overall > div').style.width = '0%';
}

function splitRow(url) {
  let row = progress.splits.get(url);
  if (row) return row;
  const li = document.createElement('li');
  li.innerHTML = '<span class="split-name"></span><span class="bar small"><span></span></span><span class="split-text"></span>';
  // "name-00002-of-00003.gguf" reads better as "split 2 of 3" in a narrow panel.
  const m = /-(\d{5})-of-(\d{5})\.gguf$/i.exec(fileName(url));
  li.querySelector('.split-name').textContent = m ? `split ${Number(m[1])} of ${Number(m[2])}` : fileName(url);
  li.title = url;
  $('split-list').appendChild(li);
  row = { li, fill: li.querySelector('.bar > span'), text: li.querySelector('.split-text') };
  progress.splits.set(url, row);
  return row;
}

function onProgress(p) {
  progress.last = p;
  if (!progress.pending) progress.pending = requestAnimationFrame(drawProgress);
}

function drawProgress() {
  progress.pending = null;
  const p = progress.last;
  if (!p) return;
  const now = performance.now();
  let fromNetwork = 0, fromCache = 0, fromFile = 0;
  for (const s of p.splits || []) {
    if (s.source === 'network') fromNetwork += s.loaded;
    else if (s.source === 'cache') fromCache += s.loaded;
    else fromFile += s.loaded;
    const row = splitRow(s.url);
    const pct = s.total ? Math.min(100, (100 * s.loaded) / s.total) : 0;
    row.fill.style.width = `${pct.toFixed(1)}%`;
    row.li.dataset.source = s.source;
    row.li.classList.toggle('done', !!s.done);
    row.text.textContent = `${formatBytes(s.loaded)}${s.total ? ' / ' + formatBytes(s.total) : ''} · ${s.source}${s.done ? ' ✓' : ''}`;
  }
  // network speed over the last two seconds
  progress.samples.push([now, fromNetwork]);
  while (progress.samples.length > 2 && now - progress.samples[0][0] > 2000) progress.samples.shift();
  const [t0, b0] = progress.samples[0];
  const speed = now - t0 > 200 ? ((fromNetwork - b0) * 1000) / (now - t0) : 0;
  const pct = p.total ? Math.min(100, (100 * p.loaded) / p.total) : 0;
  const bar = $('progress').querySelector('.overall');
  bar.firstElementChild.style.width = `${pct.toFixed(1)}%`;
  bar.setAttribute('aria-valuenow', pct.toFixed(0));
  const parts = [];
  if (p.phase === 'build') parts.push('building the model…');
  else if (p.phase === 'ready') parts.push('ready');
  else parts.push(`${pct.toFixed(0)}%`);
  parts.push(`${formatBytes(p.loaded)}${p.total ? ' / ' + formatBytes(p.total) : ''}`);
  if (speed > 0 && p.phase === 'download') parts.push(`${formatBytes(speed)}/s`);
  if (fromCache) parts.push(`${formatBytes(fromCache)} from the cache`);
  if (fromNetwork) parts.push(`${formatBytes(fromNetwork)} from the network`);
  if (fromFile) parts.push(`${formatBytes(fromFile)} from a local file`);
  $('progress-text').textContent = parts.join(' · ');
}

// ---------------------------------------------------------------- loading

// mode: 'chat' | 'complete', the way to talk to this model (a manifest entry
// may ask for 'complete': a base model that was not trained on chat turns).
async function loadModel(source, label, key = null, mode = 'chat') {
  if (!gw) return;
  clearError();
  if (genCtl) genCtl.abort();
  if (loadCtl) loadCtl.abort();
  const ctl = new AbortController();
  loadCtl = ctl;
  setState('loading');
  $('model-status').textContent = `loading ${label}…`;
  if (engine) {
    const old = engine;
    engine = null;
    current = null;
    try { await old.unload(); } catch { /* already gone */ }
  }
  clearChat({ keepEngine: true });
  const urls = Array.isArray(source) ? source.map((s) => (typeof s === 'string' ? s : s.name || 'file'))
    : [typeof source === 'string' ? source : source.name || 'file'];
  resetProgress(urls);
  const t0 = performance.now();
  try {
    const threads = num('threads', { int: true, min: 1, max: 64 });
    const e = await gw.createEngine({
      model: source, onProgress, signal: ctl.signal, cache: $('use-cache').checked,
      ...(threads ? { threads } : {}),
    });
    if (ctl.signal.aborted || loadCtl !== ctl) { await e.unload().catch(() => {}); return; }
    engine = e;
    current = { label, key };
    $('mode').value = mode === 'complete' || (e.info && e.info.hasTokenizer && !e.info.hasChatTemplate) ? 'complete' : 'chat';
    if (key) try { localStorage.setItem(MODEL_KEY, key); } catch { /* private mode */ }
    drawProgress();
    $('progress-text').textContent += ` · loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    $('cancel-load').hidden = true;
    $('model-status').textContent = label;
    addNote(`Loaded ${label}.`);
    showEngineInfo();
    setState('ready');
    $('input').focus();
  } catch (err) {
    if (loadCtl !== ctl) return; // superseded by another load
    $('model-status').textContent = 'no model loaded';
    $('progress').hidden = true;
    if (!(err && err.code === 'aborted')) showError(describeError(err, `loading ${label}`));
    setState('empty');
  } finally {
    if (loadCtl === ctl) loadCtl = null;
    refreshCache();
  }
}

function showEngineInfo() {
  if (!engine) { $('engine-info').textContent = ''; return; }
  let s = {};
  try { s = engine.stats(); } catch { /* older package */ }
  const i = engine.info || {};
  const bits = [];
  if (i.arch) bits.push(`${i.arch}, ${i.nLayer} layers, ${i.nEmbd} wide, vocab ${i.nVocab}`);
  if (s.contextLength || i.contextLength) bits.push(`context ${s.contextLength || i.contextLength}`);
  if (s.variant) bits.push(`build: ${s.variant}${s.variant === 'mt' ? ` × ${s.threads} threads` : ''}`);
  if (!crossOriginIsolated) bits.push('not cross-origin isolated: single-threaded');
  if (i.hasTokenizer === false) bits.push('this model has no tokenizer: it cannot chat');
  $('engine-info').textContent = bits.join(' · ');
}

async function readManifest() {
  const sel = $('model-select');
  try {
    const r = await fetch(MANIFEST_URL);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const m = await r.json();
    builtins = (m.models || []).filter((x) => Array.isArray(x.files) && x.files.length).map((x, i) => ({
      id: String(x.id || `model-${i}`), name: String(x.name || x.id || `model ${i + 1}`),
      description: String(x.description || ''), default: !!x.default, mode: x.mode === 'complete' ? 'complete' : 'chat',
      urls: x.files.map((f) => new URL(f, MANIFEST_URL).href),
    }));
  } catch (e) {
    builtins = [];
    $('model-desc').textContent = `The built-in model list (${MANIFEST_URL.pathname}) could not be read: ${e.message}.`;
  }
  sel.textContent = '';
  const none = new Option(builtins.length ? '— choose —' : '(none)', '');
  sel.add(none);
  for (const b of builtins) sel.add(new Option(b.name, b.id));
}

function builtinById(id) { return builtins.find((b) => b.id === id); }

function loadBuiltin(id) {
  const b = builtinById(id);
  if (!b) return;
  $('model-select').value = b.id;
  $('model-desc').textContent = b.description;
  loadModel(b.urls.length === 1 ? b.urls[0] : b.urls, b.name, `builtin:${b.id}`, b.mode);
}

function loadFiles(fileList) {
  const files = [...fileList].filter((f) => f.size > 0).sort((a, b) => a.name.localeCompare(b.name));
  if (!files.length) { showError('No file to load: drop one or more .gguf files (all the splits of a model).'); return; }
  const label = files.length === 1 ? files[0].name : `${files[0].name} (+${files.length - 1} splits)`;
  $('model-select').value = '';
  loadModel(files.length === 1 ? files[0] : files, label, null);
}

function loadUrlText(text) {
  const urls = text.split(/[\s,]+/).filter(Boolean);
  if (!urls.length) { showError('Type the URL of a .gguf file (the first split of a split model is enough).'); return; }
  for (const u of urls) {
    let ok = false;
    try { ok = /^https?:$/.test(new URL(u, location.href).protocol) && (/^https?:\/\//i.test(u) || /\.gguf$/i.test(u.split(/[?#]/)[0])); } catch { ok = false; }
    if (!ok) { showError(`Not a model URL: "${u}". Give the http(s) URL of a .gguf file (for a split model, its first split).`); return; }
  }
  const abs = urls.map((u) => new URL(u, location.href).href);
  $('model-select').value = '';
  $('model-desc').textContent = '';
  loadModel(abs.length === 1 ? abs[0] : abs, fileName(abs[0]), `url:${abs.join(' ')}`);
}

// ---------------------------------------------------------------- chat

function addBubble(role, text = '') {
  $('welcome')?.remove();
  const div = document.createElement('div');
  div.className = `msg ${role}`;
  const body = document.createElement('div');
  body.className = 'body';
  if (role === 'user') body.textContent = text;
  else body.innerHTML = renderMarkdown(text);
  div.appendChild(body);
  $('messages').appendChild(div);
  scrollToEnd(true);
  return div;
}

function scrollToEnd(force = false) {
  const m = $('messages');
  const nearEnd = m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  if (force || nearEnd) m.scrollTop = m.scrollHeight;
}

function addNote(text) {
  const div = document.createElement('div');
  div.className = 'note';
  div.textContent = text;
  $('messages').appendChild(div);
}

async function send(text) {
  if (!engine || state() !== 'ready') return;
  const eng = engine; // another model may be loaded while this reply streams
  clearError();
  saveSettings();
  const userMsg = { role: 'user', content: text };
  addBubble('user', text);
  const bubble = addBubble('assistant', '');
  bubble.classList.add('streaming');
  bubble.setAttribute('aria-busy', 'true'); // screen readers: read it once it is complete
  const body = bubble.querySelector('.body');
  const system = $('system-prompt').value.trim();
  const messages = [...(system ? [{ role: 'system', content: system }] : []), ...history, userMsg];
  const complete = $('mode').value === 'complete';
  if (complete) bubble.classList.add('continuation');
  const ctl = new AbortController();
  genCtl = ctl;
  setState('generating');
  $('stats').textContent = 'thinking…';
  let reply = '';
  let pending = false;
  const draw = () => { pending = false; body.innerHTML = renderMarkdown(reply); scrollToEnd(); };
  let finish = null;
  let stream = null;
  try {
    // Chat: the whole conversation (the engine reuses its state for the common
    // prefix). Continue text: a plain completion of this message alone.
    stream = complete ? eng.generate(text, { ...samplingOptions(), signal: ctl.signal })
      : eng.chat(messages, { ...samplingOptions(), signal: ctl.signal });
    for await (const piece of stream) {
      if (!piece.text) continue;
      reply += piece.text;
      if (!pending) { pending = true; requestAnimationFrame(draw); }
    }
  } catch (err) {
    if (err && err.code === 'aborted') finish = { finishReason: 'abort' };
    else {
      showError(describeError(err, 'writing the reply'));
      finish = { finishReason: 'error' };
    }
  }
  // Wait for the worker to finish the request (after Stop it still sends its
  // result, with the stats), but not forever.
  if (stream && stream.done) {
    const end = await Promise.race([stream.done.catch(() => null), new Promise((r) => setTimeout(() => r(null), 2000))]);
    if (end && (!finish || finish.finishReason !== 'error')) finish = end;
  }
  if (ctl.signal.aborted && finish?.finishReason !== 'error') finish = { ...(finish || {}), finishReason: 'abort' };
  draw();
  bubble.classList.remove('streaming');
  bubble.removeAttribute('aria-busy');
  if (finish && finish.finishReason === 'abort') bubble.dataset.finish = 'stopped';
  else if (finish && finish.finishReason === 'length') bubble.dataset.finish = 'length';
  if (!reply && finish?.finishReason === 'error') bubble.remove();
  else if (!reply) {
    body.innerHTML = complete ? '<p class="hint">(empty reply)</p>'
      : '<p class="hint">(empty reply: the model ended its turn at once. A base model that was not trained on chat turns does better in "Continue text" mode, in Settings.)</p>';
  }
  if (genCtl === ctl) genCtl = null;
  if (engine !== eng) return; // the model changed meanwhile: this turn belongs to no conversation
  if (finish?.finishReason !== 'error' && !complete) history.push(userMsg, { role: 'assistant', content: reply });
  showStats(finish);
  setState('ready');
}

function showStats(finish) {
  if (!engine) { $('stats').textContent = ''; return; }
  let s;
  try { s = engine.stats(); } catch { return; }
  const f = (x) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : '?');
  const parts = [
    `prefill ${f(s.prefillTokensPerSec)} tok/s (${s.promptTokens} tokens)`,
    `decode ${f(s.decodeTokensPerSec)} tok/s (${s.completionTokens} tokens)`,
    `context ${s.tokens}/${s.contextLength}`,
  ];
  if (s.memory) parts.push(`memory ${formatBytes(s.memory.wasmHeap)} (weights ${formatBytes(s.memory.weights)}, state ${formatBytes(s.memory.state)})`);
  parts.push(`${s.variant}${s.variant === 'mt' ? `×${s.threads}` : ''}`);
  if (finish?.finishReason === 'abort') parts.push('stopped');
  else if (finish?.finishReason === 'length') parts.push('max tokens reached');
  $('stats').textContent = parts.join(' · ');
}

async function clearChat({ keepEngine = false } = {}) {
  if (genCtl) genCtl.abort();
  history = [];
  $('messages').textContent = '';
  $('messages').appendChild(WELCOME.cloneNode(true));
  $('stats').textContent = '';
  if (!keepEngine && engine) {
    try { await engine.resetChat(); } catch (e) { showError(describeError(e, 'clearing the chat')); }
    addNote(`New conversation with ${current ? current.label : 'the model'}.`);
  }
}

// ---------------------------------------------------------------- cache manager

async function refreshCache() {
  if (!gw) return;
  const tbody = $('cache-table').querySelector('tbody');
  try {
    const list = await gw.listCachedModels();
    tbody.textContent = '';
    for (const m of list) {
      const tr = document.createElement('tr');
      tr.dataset.url = m.url;
      const name = document.createElement('td');
      name.textContent = fileName(m.url) + (m.splits && m.splits.length > 1 ? ` (${m.splits.length} splits)` : '');
      name.title = m.url;
      const size = document.createElement('td');
      size.textContent = formatBytes(m.size);
      const act = document.createElement('td');
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'ghost small delete';
      del.textContent = 'Delete';
      del.setAttribute('aria-label', `delete ${fileName(m.url)} from the cache`);
      del.onclick = async () => {
        del.disabled = true;
        try { await gw.deleteCachedModel(m.url); } catch (e) { showError(describeError(e, 'deleting from the cache')); }
        refreshCache();
      };
      act.appendChild(del);
      tr.append(name, size, act);
      tbody.appendChild(tr);
    }
    $('cache-empty').hidden = list.length > 0;
    $('cache-table').hidden = list.length === 0;
  } catch (e) {
    $('cache-empty').hidden = false;
    $('cache-empty').textContent = `The cache cannot be read: ${e.message || e}`;
  }
  if (navigator.storage && navigator.storage.estimate) {
    try {
      const est = await navigator.storage.estimate();
      const persisted = navigator.storage.persisted ? await navigator.storage.persisted() : false;
      $('storage-estimate').textContent = `This site uses ${formatBytes(est.usage)}; ${formatBytes(Math.max(0, est.quota - est.usage))} available` +
        ` (${persisted ? 'persistent' : 'the browser may evict it under storage pressure'}).`;
    } catch { $('storage-estimate').textContent = 'storage: unknown'; }
  } else $('storage-estimate').textContent = 'storage: this browser does not report it';
}

// ---------------------------------------------------------------- offline

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  // Scope: the site root, so that web/ (the package, its worker and the wasm)
  // is cached too; tools/serve.mjs allows it (Service-Worker-Allowed: /).
  const swUrl = new URL('sw.js', import.meta.url);
  const rootScope = new URL('../../', import.meta.url);
  let reg;
  try { reg = await navigator.serviceWorker.register(swUrl, { scope: rootScope.pathname }); } catch {
    try { reg = await navigator.serviceWorker.register(swUrl); } catch (e) { console.warn('service worker:', e); return; }
  }
  // Ask it to keep what this page has loaded so far (it may have started after them).
  const urls = performance.getEntriesByType('resource').map((r) => r.name).concat(location.href);
  const sw = reg.active || reg.waiting || reg.installing;
  if (sw) sw.postMessage({ type: 'cache-urls', urls });
  else navigator.serviceWorker.ready.then((r) => r.active?.postMessage({ type: 'cache-urls', urls }));
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('input').value.trim();
    if (!text) return;
    if (!engine) { showError('Load a model first (Model panel).'); return; }
    if (state() !== 'ready') return;
    $('input').value = '';
    send(text);
  });
  $('input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('composer').requestSubmit(); }
  });
  $('stop').addEventListener('click', () => genCtl && genCtl.abort());
  $('clear').addEventListener('click', () => clearChat());
  $('cancel-load').addEventListener('click', () => loadCtl && loadCtl.abort());
  $('error-close').addEventListener('click', clearError);
  $('model-select').addEventListener('change', (e) => { if (e.target.value) loadBuiltin(e.target.value); });
  $('url-form').addEventListener('submit', (e) => { e.preventDefault(); loadUrlText($('model-url').value); });
  $('model-file').addEventListener('change', (e) => { if (e.target.files.length) loadFiles(e.target.files); e.target.value = ''; });
  $('cache-refresh').addEventListener('click', refreshCache);
  $('cache-panel').addEventListener('toggle', () => { if ($('cache-panel').open) refreshCache(); });
  for (const el of document.querySelectorAll('#settings-panel input, #settings-panel textarea, #settings-panel select')) el.addEventListener('change', saveSettings);
  $('mode').addEventListener('change', () => {
    if (engine && history.length) addNote($('mode').value === 'complete' ? 'Continue-text mode: each message is continued on its own.' : 'Chat mode.');
  });
  $('reset-settings').addEventListener('click', () => {
    try { localStorage.removeItem(SETTINGS_KEY); } catch { /* private mode */ }
    loadSettings();
  });
  $('side-toggle').addEventListener('click', () => {
    const open = document.body.classList.toggle('side-open');
    $('side-toggle').setAttribute('aria-expanded', String(open));
  });

  // Drag and drop of .gguf files anywhere on the page.
  let depth = 0;
  const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
  document.addEventListener('dragenter', (e) => { if (hasFiles(e)) { depth++; $('drop-overlay').hidden = false; } });
  document.addEventListener('dragleave', (e) => { if (hasFiles(e) && --depth <= 0) { depth = 0; $('drop-overlay').hidden = true; } });
  document.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
  document.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    $('drop-overlay').hidden = true;
    loadFiles(e.dataTransfer.files);
  });
}

async function main() {
  wire();
  loadSettings();
  registerServiceWorker();
  if (typeof WebAssembly !== 'object') {
    showError('This browser has no WebAssembly: gemwasm cannot run here.');
    setState('empty');
    return;
  }
  try {
    gw = await import(PACKAGE_URL.href);
  } catch (e) {
    showError(`The gemwasm package (${PACKAGE_URL.pathname}) could not be loaded: ${e.message}. Build it with scripts/setup and serve the repository root (npm start).`);
    setState('empty');
    return;
  }
  await readManifest();
  setState('empty');
  refreshCache();
  // What to load first: ?model=URL, else the last built-in model used, else the default.
  const params = new URLSearchParams(location.search);
  if (params.get('autoload') === '0') return;
  const fromQuery = params.get('model');
  if (fromQuery) { $('model-url').value = fromQuery; loadUrlText(fromQuery); return; }
  let last = null;
  try { last = localStorage.getItem(MODEL_KEY); } catch { /* private mode */ }
  const lastBuiltin = last && last.startsWith('builtin:') ? builtinById(last.slice(8)) : null;
  const pick = lastBuiltin || builtins.find((b) => b.default) || builtins[0];
  if (pick) loadBuiltin(pick.id);
}

// Exposed for the browser tests and the console: the state, not the engine internals.
window.gemwasmDemo = {
  get engine() { return engine; },
  get history() { return history.slice(); },
  loadModel: (source, label) => loadModel(source, label || fileName(String(source)), null),
};

main();
