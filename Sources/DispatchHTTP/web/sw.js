// The technician page's service worker: the page and its files from the cache when offline
// (refreshed whenever the network answers), the day's agenda from the network when it can and
// else the last copy, marked so the page says it is offline. Reports are never cached: the page
// queues them itself (IndexedDB) and sends them when back online.
const CACHE = "fielddispatch-t-1";
const SHELL = ["/t/", "/t/app.js", "/t/app.css", "/t/manifest.webmanifest", "/t/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()));
});

async function networkFirst(request, mark) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: false });
    if (!cached) throw error;
    if (!mark) return cached;
    const headers = new Headers(cached.headers);
    headers.set("X-FieldDispatch-Offline", "1");
    return new Response(await cached.blob(), { status: cached.status, headers });
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname === "/v1/me/agenda") event.respondWith(networkFirst(event.request, true));
  else if (SHELL.includes(url.pathname)) event.respondWith(networkFirst(event.request, false));
});
