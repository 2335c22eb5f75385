// The offline page's script (served as /assets/offline.js): what the verifier's service
// worker shows for a page it cannot load. For a scanned QR code — a verification URL
// /c/NT-…?t=TOKEN — it checks the token in the browser: the certifier's Ed25519 signature
// (WebCrypto) against the trust list the worker saved, the key in force when it signed,
// the certificate's validity. It never says VALID: a token proves a certificate was
// issued and until when, not that it was not revoked or suspended since, and this
// token carries no position in the status lists. It says when the saved trust list was
// fetched, and gives no answer from one older than the verifier's maximum staleness.
// Its words are the page's (#words); everything is put into the page as text.
(() => {
  'use strict';
  const root = document.getElementById('offline');
  const words = JSON.parse(document.getElementById('words').textContent);
  const w = (id, values = {}) =>
    (words[id] || id).replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
  const maxStalenessMs = Number(root.dataset.maxStaleness) * 1000;
  const TOKEN_BYTES = 133;

  const utc = (ms) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const day = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);

  // Shows the outcome: `look` is a verdict's CSS class (v-unverifiable, v-expired,
  // v-revoked), `word` a message ID, `rows` [label message ID, value] pairs.
  const show = (look, word, headline, reason, caveat, rows = []) => {
    root.className = `verdict ${look}`;
    root.dataset.outcome = word;
    document.getElementById('o-word').textContent = w(word);
    document.getElementById('o-headline').textContent = headline;
    document.getElementById('o-reason').textContent = reason;
    const note = document.getElementById('o-caveat');
    note.hidden = !caveat;
    note.textContent = caveat || '';
    const list = document.getElementById('o-rows');
    list.textContent = '';
    for (const [label, value] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = w(label);
      const dd = document.createElement('dd');
      dd.textContent = value;
      list.append(dt, dd);
    }
    document.getElementById('o-details').hidden = rows.length === 0;
  };
  const refuse = (reason) => show('v-revoked', 'offline-word-not-genuine', w('offline-not-genuine'), reason, null);
  const cannot = (reason) => show('v-unverifiable', 'verdict-UNVERIFIABLE', w('offline-cannot'), reason, null);

  const base64url = (text) => {
    const s = text.replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(s + '='.repeat((4 - (s.length % 4)) % 4)), (c) => c.charCodeAt(0));
  };
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const fromHex = (text) => Uint8Array.from(text.match(/[0-9a-f]{2}/g) || [], (h) => parseInt(h, 16));
  const int64 = (bytes, at) => Number(new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigInt64(0));

  // The token's layout, version 1 (nanotrace_model::token).
  const decode = (text) => {
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(text)) throw new Error('not base64url');
    const bytes = base64url(text);
    if (bytes.length !== TOKEN_BYTES) throw new Error(`${bytes.length} bytes`);
    if (bytes[0] !== 1) throw new Error(`version ${bytes[0]}`);
    return {
      id: `NT-${String.fromCharCode(...bytes.slice(1, 13))}`,
      digest: hex(bytes.slice(13, 45)),
      keyId: `ik-${hex(bytes.slice(45, 53))}`,
      issuedAt: int64(bytes, 53),
      validUntil: int64(bytes, 61),
      signature: bytes.slice(69, 133),
    };
  };

  const check = async () => {
    const path = location.pathname.match(/^\/c\/(NT-[A-Z2-7]{12})$/);
    const token = new URLSearchParams(location.search).get('t');
    if (!path || !token) return cannot(w('offline-no-token'));
    const saved = window.caches ? await caches.match('/api/v1/issuers') : null;
    if (!saved) return cannot(w('offline-no-data'));
    const fetched = Number(saved.headers.get('x-nanotrace-fetched'));
    if (!(fetched > 0) || Date.now() - fetched > maxStalenessMs) {
      return cannot(w('offline-stale', { time: fetched > 0 ? utc(fetched) : '?' }));
    }
    let t;
    try {
      t = decode(token);
    } catch (e) {
      return refuse(w('offline-unreadable'));
    }
    if (t.id !== path[1]) return refuse(w('offline-other-certificate', { id: t.id }));
    const trustList = await saved.json();
    const key = Array.isArray(trustList) ? trustList.find((k) => k.key_id === t.keyId) : null;
    if (!key) return refuse(w('offline-unknown-key', { key: t.keyId }));
    // A key retired later still vouches for what it signed while it was in force.
    const inForceThen = key.valid_from <= t.issuedAt && t.issuedAt <= key.valid_until
      && (key.retired_at === undefined || key.retired_at === null || t.issuedAt < key.retired_at);
    if (!inForceThen) return refuse(w('offline-key-not-valid', { key: t.keyId }));
    const message = new TextEncoder().encode(
      `nanotrace/certificate/v1\n${t.id}\n${t.digest}\n${t.keyId}\n${t.issuedAt}\n${t.validUntil}`,
    );
    let genuine;
    try {
      const publicKey = await crypto.subtle.importKey('raw', fromHex(key.public_key), { name: 'Ed25519' }, false, ['verify']);
      genuine = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, t.signature, message);
    } catch (e) {
      return cannot(w('offline-no-crypto', { message: e.message }));
    }
    if (!genuine) return refuse(w('offline-bad-signature'));
    const issuer = (key.holder && (key.holder.name || key.holder.msp_id)) || '?';
    const rows = [
      ['fresh-certificate', t.id],
      ['row-issuer', issuer],
      ['row-issuer-key', t.keyId],
      ['row-issued', day(t.issuedAt)],
      ['row-valid-until', day(t.validUntil)],
    ];
    const caveat = w('offline-caveat', { time: utc(fetched) });
    if (Date.now() / 1000 > t.validUntil) {
      return show('v-expired', 'verdict-EXPIRED', w('headline-EXPIRED'), w('offline-expired', { date: day(t.validUntil) }), caveat, rows);
    }
    return show('v-unverifiable', 'offline-word-genuine', w('offline-genuine'), w('offline-genuine-reason', { issuer }), caveat, rows);
  };

  check().catch((e) => cannot(w('offline-no-crypto', { message: e.message })));
})();
