// The verifier's service worker (served as /sw.js, scope /): the public pages as an
// installable web app that still answers at a border post with no connection.
//
// It keeps the offline page (/offline and its script) and the trust list
// (/api/v1/issuers) — the list refreshed whenever a page of this origin is opened with a
// connection, each copy stamped with the time it was fetched. A page that cannot be
// loaded (no network, or the verifier unreachable) is answered with the offline page,
// which checks the QR code's signed token in the browser against the saved trust list
// (offline.js). Nothing else is cached: with a connection every answer is the
// verifier's own, fresh.
'use strict';

const CACHE = 'nanotrace-offline-v1';
const SHELL = ['/offline', '/assets/offline.js', '/assets/icon.svg', '/manifest.webmanifest'];
const TRUST_LIST = '/api/v1/issuers';
// The header a saved copy carries: when it was fetched, milliseconds since the epoch.
const FETCHED = 'x-nanotrace-fetched';

// Saves `response` for `path`, stamped with the time it was fetched.
async function save(path, response) {
  const headers = new Headers(response.headers);
  headers.set(FETCHED, String(Date.now()));
  const body = await response.arrayBuffer();
  const cache = await caches.open(CACHE);
  await cache.put(path, new Response(body, { status: response.status, statusText: response.statusText, headers }));
}

// The trust list from the verifier, saved; only a 200 replaces the saved copy (a
// verifier that cannot vouch for its data answers 503, and the older copy stays).
async function fetchTrustList() {
  const response = await fetch(TRUST_LIST, { cache: 'no-store', credentials: 'omit' });
  if (response.ok) await save(TRUST_LIST, response.clone());
  return response;
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL);
    await fetchTrustList().catch(() => null);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === TRUST_LIST) {
    event.respondWith(fetchTrustList().catch(async () => (await caches.match(TRUST_LIST)) || Response.error()));
  } else if (request.mode === 'navigate') {
    event.respondWith(fetch(request).catch(async () => (await caches.match('/offline')) || Response.error()));
  } else if (SHELL.includes(url.pathname)) {
    // The offline page's own files: fresh when the verifier answers (kept), else saved.
    event.respondWith((async () => {
      try {
        const response = await fetch(request);
        if (response.ok) await (await caches.open(CACHE)).put(url.pathname, response.clone());
        return response;
      } catch (e) {
        return (await caches.match(url.pathname)) || Response.error();
      }
    })());
  }
});
