// demo.spec.mjs — browser test of the chat demo (examples/chat/) in Debian's
// Chromium through playwright-core (and, first, one turn of the Node terminal
// chat, examples/node/chat.mjs): loads the built-in default model, sends a
// message and sees the reply stream in, presses Stop mid-reply, shows a
// readable error for a bad URL, switches to a second model (the default
// model's Q4_0 conversion, made here with the native converter), deletes it
// from the cache, checks the phone-sized layout, then reloads with the network
// off: the page opens (service worker) and chats (weights from IndexedDB).
// Screenshots go to test-output/ (chat-demo.png after a reply, chat-demo-phone.png).
//
// Run by tests/browser/run.mjs, or alone: node tests/browser/demo.spec.mjs

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const name = 'demo';
export const timeoutMs = 150_000;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_ROOT = path.resolve(HERE, '..', '..');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

function check(cond, msg) { if (!cond) throw new Error(`demo: ${msg}`); }

// The second model: the default model's checkpoint converted to Q4_0 splits
// (tests/fixtures/default-model + build/gemwasm); else a copy of the default
// model's splits under another URL. Returns { dir, files, kind }.
function makeSecondModel(root, tmp, defaultFiles, log) {
  const cliBin = path.join(root, 'build', 'gemwasm');
  const ckpt = path.join(root, 'tests', 'fixtures', 'default-model');
  if (existsSync(cliBin) && existsSync(path.join(ckpt, 'config.json'))) {
    const out = path.join(tmp, 'second', 'demo-second-q4_0.gguf');
    mkdirSync(path.dirname(out), { recursive: true });
    const r = spawnSync(cliBin, ['convert', ckpt, '-o', out, '--type', 'q4_0', '--split-max-size', '4M'], { encoding: 'utf8' });
    const files = existsSync(path.dirname(out)) ? readdirSync(path.dirname(out)).filter((f) => f.endsWith('.gguf')).sort() : [];
    if (r.status === 0 && files.length) return { dir: path.dirname(out), files, kind: 'Q4_0 conversion' };
    log(`demo: converting the second model failed (${(r.stderr || '').trim().split('\n').pop()}); using a copy of the default`);
  }
  return { dir: path.join(root, 'models', 'default'), files: defaultFiles, kind: 'copy of the default model' };
}

export default async function run(ctx = {}) {
  const root = ctx.root || DEFAULT_ROOT;
  const log = ctx.log || ((m) => console.log(m));
  const outDir = ctx.outDir || path.join(root, 'test-output');
  mkdirSync(outDir, { recursive: true });
  const { startServer, serveFile } = await import(pathToFileURL(path.join(root, 'tools', 'serve.mjs')).href);
  const chromium = ctx.chromium || (await import('playwright-core')).chromium;
  const launchOptions = ctx.launchOptions || { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS };

  // The page's Markdown renderer is a pure module: check its safety here, without a browser.
  const { renderMarkdown } = await import(pathToFileURL(path.join(root, 'examples', 'chat', 'markdown.js')).href);
  for (const evil of ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '```\n</code></pre><script>x</script>\n```',
    '`<b>`', '**<i>x</i>**', '> <iframe>', '- <a href="javascript:x">y</a>']) {
    const html = renderMarkdown(evil);
    check(!/<(script|img|iframe|a|i|b)[\s>]/i.test(html), `markdown lets HTML through: ${JSON.stringify(evil)} -> ${html}`);
  }
  const md = renderMarkdown('Some **bold**, *it*, `code`\n\n- one\n- two\n\n```js\nlet x = 1 < 2;\n```');
  check(md === '<p>Some <strong>bold</strong>, <em>it</em>, <code>code</code></p><ul><li>one</li><li>two</li></ul>' +
    '<pre><span class="code-lang">js</span><code class="language-js">let x = 1 &lt; 2;</code></pre>', `markdown output changed: ${md}`);

  const manifest = JSON.parse(readFileSync(path.join(root, 'models', 'default', 'manifest.json'), 'utf8'));
  const def = manifest.models.find((m) => m.default) || manifest.models[0];
  for (const f of def.files) check(existsSync(path.join(root, 'models', 'default', f)), `models/default/${f} (listed in manifest.json) is missing`);

  // The terminal chat (examples/node/chat.mjs) on the same package: one turn, then /quit.
  const nodeChat = spawnSync(process.execPath, [path.join(root, 'examples', 'node', 'chat.mjs'), '--no-cache',
    '--max-tokens', '12', '--seed', '1'], { input: 'Who was David?\n/stats\n/quit\n', encoding: 'utf8', timeout: 60_000 });
  check(nodeChat.status === 0, `examples/node/chat.mjs exited ${nodeChat.status}: ${nodeChat.stderr}`);
  check(/ready: /.test(nodeChat.stderr) && /decode [\d.]+ tok\/s/.test(nodeChat.stderr), `node chat: no ready/stats lines: ${nodeChat.stderr}`);
  check(nodeChat.stdout.trim().length > 0, 'node chat: no reply on stdout');
  log(`  node chat: ${JSON.stringify(nodeChat.stdout.trim().slice(0, 60))}`);

  const tmp = mkdtempSync(path.join(tmpdir(), 'gemwasm-demo-'));
  const second = makeSecondModel(root, tmp, def.files, log);
  const hook = (req, res, file, extra) => {
    const u = new URL(req.url, 'http://x');
    if (u.pathname.startsWith('/test-models/second/')) {
      const f = path.basename(u.pathname);
      serveFile(req, res, second.files.includes(f) ? path.join(second.dir, f) : path.join(tmp, 'none'), extra);
      return true;
    }
    return false;
  };
  const srv = await startServer({ root, port: 0, coi: true, hook });
  const base = srv.url;
  const browser = await chromium.launch(launchOptions);
  const errors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') log(`  [page console] ${m.text()}`); });
    const state = () => page.evaluate(() => document.body.dataset.state);
    const waitState = (s, timeout = 60_000) =>
      page.waitForFunction((want) => document.body.dataset.state === want, s, { timeout });
    const errorText = () => page.evaluate(() => (document.getElementById('error').hidden ? '' : document.getElementById('error-text').textContent));
    const waitReady = async (what, timeout = 60_000) => {
      await page.waitForFunction(() => ['ready', 'empty'].includes(document.body.dataset.state), null, { timeout });
      check((await state()) === 'ready', `${what}: the page shows an error instead of a model: ${await errorText()}`);
    };

    // Watches the last assistant bubble: how many distinct texts it showed.
    const watchReply = () => page.evaluate(() => {
      if (window.__obs) window.__obs.disconnect();
      window.__seen = [];
      const msgs = document.getElementById('messages');
      const obs = new MutationObserver(() => {
        const b = [...msgs.querySelectorAll('.msg.assistant .body')].pop();
        const t = b ? b.textContent : '';
        if (t && window.__seen[window.__seen.length - 1] !== t) window.__seen.push(t);
      });
      obs.observe(msgs, { childList: true, subtree: true, characterData: true });
      window.__obs = obs;
    });
    const seen = () => page.evaluate(() => window.__seen.slice());
    const lastReply = () => page.evaluate(() => {
      const b = [...document.querySelectorAll('.msg.assistant')].pop();
      return b ? { text: b.querySelector('.body').textContent, finish: b.dataset.finish || '' } : null;
    });
    const sendMessage = async (text) => {
      await page.fill('#input', text);
      await page.click('#send');
    };

    // 1. The default model loads by itself on the first visit.
    let t = Date.now();
    await page.goto(`${base}examples/chat/`);
    await waitReady('loading the default model');
    const splitRows = await page.locator('#split-list li').count();
    check(splitRows === def.files.length, `expected ${def.files.length} split progress rows, saw ${splitRows}`);
    const progressText = await page.textContent('#progress-text');
    check(/from the network/.test(progressText), `progress text does not say where the bytes came from: ${progressText}`);
    check((await page.textContent('#model-status')).includes(def.name), 'the status line does not name the default model');
    log(`  default model loaded in ${Date.now() - t} ms: ${progressText}`);

    // 2. A message: the reply streams in (several intermediate texts), stats follow.
    await page.click('#settings-panel summary');
    const wantMode = def.mode === 'complete' ? 'complete' : 'chat';
    check(await page.inputValue('#mode') === wantMode, `the mode is not the manifest's (${wantMode})`);
    await page.fill('#max-tokens', '48');
    await page.fill('#temperature', '0.8');
    await page.fill('#seed', '7');
    await watchReply();
    t = Date.now();
    await sendMessage(wantMode === 'chat' ? 'Who was David?' : 'And it came to pass');
    await waitState('generating', 10_000).catch(() => {});
    await waitState('ready', 60_000);
    const reply = await lastReply();
    const steps = await seen();
    check(reply && reply.text.trim().length > 0 && !/empty reply/.test(reply.text), `no reply text (error: ${await errorText()})`);
    check(steps.length >= 3, `the reply did not stream (saw ${steps.length} distinct texts)`);
    const stats = await page.textContent('#stats');
    check(/prefill [\d.]+ tok\/s/.test(stats) && /decode [\d.]+ tok\/s/.test(stats) && /memory/.test(stats), `stats line missing figures: ${stats}`);
    log(`  reply in ${Date.now() - t} ms, ${steps.length} streamed steps: ${JSON.stringify(reply.text.slice(0, 80))}`);
    log(`  ${stats}`);
    await page.evaluate(() => { document.getElementById('side').scrollTop = 0; });
    await page.screenshot({ path: path.join(outDir, 'chat-demo.png') });

    // 3. Stop mid-reply: long max tokens; the page's own observer presses Stop
    // as soon as the first words are on screen (no round trip to the test).
    await page.fill('#max-tokens', '4000');
    let stopped = false;
    for (let attempt = 0; attempt < 4 && !stopped; attempt++) {
      await page.fill('#seed', String(100 + attempt));
      await watchReply();
      await page.evaluate(() => {
        window.__stopAt = null;
        const msgs = document.getElementById('messages');
        const obs = new MutationObserver(() => {
          const b = [...msgs.querySelectorAll('.msg.assistant.streaming .body')].pop();
          if (b && b.textContent.trim().length >= 8 && document.body.dataset.state === 'generating' && !window.__stopAt) {
            window.__stopAt = { t: performance.now(), len: b.textContent.length };
            document.getElementById('stop').click();
            obs.disconnect();
          }
        });
        obs.observe(msgs, { childList: true, subtree: true, characterData: true });
      });
      await sendMessage(wantMode === 'chat' ? 'Tell me of the kings of Israel.' : 'And it came to pass in those days');
      await waitState('ready', 60_000);
      const r = await lastReply();
      const at = await page.evaluate(() => window.__stopAt && { ...window.__stopAt, dt: performance.now() - window.__stopAt.t });
      if (!at || r.finish !== 'stopped') continue; // it ended by itself before the first words: again
      const len = r.text.length;
      await page.waitForTimeout(400);
      check((await lastReply()).text.length === len, 'text kept arriving after Stop');
      check(/stopped/.test(await page.textContent('#stats')), 'the stats line does not say the reply was stopped');
      check(len < at.len + 200, `the reply went on after Stop (${at.len} chars at the click, ${len} in the end)`);
      log(`  stopped: ${at.len} chars at the click, ${len} in the end`);
      stopped = true;
    }
    check(stopped, 'could not stop a reply mid-way (it always ended by itself)');
    await page.fill('#max-tokens', '48');

    // 4. Clear chat.
    await page.click('#clear');
    await page.waitForFunction(() => document.querySelectorAll('.msg').length === 0, null, { timeout: 5000 });

    // 5. A bad URL gives a readable error, and the page can still load a model.
    await page.fill('#model-url', `${base}test-models/second/no-such-model.gguf`);
    await page.click('#url-form button');
    await page.waitForFunction(() => !document.getElementById('error').hidden, null, { timeout: 30_000 });
    const err404 = await errorText();
    check(/404|not found|HTTP/i.test(err404), `the error for a missing model is not readable: ${err404}`);
    log(`  bad URL -> "${err404}"`);

    // 6. Switch to the second model by URL, chat with it.
    t = Date.now();
    await page.fill('#model-url', `${base}test-models/second/${second.files[0]}`);
    await page.click('#url-form button');
    await waitReady('loading the second model');
    check((await page.textContent('#model-status')).includes(second.files[0]), 'the status line does not name the second model');
    check(await page.isHidden('#error'), 'an error is still shown after a successful load');
    log(`  second model (${second.kind}, ${second.files.length} splits) loaded in ${Date.now() - t} ms`);
    // Chat mode (the model's chat template, the conversation kept), then
    // Continue-text mode (a plain completion). A reply may end at once for a
    // seed: a few are tried (seeded sampling is deterministic).
    await page.selectOption('#mode', 'chat');
    let chatted = '';
    for (let seed = 1; seed <= 3 && !chatted; seed++) {
      await page.fill('#seed', String(seed));
      await sendMessage('Who was Moses?');
      await waitState('ready', 60_000);
      check(await page.isHidden('#error'), `chatting with the second model: ${await errorText()}`);
      if (!/empty reply/.test((await lastReply()).text)) chatted = (await lastReply()).text.trim();
    }
    check(chatted.length > 0, 'the second model gave no chat reply in 3 seeds');
    const hist = await page.evaluate(() => window.gemwasmDemo.history);
    check(hist.length >= 2 && hist[0].role === 'user' && hist[hist.length - 1].role === 'assistant', `chat history not kept: ${JSON.stringify(hist)}`);
    await page.selectOption('#mode', 'complete');
    await watchReply();
    await sendMessage('In the beginning');
    await waitState('ready', 60_000);
    check(((await lastReply()).text || '').trim().length > 0, `no reply from the second model (error: ${await errorText()})`);

    // 7. The cache manager lists both models; delete the second one.
    await page.click('#cache-panel summary');
    await page.click('#cache-refresh');
    const secondUrl = `${base}test-models/second/${second.files[0]}`;
    const rowFor = (u) => page.locator(`#cache-table tbody tr[data-url="${u}"]`);
    await rowFor(secondUrl).waitFor({ timeout: 10_000 }).catch(() => {});
    const rows = await page.locator('#cache-table tbody tr').count();
    check(rows >= 2, `the cache manager lists ${rows} models, expected 2`);
    check(await rowFor(secondUrl).count() === 1, `the second model (${secondUrl}) is not in the cache list`);
    check(/available/.test(await page.textContent('#storage-estimate')), 'no storage estimate shown');
    await rowFor(secondUrl).locator('button.delete').click();
    await rowFor(secondUrl).waitFor({ state: 'detached', timeout: 10_000 });
    check(await page.locator('#cache-table tbody tr').count() === rows - 1, 'deleting removed the wrong number of rows');
    log(`  cache: ${rows} models listed, the second deleted`);

    // 7b. Local files (the file picker; dropping files takes the same path).
    t = Date.now();
    await page.setInputFiles('#model-file', def.files.map((f) => path.join(root, 'models', 'default', f)));
    await waitReady('loading local files');
    const fileText = await page.textContent('#progress-text');
    check(/from a local file/.test(fileText), `local files not reported as such: ${fileText}`);
    check((await page.textContent('#model-status')).includes(def.files[0]), 'the status line does not name the local file');
    log(`  local files loaded in ${Date.now() - t} ms`);

    // 8. Phone-sized viewport: nothing wider than the screen, composer in view.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    const layout = await page.evaluate(() => {
      const c = document.getElementById('composer').getBoundingClientRect();
      return { scrollWidth: document.documentElement.scrollWidth, composerBottom: c.bottom, composerTop: c.top, h: innerHeight };
    });
    check(layout.scrollWidth <= 390, `the page is ${layout.scrollWidth}px wide on a 390px screen`);
    check(layout.composerBottom <= layout.h + 1 && layout.composerTop > 0, 'the message box is not on screen at 390x844');
    await page.screenshot({ path: path.join(outDir, 'chat-demo-phone.png') });
    await page.setViewportSize({ width: 1280, height: 860 });

    // 9. Network off: the page still opens (service worker) and chats (IndexedDB).
    const controlled = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return !!reg.active;
    });
    check(controlled, 'no active service worker');
    await context.setOffline(true);
    t = Date.now();
    await page.reload();
    await waitReady('loading the default model offline');
    check(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the offline page is not served by the service worker');
    const offText = await page.textContent('#progress-text');
    check(/from the cache/.test(offText) && !/from the network/.test(offText), `offline load did not come from the cache: ${offText}`);
    await watchReply();
    await sendMessage('And God said');
    await waitState('ready', 60_000);
    check(((await lastReply()).text || '').trim().length > 0, `no reply offline (error: ${await errorText()})`);
    log(`  offline: page + model from the caches in ${Date.now() - t} ms, reply ok`);
    check(errors.length === 0, `page errors: ${errors.join(' | ')}`);
    await context.close();
  } finally {
    await browser.close().catch(() => {});
    await srv.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// Alone: node tests/browser/demo.spec.mjs
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  run().then(
    () => { console.log(`demo: 1 passed, 0 failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`); },
    (e) => { console.error(e); console.log('demo: 0 passed, 1 failed'); process.exit(1); },
  );
}
