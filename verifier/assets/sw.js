// The verifier's service worker (served as /sw.js, scope /): the public pages as an
// installable web app that still answers at a border post with no connection.
//
// It keeps the offline page (/offline and its script), the trust list (/api/v1/issuers)
// and the revocation and suspension status lists (/api/v1/status/…/N, every list the
// index /api/v1/status names) — refreshed whenever a page of this origin is opened with a
// connection, each copy stamped with the time it was fetched. A page that cannot be loaded (no network, or the verifier
// unreachable) is answered with the offline page, which checks the QR code's signed token
// in the browser against the saved trust list and reads its bits in the saved status
// lists (offline.js). Nothing else is cached: with a connection every answer is the
// verifier's own, fresh.
'use strict';

const CACHE = 'nanotrace-offline-v1';
const SHELL = ['/offline', '/assets/offline.js', '/assets/icon.svg', '/manifest.webmanifest'];
const TRUST_LIST = '/api/v1/issuers';
// The status lists there are; fetching it fetches each of them.
const STATUS_INDEX = '/api/v1/status';
// A status list's path (lists are numbered from 0, at most 4,096 of each purpose).
const STATUS_LIST = /^\/api\/v1\/status\/(revocation|suspension)\/(0|[1-9][0-9]{0,3})$/;
// What is saved from the verifier's answers (a 200 only) and refreshed with a connection.
const DATA = [TRUST_LIST, STATUS_INDEX];
const isData = (path) => DATA.includes(path) || STATUS_LIST.test(path);
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

// The trust list or a status list (`path`) from the verifier, saved; only a 200
// replaces the saved copy (a verifier that cannot vouch for its data answers 503, and the
// older copy stays; one without status lists answers 404, and none is saved).
async function fetchData(path) {
  const response = await fetch(path, { cache: 'no-store', credentials: 'omit' });
  if (response.ok) {
    await save(path, response.clone());
    if (path === STATUS_INDEX) await fetchLists(await response.clone().json());
  }
  return response;
}

// Every status list the status index (`index`) names, fetched and saved.
async function fetchLists(index) {
  const purposes = Array.isArray(index.purposes) ? index.purposes : [];
  const lists = Array.isArray(index.lists) ? index.lists : [];
  const paths = purposes.flatMap((purpose) => lists.map((list) => `/api/v1/status/${purpose}/${list}`));
  await Promise.all(paths.filter((path) => STATUS_LIST.test(path)).map((path) => fetchData(path).catch(() => null)));
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL);
    await Promise.all(DATA.map((path) => fetchData(path).catch(() => null)));
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
  if (isData(url.pathname) && url.search === '') {
    const path = url.pathname;
    event.respondWith(fetchData(path).catch(async () => (await caches.match(path)) || Response.error()));
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
