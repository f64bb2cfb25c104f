// package.test.mjs — the JS package (web/index.js) in Node, against a local
// HTTP server serving a split fixture model (tests/fixtures/hf-tiny/
// gemma3-tiny converted with --split-max-size 40K: 32 splits): streamed greedy
// tokens equal the CLI's; a second load comes from the cache directory alone;
// abort stops within one token; a connection cut mid-split rejects with a
// 'network' error and a retry completes from what was cached, nothing
// corrupt; a tampered cached split is refetched, never used; errors are typed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cli as libCli, FIXTURES, ROOT, readReference, tempDir } from './lib.mjs';

// The native CLI (build/gemwasm; $GEMWASM_NATIVE_CLI overrides it).
const cli = (which, args) => (process.env.GEMWASM_NATIVE_CLI && which === 'native'
  ? execFileSync(process.env.GEMWASM_NATIVE_CLI, args, { encoding: 'utf8' }) : libCli(which, args));

const { createEngine, listCachedModels, deleteCachedModel, GemwasmError } = await import(path.join(ROOT, 'web', 'index.js'));

const FIXTURE = path.join(FIXTURES, 'hf-tiny', 'gemma3-tiny');
const ref = readReference(FIXTURE);
const PROMPT = ref.greedy_prompt;
const N = ref.greedy_new_tokens.length;

let dir, server, base, expected, files;
const hits = []; // [method, file]
let hook = null; // (req, res, file) => true when it answered

function startServer(root) {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      const file = path.join(root, path.basename(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
      hits.push([req.method, path.basename(file)]);
      if (hook && hook(req, res, file)) return;
      if (!fs.existsSync(file)) { res.writeHead(404); res.end('not found'); return; }
      const size = fs.statSync(file).size;
      res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
      if (req.method === 'HEAD') { res.end(); return; }
      fs.createReadStream(file).pipe(res);
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

before(async () => {
  dir = tempDir(null, 'gemwasm-pkg-');
  cli('native', ['convert', FIXTURE, '-o', path.join(dir, 'tiny.gguf'), '--split-max-size', '40K']);
  files = fs.readdirSync(dir).filter((f) => f.endsWith('.gguf')).sort();
  assert.ok(files.length >= 3, `expected a split set, got ${files}`);
  expected = cli('native', ['generate', '-m', path.join(dir, files[0]), '--ids', PROMPT.join(','), '-n', String(N)])
    .trim().split(',').map(Number);
  server = await startServer(dir);
  base = `http://127.0.0.1:${server.address().port}/`;
});

after(() => {
  if (server) server.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const firstUrl = () => base + files[0];

async function greedy(engine, opts = {}) {
  const out = [];
  for await (const p of engine.generate('', { promptIds: PROMPT, maxTokens: N, temperature: 0, ...opts })) out.push(p.tokenId);
  return out;
}

function cacheFiles(cacheDir) {
  return fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : [];
}

// Every cached record's data file holds exactly the bytes of its split.
function assertCacheConsistent(cacheDir) {
  for (const f of cacheFiles(cacheDir).filter((n) => n.endsWith('.json'))) {
    const rec = JSON.parse(fs.readFileSync(path.join(cacheDir, f), 'utf8'));
    const data = fs.readFileSync(path.join(cacheDir, f.replace(/\.json$/, '.gguf')));
    const orig = fs.readFileSync(path.join(dir, path.basename(new URL(rec.url).pathname)));
    assert.equal(Buffer.compare(data, orig), 0, `cached ${rec.url} differs from the served file`);
  }
  assert.equal(cacheFiles(cacheDir).filter((n) => n.includes('.tmp')).length, 0, 'temporary files left behind');
}

test('streams the CLI greedy tokens, then loads again from the cache alone', async (t) => {
  const cacheDir = tempDir(t);
  const progress = [];
  hits.length = 0;
  const e1 = await createEngine({ model: firstUrl(), cacheDir, onProgress: (p) => progress.push(p) });
  try {
    assert.equal(e1.splits.length, files.length);
    assert.ok(e1.splits.every((s) => s.source === 'network'));
    assert.deepEqual(await greedy(e1), expected);
    const st = e1.stats();
    assert.ok(['mt', 'st'].includes(st.variant), st.variant);
    assert.equal(st.arch, 'gemma3');
    assert.equal(st.completionTokens, N);
    assert.ok(st.decodeTokensPerSec > 0 && st.prefillTokensPerSec > 0);
    const last = progress.filter((p) => p.phase === 'download').at(-1);
    assert.equal(last.loaded, last.total);
    assert.equal(last.splits.length, files.length);
    assert.ok(last.splits.every((s) => s.done && s.loaded === s.total && s.source === 'network'));
    assert.equal(progress.at(-1).phase, 'ready');
  } finally { await e1.unload(); }
  assertCacheConsistent(cacheDir);
  const listed = await listCachedModels({ cacheDir });
  assert.equal(listed.length, 1);
  assert.equal(listed[0].url, firstUrl());
  assert.equal(listed[0].splits.length, files.length);

  hits.length = 0;
  const e2 = await createEngine({ model: firstUrl(), cacheDir });
  try {
    assert.equal(hits.length, 0, `the second load asked the server: ${JSON.stringify(hits)}`);
    assert.ok(e2.splits.every((s) => s.source === 'cache'));
    assert.deepEqual(await greedy(e2), expected);
  } finally { await e2.unload(); }

  assert.equal(await deleteCachedModel(firstUrl(), { cacheDir }), true);
  assert.deepEqual(await listCachedModels({ cacheDir }), []);
});

test('a server that refuses HEAD: sizes come from the GETs', async () => {
  hook = (req, res) => { if (req.method !== 'HEAD') return false; res.writeHead(405); res.end(); return true; };
  try {
    const e = await createEngine({ model: firstUrl(), cache: false, variant: 'st' });
    try { assert.deepEqual(await greedy(e), expected); } finally { await e.unload(); }
  } finally { hook = null; }
});

test('single-threaded and scalar builds, from a local split path, give the same tokens', async () => {
  for (const variant of ['st', 'scalar']) {
    const e = await createEngine({ model: path.join(dir, files[1]), variant, cache: false });
    try {
      assert.equal(e.stats().variant, variant);
      assert.ok(e.splits.every((s) => s.source === 'file'));
      assert.deepEqual(await greedy(e), expected, variant);
    } finally { await e.unload(); }
  }
});

test('abort stops generation within one token', async () => {
  const e = await createEngine({ model: firstUrl(), cache: false });
  try {
    const ac = new AbortController();
    const got = [];
    let afterAbort = 0;
    const s = e.generate('', { promptIds: PROMPT, maxTokens: 400, temperature: 0, stopAtEos: false, signal: ac.signal });
    await assert.rejects(async () => {
      for await (const p of s) {
        if (ac.signal.aborted) afterAbort++;
        got.push(p.tokenId);
        if (got.length === 3) ac.abort();
      }
    }, (err) => err instanceof GemwasmError && err.code === 'aborted');
    assert.equal(afterAbort, 0, 'the stream went on after the abort');
    // the worker itself stopped within one token of receiving the abort
    const d = await s.done;
    assert.equal(d.finishReason, 'abort');
    assert.ok(d.tokensAfterAbort <= 1, `the worker made ${d.tokensAfterAbort} tokens after the abort`);
    assert.ok(d.completionTokens < 400);
    // and the engine still works
    assert.deepEqual(await greedy(e), expected);
    // breaking out of the loop stops it as well
    const s2 = e.generate('', { promptIds: PROMPT, maxTokens: 400, temperature: 0, stopAtEos: false });
    let n = 0;
    for await (const _ of s2) if (++n === 2) break;
    const d2 = await s2.done;
    assert.ok(d2.tokensAfterAbort <= 1 && d2.completionTokens < 400, JSON.stringify(d2));
  } finally { await e.unload(); }
});

test('a connection cut mid-split rejects with a network error; a retry completes, nothing corrupt', async (t) => {
  const cacheDir = tempDir(t);
  const victim = files[Math.floor(files.length / 2)];
  let cut = 0;
  hook = (req, res, file) => {
    if (req.method !== 'GET' || path.basename(file) !== victim || cut) return false;
    cut++;
    const data = fs.readFileSync(file);
    res.writeHead(200, { 'Content-Length': data.length });
    res.write(data.subarray(0, data.length >> 1), () => setTimeout(() => res.socket.destroy(), 20));
    return true;
  };
  try {
    await assert.rejects(createEngine({ model: firstUrl(), cacheDir, concurrency: 2, variant: 'st' }),
      (err) => err instanceof GemwasmError && err.code === 'network' && err.url.endsWith(victim));
    assert.equal(cut, 1);
    assertCacheConsistent(cacheDir);
    const cachedBefore = cacheFiles(cacheDir).filter((n) => n.endsWith('.json')).length;
    assert.ok(cachedBefore < files.length);
    hits.length = 0;
    const e = await createEngine({ model: firstUrl(), cacheDir, concurrency: 2, variant: 'st' });
    try {
      const fromCache = e.splits.filter((s) => s.source === 'cache').length;
      assert.equal(fromCache, cachedBefore, 'the retry resumes from the cached splits');
      assert.equal(hits.filter(([m]) => m === 'GET').length, files.length - cachedBefore);
      assert.deepEqual(await greedy(e), expected);
    } finally { await e.unload(); }
    assertCacheConsistent(cacheDir);
  } finally { hook = null; }
});

test('aborting a load rejects with aborted and leaves only whole splits cached', async (t) => {
  const cacheDir = tempDir(t);
  const ac = new AbortController();
  let served = 0;
  hook = (req) => {
    if (req.method === 'GET' && ++served === 4) setTimeout(() => ac.abort(), 0);
    return false;
  };
  try {
    await assert.rejects(createEngine({ model: firstUrl(), cacheDir, signal: ac.signal, concurrency: 1, variant: 'st' }),
      (err) => err instanceof GemwasmError && err.code === 'aborted');
  } finally { hook = null; }
  assertCacheConsistent(cacheDir);
  const e = await createEngine({ model: firstUrl(), cacheDir, variant: 'st' });
  try { assert.deepEqual(await greedy(e), expected); } finally { await e.unload(); }
});

test('a tampered cached split is refetched, never used', async (t) => {
  const cacheDir = tempDir(t);
  const e1 = await createEngine({ model: firstUrl(), cacheDir, variant: 'st' });
  await e1.unload();
  const victim = base + files[2];
  const key = createHash('sha256').update(victim).digest('hex');
  const data = path.join(cacheDir, `${key}.gguf`);
  const buf = fs.readFileSync(data);
  buf[buf.length - 100] ^= 0x55; // same size, one bit pattern flipped in the tensor data
  fs.writeFileSync(data, buf);
  hits.length = 0;
  const e2 = await createEngine({ model: firstUrl(), cacheDir, variant: 'st' });
  try {
    const s = e2.splits.find((x) => x.name === victim);
    assert.equal(s.source, 'network');
    assert.deepEqual(hits, [['GET', files[2]]]);
    assert.deepEqual(await greedy(e2), expected);
  } finally { await e2.unload(); }
  assertCacheConsistent(cacheDir);
});

test('errors are typed', async (t) => {
  const cacheDir = tempDir(t);
  const t0 = Date.now();
  const lap = (what) => { if (process.env.GEMWASM_TEST_VERBOSE) console.log(what, Date.now() - t0); };
  // HTTP error
  await assert.rejects(createEngine({ model: base + 'missing-00001-of-00002.gguf', cacheDir, variant: 'st' }),
    (e) => e instanceof GemwasmError && e.code === 'http' && e.status === 404);
  lap('not a GGUF');
  // not a GGUF
  const junk = path.join(dir, 'junk.gguf');
  fs.writeFileSync(junk, Buffer.from('<html>this is not a model</html>'));
  await assert.rejects(createEngine({ model: base + 'junk.gguf', cacheDir, variant: 'st' }),
    (e) => e instanceof GemwasmError && e.code === 'not_gguf');
  assert.equal(cacheFiles(cacheDir).filter((n) => n.endsWith('.json')).length, 0, 'a non-GGUF was cached');
  lap('unsupported architecture');
  // unsupported architecture: general.architecture = "gemma3" -> "xemma3"
  const one = path.join(dir, 'single.gguf');
  cli('native', ['convert', FIXTURE, '-o', one]);
  const b = fs.readFileSync(one);
  const key = Buffer.from('general.architecture');
  const at = b.indexOf(key) + key.length + 4 + 8;
  assert.equal(b.toString('latin1', at, at + 6), 'gemma3');
  b[at] = 'x'.charCodeAt(0);
  fs.writeFileSync(path.join(dir, 'weird.gguf'), b);
  await assert.rejects(createEngine({ model: base + 'weird.gguf', cache: false, variant: 'st' }),
    (e) => e instanceof GemwasmError && e.code === 'unsupported' && /xemma3/.test(e.message));
  lap('a truncated file');
  // a truncated file (server announces the full size, sends less) -> network
  hook = (req, res, file) => {
    if (path.basename(file) !== 'single.gguf') return false;
    const d = fs.readFileSync(file);
    res.writeHead(200, { 'Content-Length': d.length });
    if (req.method === 'HEAD') { res.end(); return true; }
    res.write(d.subarray(0, 1000), () => setTimeout(() => res.socket && res.socket.destroy(), 20));
    return true;
  };
  try {
    await assert.rejects(createEngine({ model: base + 'single.gguf', cache: false, variant: 'st' }),
      (e) => e instanceof GemwasmError && e.code === 'network');
  } finally { hook = null; }
  lap('a model without a tokenizer');
  // a context that cannot fit in wasm memory -> oom
  await assert.rejects(createEngine({ model: one, cache: false, variant: 'st', contextLength: 50_000_000 }),
    (err) => err instanceof GemwasmError && err.code === 'oom');
  // a model without a tokenizer: chat needs one
  const e = await createEngine({ model: one, cache: false, variant: 'st' });
  try {
    await assert.rejects(async () => { for await (const _ of e.chat([{ role: 'user', content: 'hi' }])) {} },
      (err) => err instanceof GemwasmError && err.code === 'unsupported');
    await assert.rejects(e.tokenize('hi'), (err) => err instanceof GemwasmError && err.code === 'unsupported');
    // out of vocabulary ids -> range
    await assert.rejects(async () => { for await (const _ of e.generate('', { promptIds: [2, 999999] })) {} },
      (err) => err instanceof GemwasmError && err.code === 'range');
  } finally { await e.unload(); }
  await assert.rejects(e.tokenize('x'), (err) => err instanceof GemwasmError && err.code === 'unloaded');
});

// Text mode, with the repository's default model (it has a tokenizer and a chat template).
const DEFAULT_DIR = path.join(ROOT, 'models', 'default');
const defaultFirst = fs.existsSync(DEFAULT_DIR)
  ? fs.readdirSync(DEFAULT_DIR).filter((f) => /-00001-of-\d{5}\.gguf$/.test(f)).sort()[0] : null;

test('text: generate = CLI --prompt, tokenize round trip, stop strings, chat reuses its prefix, OpenAI shapes',
  { skip: defaultFirst ? false : 'models/default has no split model' }, async () => {
    const model = path.join(DEFAULT_DIR, defaultFirst);
    const prompt = 'And God said';
    const want = cli('native', ['generate', '-m', model, '--prompt', prompt, '-n', '24', '--temp', '0']).replace(/\n$/, '');
    const e = await createEngine({ model, cache: false, variant: 'st' });
    try {
      assert.equal(e.info.hasTokenizer, true);
      let text = '';
      const ids = [];
      for await (const p of e.generate(prompt, { maxTokens: 24, temperature: 0 })) { text += p.text; if (p.tokenId >= 0) ids.push(p.tokenId); }
      assert.equal(text, want);
      const pids = await e.tokenize(prompt);
      assert.equal(pids[0], e.info.bosId);
      assert.equal(await e.detokenize(pids), prompt);
      assert.equal(await e.detokenize(ids), text);
      // a stop string ends the reply before it, and is not returned
      const words = want.trim().split(/\s+/);
      const stopWord = words[Math.min(3, words.length - 1)];
      let stopped = '';
      const s = e.generate(prompt, { maxTokens: 24, temperature: 0, stop: [stopWord] });
      for await (const p of s) stopped += p.text;
      assert.equal(stopped, want.slice(0, want.indexOf(stopWord)));
      assert.equal((await s.done).finishReason, 'stop');
      // same seed, same sampled tokens
      const sampled = async () => { let t = ''; for await (const p of e.generate(prompt, { maxTokens: 12, temperature: 1, seed: 7 })) t += p.text; return t; };
      assert.equal(await sampled(), await sampled());
      // chat: the second turn prefills only what is new
      const turn1 = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Who made the light?' }];
      let reply = '';
      for await (const p of e.chat(turn1, { maxTokens: 8, temperature: 0 })) reply += p.text;
      const first = e.stats();
      const turn2 = [...turn1, { role: 'assistant', content: reply }, { role: 'user', content: 'And the sea?' }];
      for await (const _ of e.chat(turn2, { maxTokens: 4, temperature: 0 })) {}
      const second = e.stats();
      assert.ok(second.reusedTokens >= first.promptTokens, `turn 2 reused ${second.reusedTokens} of ${second.promptTokens} tokens (turn 1 prompt: ${first.promptTokens})`);
      await e.resetChat();
      for await (const _ of e.chat(turn2, { maxTokens: 1, temperature: 0 })) {}
      assert.equal(e.stats().reusedTokens, 0);
      // OpenAI shapes
      const msgs = [{ role: 'user', content: 'Say something.' }];
      const c = await e.chat.completions.create({ messages: msgs, max_tokens: 6, temperature: 0 });
      assert.equal(c.object, 'chat.completion');
      assert.equal(c.choices[0].message.role, 'assistant');
      assert.ok(['stop', 'length'].includes(c.choices[0].finish_reason));
      assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
      const chunks = [];
      for await (const ch of await e.chat.completions.create({ messages: msgs, max_tokens: 6, temperature: 0, stream: true })) chunks.push(ch);
      assert.ok(chunks.every((ch) => ch.object === 'chat.completion.chunk'));
      assert.equal(chunks.map((ch) => ch.choices[0].delta.content || '').join(''), c.choices[0].message.content);
      assert.equal(chunks.at(-1).choices[0].finish_reason, c.choices[0].finish_reason);
    } finally { await e.unload(); }
  });
