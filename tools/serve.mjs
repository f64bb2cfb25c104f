#!/usr/bin/env node
// serve.mjs — a small static file server for gemwasm pages and tests.
// It serves the repository root (so /examples/chat/, /web/ and /models/
// resolve), sends the cross-origin isolation headers (COOP: same-origin,
// COEP: require-corp) that the threaded wasm build needs, answers Range
// requests, lets the chat page's service worker control the whole origin
// (Service-Worker-Allowed), and can be used from code (tests add hooks).
//
//   node tools/serve.mjs [--port 8080] [--host 127.0.0.1] [--root DIR]
//                        [--no-isolation] [--verbose]
//   (npm start does the same; --no-coi is an alias of --no-isolation)
//
// From code:
//   const srv = await startServer({ root, port: 0, coi: true, hook });
//   srv.url  // "http://127.0.0.1:PORT/"
//   await srv.close();
// hook(req, res, filePath) may answer the request itself and return true.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository root: the default folder served.
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8', '.ts': 'text/plain; charset=utf-8',
};

function isolationHeaders(coi) {
  const h = { 'Cross-Origin-Resource-Policy': 'same-origin' };
  if (coi) {
    h['Cross-Origin-Opener-Policy'] = 'same-origin';
    h['Cross-Origin-Embedder-Policy'] = 'require-corp';
  }
  return h;
}

// Parse "bytes=a-b" against a file of size; returns [start, end] (inclusive) or null.
function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header || '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start, end;
  if (m[1] === '') { start = Math.max(0, size - Number(m[2])); end = size - 1; }
  else { start = Number(m[1]); end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1); }
  if (start > end || start >= size) return 'unsatisfiable';
  return [start, end];
}

export function serveFile(req, res, file, extraHeaders = {}) {
  // A service worker may claim a scope above its own folder only with this.
  if (path.basename(file) === 'sw.js') extraHeaders = { ...extraHeaders, 'Service-Worker-Allowed': '/' };
  let st;
  try { st = fs.statSync(file); } catch { st = null; }
  if (!st || !st.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain', ...extraHeaders });
    res.end('not found');
    return;
  }
  const headers = {
    'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
    'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache',
    'Last-Modified': st.mtime.toUTCString(), ...extraHeaders,
  };
  const range = req.headers.range ? parseRange(req.headers.range, st.size) : null;
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${st.size}` });
    res.end();
    return;
  }
  let start = 0, end = st.size - 1, status = 200;
  if (range) { [start, end] = range; status = 206; headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`; }
  headers['Content-Length'] = String(st.size === 0 ? 0 : end - start + 1);
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || st.size === 0) { res.end(); return; }
  fs.createReadStream(file, { start, end }).pipe(res);
}

export function startServer({ root = REPO_ROOT, port = 0, host = '127.0.0.1', coi = true, hook = null, quiet = true } = {}) {
  const rootAbs = path.resolve(root);
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      let rel = decodeURIComponent(url.pathname);
      // The site root has no page of its own: send visitors to the chat demo.
      if (rel === '/' && !fs.existsSync(path.join(rootAbs, 'index.html'))
          && fs.existsSync(path.join(rootAbs, 'examples', 'chat', 'index.html'))) {
        res.writeHead(302, { Location: '/examples/chat/' });
        res.end();
        return;
      }
      // A folder asked for without its slash: redirect, so relative URLs work.
      if (!rel.endsWith('/') && !path.extname(rel)) {
        const dir = path.join(rootAbs, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
        if (dir.startsWith(rootAbs) && fs.existsSync(path.join(dir, 'index.html'))) {
          res.writeHead(301, { Location: rel + '/' + url.search });
          res.end();
          return;
        }
      }
      if (rel.endsWith('/')) rel += 'index.html';
      const file = path.join(rootAbs, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
      if (!file.startsWith(rootAbs)) { res.writeHead(403); res.end(); return; }
      const extra = isolationHeaders(coi);
      if (!quiet) console.log(req.method, req.url);
      if (hook && (await hook(req, res, file, extra))) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, extra); res.end(); return; }
      serveFile(req, res, file, extra);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    }
  });
  // Keep track of sockets so close() does not wait for idle keep-alives.
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      resolve({
        server, port: a.port, url: `http://${host}:${a.port}/`,
        close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
      });
    });
  });
}

// Command line.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const opt = { root: REPO_ROOT, port: 8080, host: '127.0.0.1', coi: true, quiet: true };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--root') opt.root = args[++i];
    else if (a === '--port') opt.port = Number(args[++i]);
    else if (a === '--host') opt.host = args[++i];
    else if (a === '--no-isolation' || a === '--no-coi') opt.coi = false;
    else if (a === '--quiet') opt.quiet = true;
    else if (a === '--verbose' || a === '-v') opt.quiet = false;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node tools/serve.mjs [--port N] [--host H] [--root DIR] [--no-isolation] [--verbose]\n' +
        '  serves the repository root (default) with COOP/COEP headers; --no-isolation leaves them out\n' +
        '  (the page then runs the single-threaded build); --verbose logs each request.');
      process.exit(0);
    } else { console.error(`serve.mjs: unknown option ${a} (try --help)`); process.exit(2); }
  }
  if (!Number.isInteger(opt.port) || opt.port < 0 || opt.port > 65535) {
    console.error('serve.mjs: --port needs a number from 0 to 65535');
    process.exit(2);
  }
  let srv;
  try {
    srv = await startServer(opt);
  } catch (e) {
    console.error(`serve.mjs: cannot listen on ${opt.host}:${opt.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (try --port N)' : e.message}`);
    process.exit(1);
  }
  const shown = opt.host === '127.0.0.1' || opt.host === '0.0.0.0' || opt.host === '::' ? 'localhost' : opt.host;
  const base = `http://${shown}:${srv.port}/`;
  console.log(`gemwasm: serving ${path.resolve(opt.root)} at ${base}` +
    (opt.coi ? ' (COOP/COEP: cross-origin isolated, threaded build)' : ' (no COOP/COEP: single-threaded build)'));
  if (fs.existsSync(path.join(path.resolve(opt.root), 'examples', 'chat', 'index.html')))
    console.log(`gemwasm: chat demo: ${base}examples/chat/   (Ctrl-C to stop)`);
}
