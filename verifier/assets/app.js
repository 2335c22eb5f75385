// Every public page's script (served as /assets/app.js): installs the service worker
// (/sw.js) that lets the pages answer without a connection, and refreshes the trust list
// and the status lists it keeps for that when a copy is more than a minute old (fetching
// the status index through the worker fetches every list it names). Without
// service workers (an old browser, a non-secure origin) the pages work as before, online
// only.
(() => {
  'use strict';
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  const REFRESH_MS = 60 * 1000;
  navigator.serviceWorker
    .register('/sw.js', { scope: '/' })
    .then(() => navigator.serviceWorker.ready)
    .then(() => Promise.all(['/api/v1/issuers', '/api/v1/status'].map(
      (path) => caches.match(path).then((saved) => {
        const fetched = saved ? Number(saved.headers.get('x-nanotrace-fetched')) : 0;
        // Through the worker, which saves a 200.
        if (Date.now() - fetched > REFRESH_MS) return fetch(path, { credentials: 'omit' }).catch(() => null);
        return null;
      }),
    )))
    .catch(() => null);
})();
