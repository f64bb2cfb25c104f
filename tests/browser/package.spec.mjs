// package.spec.mjs — browser tests of the JS package (web/index.js) in
// Debian's Chromium through playwright-core, on tests/browser/package-page.html
// served by tools/serve.mjs: the first load downloads a split model (the
// gemma3-tiny fixture converted with --split-max-size 40K) and caches it in
// IndexedDB; a second page load with the model URLs blocked loads from
// IndexedDB alone and generates the same tokens (= the native CLI's greedy
// tokens); a split tampered with in IndexedDB is refetched, never used; a
// model given as File/Blob objects loads; a storage quota too small rejects
// with a 'quota' error; a timer on the page keeps firing while tokens are generated; the
// threaded build is picked under COOP/COEP and the single-threaded one on a
// second origin without those headers. The memory test (a synthetic
// gemma-2b-shaped Q4_0 split model) is in memory.spec.mjs.
//
// Run by tests/browser/run.mjs, or alone: node tests/browser/package.spec.mjs
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const name = 'package';
export const timeoutMs = 90_000;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_ROOT = path.resolve(HERE, '..', '..');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

function check(cond, msg) { if (!cond) throw new Error(`package: ${msg}`); }
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function nativeCli(root) {
  return process.env.GEMWASM_NATIVE_CLI || path.join(root, 'build', 'gemwasm');
}

export default async function run(ctx = {}) {
  const root = ctx.root || DEFAULT_ROOT;
  const log = ctx.log || ((m) => console.log(m));
  const { startServer, serveFile } = await import(path.join(root, 'tools', 'serve.mjs'));
  const chromium = ctx.chromium || (await import('playwright-core')).chromium;
  const launchOptions = ctx.launchOptions || { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS };
  for (const v of ['mt', 'st']) check(existsSync(path.join(root, 'web', 'dist', `gemwasm-${v}.mjs`)), `web/dist/gemwasm-${v}.mjs missing: build the wasm first`);

  const fixture = path.join(root, 'tests', 'fixtures', 'hf-tiny', 'gemma3-tiny');
  const ref = JSON.parse(readFileSync(path.join(fixture, 'reference.json'), 'utf8'));
  const prompt = ref.greedy_prompt, n = ref.greedy_new_tokens.length;
  const tmp = mkdtempSync(path.join(tmpdir(), 'gemwasm-browser-'));
  const cliBin = nativeCli(root);
  execFileSync(cliBin, ['convert', fixture, '-o', path.join(tmp, 'tiny.gguf'), '--split-max-size', '40K'], { encoding: 'utf8' });
  const files = readdirSync(tmp).filter((f) => f.endsWith('.gguf')).sort();
  const expected = execFileSync(cliBin, ['generate', '-m', path.join(tmp, files[0]), '--ids', prompt.join(','), '-n', String(n)],
    { encoding: 'utf8' }).trim().split(',').map(Number);

  const modelHits = [];
  const hook = (req, res, file, extra) => {
    const u = new URL(req.url, 'http://x');
    if (!u.pathname.startsWith('/test-model/')) return false;
    const f = path.basename(u.pathname);
    modelHits.push(f);
    serveFile(req, res, files.includes(f) ? path.join(tmp, f) : path.join(tmp, 'missing'), extra);
    return true;
  };
  const coi = await startServer({ root, port: 0, coi: true, hook });
  const plain = await startServer({ root, port: 0, coi: false, hook });
  const browser = await chromium.launch(launchOptions);
  const results = [];
  try {
    const context = await browser.newContext();
    const open = async (srv) => {
      const page = await context.newPage();
      page.on('pageerror', (e) => log(`page error: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') log(`console: ${m.text()}`); });
      await page.goto(srv.url + 'tests/browser/package-page.html');
      await page.waitForFunction(() => window.gwReady === true);
      return page;
    };
    const modelUrl = (srv) => srv.url + 'test-model/' + files[0];

    // 1. first load: downloads every split, caches it, picks the threaded build
    let page = await open(coi);
    check(await page.evaluate(() => window.gw.crossOriginIsolated), 'the COOP/COEP page is not cross-origin isolated');
    let r = await page.evaluate((u) => window.gw.load(u), modelUrl(coi));
    check(r.ok, `first load failed: ${r.code} ${r.message}`);
    check(r.splits.length === files.length && r.splits.every((s) => s.source === 'network'), 'first load: not every split came from the network');
    check(r.lastProgress && r.lastProgress.loaded === r.lastProgress.total && r.lastProgress.total > 0, 'progress did not reach the total');
    check(r.stats.variant === 'mt', `COOP/COEP page runs ${r.stats.variant}, expected mt`);
    let got = await page.evaluate(([ids, k]) => window.gw.greedy(ids, k), [prompt, n]);
    check(same(got, expected), `first load tokens ${got} != CLI ${expected}`);
    results.push('first load: downloaded + cached, threaded (mt) build, tokens = CLI');

    // 2. the main thread stays responsive while tokens are generated
    const resp = await page.evaluate(([ids]) => window.gw.responsiveness(ids, 300), [prompt]);
    check(resp.tokens === 300, `generated ${resp.tokens} tokens`);
    check(resp.maxGap < 250, `a 10 ms timer on the page stalled for ${resp.maxGap.toFixed(0)} ms during generation`);
    results.push(`responsive: ${resp.tokens} tokens in ${resp.ms.toFixed(0)} ms, timer fired ${resp.ticks}x, max gap ${resp.maxGap.toFixed(0)} ms`);
    const listed = await page.evaluate(() => window.gw.list());
    check(listed.length === 1 && listed[0].splits.length === files.length, `listCachedModels: ${JSON.stringify(listed).slice(0, 200)}`);
    await page.evaluate(() => window.gw.unload());
    await page.close();

    // 3. a second page load with the model URLs blocked: IndexedDB alone
    page = await open(coi);
    await page.route('**/test-model/**', (route) => route.abort('internetdisconnected'));
    modelHits.length = 0;
    r = await page.evaluate((u) => window.gw.load(u), modelUrl(coi));
    check(r.ok, `offline load failed: ${r.code} ${r.message}`);
    check(r.splits.every((s) => s.source === 'cache'), 'offline load: not every split came from IndexedDB');
    check(modelHits.length === 0, `offline load reached the server: ${modelHits}`);
    got = await page.evaluate(([ids, k]) => window.gw.greedy(ids, k), [prompt, n]);
    check(same(got, expected), `offline tokens ${got} != ${expected}`);
    results.push('second load, model URLs blocked: every split from IndexedDB, same tokens');
    await page.evaluate(() => window.gw.unload());
    // a model that is neither cached nor reachable: a typed network error
    const bad = await page.evaluate((u) => window.gw.load(u), coi.url + 'test-model/other-00001-of-00002.gguf');
    check(!bad.ok && bad.name === 'GemwasmError' && bad.code === 'network', `blocked uncached model: ${JSON.stringify(bad)}`);
    await page.close();

    // 3b. a tampered split in IndexedDB is refetched, never used
    page = await open(coi);
    const victim = coi.url + 'test-model/' + files[2];
    await page.evaluate((u) => window.gw.tamper(u), victim);
    modelHits.length = 0;
    r = await page.evaluate((u) => window.gw.load(u), modelUrl(coi));
    check(r.ok, `load after tampering failed: ${r.code} ${r.message}`);
    const bySource = r.splits.filter((s) => s.source === 'network').map((s) => s.name);
    check(same(bySource, [victim]) && same(modelHits, [files[2]]), `after tampering: refetched ${bySource}, server saw ${modelHits}`);
    got = await page.evaluate(([ids, k]) => window.gw.greedy(ids, k), [prompt, n]);
    check(same(got, expected), `tokens after tampering ${got} != ${expected}`);
    results.push('a tampered split in IndexedDB: refetched (only that one), same tokens');
    await page.evaluate(() => window.gw.unload());
    await page.close();

    // 4. without COOP/COEP: the single-threaded build
    page = await open(plain);
    check(!(await page.evaluate(() => window.gw.crossOriginIsolated)), 'the plain page is cross-origin isolated');
    r = await page.evaluate((u) => window.gw.load(u, { cache: false }), modelUrl(plain));
    check(r.ok, `plain load failed: ${r.code} ${r.message}`);
    check(r.stats.variant === 'st', `page without COOP/COEP runs ${r.stats.variant}, expected st`);
    got = await page.evaluate(([ids, k]) => window.gw.greedy(ids, k), [prompt, n]);
    check(same(got, expected), `st tokens ${got} != ${expected}`);
    results.push('no COOP/COEP: single-threaded (st) build, same tokens');
    await page.evaluate(() => window.gw.unload());
    r = await page.evaluate((urls) => window.gw.loadBlobs(urls), files.map((f) => plain.url + 'test-model/' + f));
    check(r.ok && r.splits.every((s) => s.source === 'file'), `load from Blobs: ${JSON.stringify(r).slice(0, 300)}`);
    got = await page.evaluate(([ids, k]) => window.gw.greedy(ids, k), [prompt, n]);
    check(same(got, expected), `Blob tokens ${got} != ${expected}`);
    results.push('model given as File/Blob list (drag-and-drop): same tokens');
    await page.evaluate(() => window.gw.unload());
    // a storage quota too small for the model: a clear 'quota' error, nothing cached
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: plain.url.replace(/\/$/, ''), quotaSize: 200_000 });
    const q = await page.evaluate((u) => window.gw.load(u), modelUrl(plain));
    check(!q.ok && q.code === 'quota' && /quota/.test(q.message), `small quota: ${JSON.stringify(q)}`);
    // splits stored before the refusal stay, whole (the next load resumes from them)
    for (const m of await page.evaluate(() => window.gw.list()))
      for (const sp of m.splits) check(sp.size === statSync(path.join(tmp, path.basename(new URL(sp.url).pathname))).size, `partial split cached: ${sp.url}`);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: plain.url.replace(/\/$/, '') });
    results.push(`small storage quota: rejected with 'quota' (${q.message.slice(0, 90)}...)`);
    const http404 = await page.evaluate((u) => window.gw.load(u, { cache: false }), plain.url + 'test-model/nope.gguf');
    check(!http404.ok && http404.code === 'http', `404: ${JSON.stringify(http404)}`);
    await page.close();
    await context.close();
  } finally {
    await browser.close();
    await coi.close();
    await plain.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const line of results) log(`  ${line}`);
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  run().then(() => console.log('package: passed'), (e) => { console.error(e); process.exit(1); });
}
