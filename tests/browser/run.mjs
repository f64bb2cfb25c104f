#!/usr/bin/env node
// run.mjs — runs every tests/browser/*.spec.mjs in Debian's Chromium
// (playwright-core, /usr/bin/chromium) and exits non-zero when one fails.
// A spec exports `default async function run(ctx)` (ctx: root, log, outDir,
// chromium, launchOptions), optionally `name` and `timeoutMs`, and throws on
// failure. Usage: node tests/browser/run.mjs [substring of spec names...]
import { readdirSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

const only = process.argv.slice(2);
const specs = readdirSync(HERE).filter((f) => f.endsWith('.spec.mjs')).sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const { chromium } = await import('playwright-core');
const outDir = path.join(ROOT, 'test-output');
mkdirSync(outDir, { recursive: true });

let passed = 0, failed = 0;
const t00 = Date.now();
for (const f of specs) {
  const mod = await import(pathToFileURL(path.join(HERE, f)).href);
  const name = mod.name || f;
  const limit = mod.timeoutMs || 120_000;
  const t0 = Date.now();
  console.log(`# ${name} (${f})`);
  let timer;
  try {
    await Promise.race([
      mod.default({ root: ROOT, outDir, chromium, log: (m) => console.log(m),
        launchOptions: { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS } }),
      new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out after ${limit} ms`)), limit); }),
    ]);
    passed++;
    console.log(`ok ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    console.log(`not ok ${name}: ${e && e.stack ? e.stack : e}`);
  } finally {
    clearTimeout(timer);
  }
}
console.log(`browser: ${passed} passed, ${failed} failed (${((Date.now() - t00) / 1000).toFixed(1)} s)`);
process.exit(failed || specs.length === 0 ? 1 : 0);
