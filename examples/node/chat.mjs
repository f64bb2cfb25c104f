#!/usr/bin/env node
// chat.mjs — a terminal chat on the gemwasm JS package (the same package the
// browser demo uses; in Node the model runs in a worker_threads worker).
// Progress bars go to stderr while the model loads; replies stream to stdout.
//
//   node examples/node/chat.mjs                       # the built-in default model
//   node examples/node/chat.mjs -m model.gguf         # a local file (first split is enough)
//   node examples/node/chat.mjs -m https://host/m-00001-of-00003.gguf
//   options: --mode chat|complete  --system TEXT  --temp T  --top-k K  --top-p P  --min-p P
//            --repeat-penalty R  --max-tokens N  --seed S  --threads N  --no-cache  --cache-dir DIR
//   modes: chat (the model's chat template, the conversation kept) or complete (each
//   line continued as plain text; the default for the built-in base model)
//   in the chat: /reset (new conversation), /mode, /stats, /quit (or Ctrl-D)
//   Ctrl-C during a reply stops the reply; Ctrl-C at the prompt quits.
//
// In your own project: `import { createEngine } from 'gemwasm'`.

import readline from 'node:readline';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../web/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const err = process.stderr;

function usage(code) {
  (code ? err : process.stdout).write(readFileSync(fileURLToPath(import.meta.url), 'utf8')
    .split('\n').slice(1, 17).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(code);
}

function parseArgs(argv) {
  const o = { models: [], sampling: {}, cache: true };
  const numeric = { '--temp': 'temperature', '--temperature': 'temperature', '--top-k': 'topK', '--top-p': 'topP',
    '--min-p': 'minP', '--repeat-penalty': 'repetitionPenalty', '--max-tokens': 'maxTokens', '-n': 'maxTokens', '--seed': 'seed' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) { err.write(`chat.mjs: ${a} needs a value\n`); process.exit(2); }
      return argv[++i];
    };
    if (a === '-m' || a === '--model') o.models.push(next());
    else if (a === '--system') o.system = next();
    else if (a === '--mode') {
      o.mode = next();
      if (o.mode !== 'chat' && o.mode !== 'complete') { err.write('chat.mjs: --mode is chat or complete\n'); process.exit(2); }
    }
    else if (a === '--threads' || a === '-t') o.threads = Number(next());
    else if (a === '--no-cache') o.cache = false;
    else if (a === '--cache-dir') o.cacheDir = next();
    else if (a in numeric) {
      const v = Number(next());
      if (!Number.isFinite(v)) { err.write(`chat.mjs: ${a} needs a number\n`); process.exit(2); }
      o.sampling[numeric[a]] = v;
    } else if (a === '-h' || a === '--help') usage(0);
    else { err.write(`chat.mjs: unknown option ${a}\n`); usage(2); }
  }
  return o;
}

// The built-in default model: models/default/manifest.json lists its splits.
function defaultModel() {
  const dir = join(ROOT, 'models', 'default');
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const entry = (m.models || []).find((x) => x.default) || (m.models || [])[0];
  if (!entry) throw new Error(`${dir}/manifest.json lists no model`);
  return { name: entry.name, source: entry.files.map((f) => join(dir, f)), mode: entry.mode };
}

function mb(n) { return `${(n / 1048576).toFixed(1)} MB`; }

// Progress bars on stderr: one per split and the total; redrawn in place on a
// terminal, a line every few seconds otherwise.
function progressPrinter() {
  const tty = err.isTTY;
  let drawn = 0, lastLine = 0, t0 = Date.now();
  const bar = (f, w = 24) => '█'.repeat(Math.round(f * w)).padEnd(w, '░');
  return {
    update(p) {
      const lines = [];
      for (const s of p.splits || []) {
        const f = s.total ? s.loaded / s.total : 0;
        const name = s.url.split(/[/\\]/).pop().slice(-38).padEnd(38);
        lines.push(`  ${name} ${bar(f)} ${mb(s.loaded).padStart(9)} ${s.source}${s.done ? ' ✓' : ''}`);
      }
      const f = p.total ? p.loaded / p.total : 0;
      const secs = (Date.now() - t0) / 1000;
      const net = (p.splits || []).filter((s) => s.source === 'network').reduce((a, s) => a + s.loaded, 0);
      const speed = secs > 0.2 && net ? `  ${mb(net / secs)}/s` : '';
      lines.push(`  ${'total'.padEnd(38)} ${bar(f)} ${mb(p.loaded).padStart(9)} / ${mb(p.total)}${speed}${p.phase === 'build' ? '  building…' : ''}`);
      if (tty) {
        if (drawn) err.write(`\x1b[${drawn}A`);
        err.write(lines.map((l) => `\x1b[2K${l.slice(0, (err.columns || 120) - 1)}\n`).join(''));
        drawn = lines.length;
      } else if (Date.now() - lastLine > 3000 || p.phase !== 'download') {
        lastLine = Date.now();
        err.write(lines[lines.length - 1].trim() + '\n');
      }
    },
  };
}

function explain(e) {
  const code = e && e.code ? ` [${e.code}${e.status ? ' ' + e.status : ''}]` : '';
  return `${e && e.message ? e.message : e}${code}`;
}

const opts = parseArgs(process.argv.slice(2));
let source, name, mode = 'chat';
try {
  if (opts.models.length) {
    source = opts.models.map((m) => (/^https?:\/\//.test(m) ? m : resolve(m)));
    if (source.length === 1) source = source[0];
    name = String(opts.models[0]).split(/[/\\]/).pop();
  } else {
    const d = defaultModel();
    ({ source, name } = d);
    if (d.mode === 'complete') mode = 'complete';
  }
  if (opts.mode) mode = opts.mode;
} catch (e) {
  err.write(`chat.mjs: no model: ${e.message} (give one with -m FILE|URL)\n`);
  process.exit(1);
}

err.write(`loading ${name}\n`);
const progress = progressPrinter();
let engine;
try {
  engine = await createEngine({
    model: source, onProgress: (p) => progress.update(p), cache: opts.cache,
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}), ...(opts.threads ? { threads: opts.threads } : {}),
  });
} catch (e) {
  err.write(`\nchat.mjs: cannot load ${name}: ${explain(e)}\n`);
  process.exit(1);
}
const st = engine.stats();
err.write(`ready: ${st.arch}, context ${st.contextLength}, ${st.variant}${st.variant === 'mt' ? ` × ${st.threads} threads` : ''}, loaded in ${(st.loadMs / 1000).toFixed(1)} s\n`);
err.write(`mode: ${mode === 'chat' ? 'chat' : 'complete (each line is continued as plain text)'}; /mode switches\n`);
err.write('type a message; /reset starts over, /stats shows speed, /quit leaves\n');

const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: '> ', terminal: process.stdin.isTTY });
let history = [];
let replying = null; // AbortController while a reply streams
const prompt = () => { if (process.stdin.isTTY) rl.prompt(); };

rl.on('SIGINT', () => {
  if (replying) replying.abort();
  else rl.close();
});

async function reply(text) {
  const user = { role: 'user', content: text };
  const messages = [...(opts.system ? [{ role: 'system', content: opts.system }] : []), ...history, user];
  replying = new AbortController();
  let out = '';
  try {
    const o = { ...opts.sampling, signal: replying.signal };
    const stream = mode === 'chat' ? engine.chat(messages, o) : engine.generate(text, o);
    for await (const piece of stream) {
      out += piece.text;
      process.stdout.write(piece.text);
    }
    const done = stream.done ? await stream.done.catch(() => null) : null;
    if (done && done.finishReason === 'abort') process.stdout.write(' [stopped]');
    else if (!out.trim() && mode === 'chat') process.stdout.write('[the model ended its turn at once: try /mode]');
    if (mode === 'chat') history.push(user, { role: 'assistant', content: out });
  } catch (e) {
    if (e && e.code === 'aborted') {
      process.stdout.write(' [stopped]');
      if (mode === 'chat') history.push(user, { role: 'assistant', content: out });
    } else err.write(`\nerror: ${explain(e)}${e && e.code === 'range' ? ' (the context is full: /reset)' : ''}\n`);
  } finally {
    replying = null;
  }
  process.stdout.write('\n');
}

function showStats() {
  const s = engine.stats();
  err.write(`prefill ${s.prefillTokensPerSec.toFixed(1)} tok/s (${s.promptTokens}), decode ${s.decodeTokensPerSec.toFixed(1)} tok/s (${s.completionTokens}), ` +
    `context ${s.tokens}/${s.contextLength}, memory ${mb(s.memory.wasmHeap)} (weights ${mb(s.memory.weights)}, state ${mb(s.memory.state)})\n`);
}

// Lines are handled one at a time, in order (piped input included).
let queue = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(async () => {
    const text = line.trim();
    if (text === '/quit' || text === '/exit') { rl.close(); return; }
    if (text === '/reset') { history = []; await engine.resetChat(); err.write('(new conversation)\n'); }
    else if (text === '/stats') showStats();
    else if (text === '/mode') {
      mode = mode === 'chat' ? 'complete' : 'chat';
      err.write(`(mode: ${mode})\n`);
    }
    else if (text) await reply(text);
    prompt();
  });
});
rl.on('close', () => {
  queue.then(async () => {
    await engine.unload().catch(() => {});
    process.exit(0);
  });
});
prompt();
