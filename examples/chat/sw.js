// sw.js — the chat demo's service worker: keeps the page, the gemwasm package
// (web/*.js) and the wasm builds (web/dist/*) in a Cache Storage cache so the
// page opens and chats with the network off after the first visit. Model
// weights are NOT cached here: the package keeps them in IndexedDB.
//
// Strategy: network first (so a rebuilt page or wasm shows up at once), the
// cache when the network fails. Registered by app.js with scope "/" (the
// server sends Service-Worker-Allowed: /), so the package's worker and the
// wasm it fetches are covered too; it falls back to its own folder's scope.

const CACHE = 'gemwasm-chat-v1';
const ROOT = new URL('../../', self.location).href; // the site root the page lives under

// Fetched when the worker installs; a missing one (a variant that was not
// built) is skipped. Anything else the page loads is kept as it is fetched.
const PRECACHE = [
  'examples/chat/', 'examples/chat/index.html', 'examples/chat/app.js', 'examples/chat/markdown.js',
  'examples/chat/style.css', 'models/default/manifest.json',
  'web/index.js', 'web/worker.js', 'web/loader.js', 'web/cache-idb.js', 'web/errors.js', 'web/variant.js',
  'web/dist/gemwasm-mt.mjs', 'web/dist/gemwasm-mt.wasm', 'web/dist/gemwasm-mt.worker.js',
  'web/dist/gemwasm-st.mjs', 'web/dist/gemwasm-st.wasm',
  'web/dist/gemwasm-scalar.mjs', 'web/dist/gemwasm-scalar.wasm',
].map((p) => new URL(p, ROOT).href);

// Only the demo, the package and the model list go through this worker; weights
// and other big files never do (and nothing else on the origin is touched).
const KEEP = ['examples/chat/', 'web/', 'models/'].map((p) => new URL(p, ROOT).pathname);
function skip(url, req) {
  if (req.method !== 'GET' || req.headers.has('range')) return true;
  if (url.origin !== self.location.origin) return true;
  if (!KEEP.some((p) => url.pathname.startsWith(p))) return true;
  return /\.(gguf|bin|safetensors)$/i.test(url.pathname);
}

async function put(cache, url, res) {
  if (res && res.ok && res.status === 200 && res.type === 'basic' && !res.redirected) await cache.put(url, res);
}

async function addAll(urls) {
  const cache = await caches.open(CACHE);
  await Promise.allSettled(urls.map(async (u) => {
    const url = new URL(u, self.location);
    if (skip(url, { method: 'GET', headers: new Headers() })) return;
    const res = await fetch(url, { cache: 'no-cache' });
    await put(cache, url.href.split('#')[0], res);
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil(addAll(PRECACHE).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const k of await caches.keys()) if (k.startsWith('gemwasm-chat-') && k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

// The page sends the URLs it loaded before this worker controlled it.
self.addEventListener('message', (event) => {
  const d = event.data;
  if (d && d.type === 'cache-urls' && Array.isArray(d.urls)) event.waitUntil(addAll(d.urls.slice(0, 200)));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (skip(url, req)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const key = url.href.split('#')[0];
    try {
      const res = await fetch(req);
      if (res.ok) event.waitUntil(put(cache, key, res.clone()).catch(() => {}));
      return res;
    } catch (err) {
      const hit = (await cache.match(key)) || (await cache.match(key, { ignoreSearch: true }))
        || (req.mode === 'navigate' && key.startsWith(new URL('examples/chat/', ROOT).href)
          ? await cache.match(new URL('examples/chat/', ROOT).href) : undefined);
      if (hit) return hit;
      throw err;
    }
  })());
});
