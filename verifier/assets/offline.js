// The offline page's script (served as /assets/offline.js): what the verifier's service
// worker shows for a page it cannot load. For a scanned QR code — a verification URL
// /c/NT-…?t=TOKEN — it checks the token in the browser: the certifier's Ed25519 signature
// (WebCrypto) against the trust list the worker saved, the key in force when it signed,
// the certificate's validity. A token of layout 3 also carries the certificate's position
// in the status lists, which the same signature covers (layout 2: with a signature of its
// own by the same key): its bits in the revocation and suspension
// lists the worker saved give REVOKED, SUSPENDED, or "valid offline" with the time of the
// data (a revocation after it cannot be seen). It never says plain VALID. A token of
// layout 1 is never a pass: it carries nothing a certificate's public record does not
// (anyone can make one for any issued certificate, or cut a revoked label's layout-2 token
// down to it), so it gives UNVERIFIABLE, "cannot show a revocation offline: check with a
// connection", with what its signature says. A token with a position but no saved lists gives
// "authentic label": issued, but whether it is still in force cannot be seen. It says when
// the saved data was fetched, and gives no answer from data older than the verifier's
// maximum staleness.
// Its words are the page's (#words); everything is put into the page as text.
(() => {
  'use strict';
  const root = document.getElementById('offline');
  const words = JSON.parse(document.getElementById('words').textContent);
  const w = (id, values = {}) =>
    (words[id] || id).replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
  const maxStalenessMs = Number(root.dataset.maxStaleness) * 1000;
  // How far a certifier's issued_at may lie after its transaction (the contract's bound).
  const clockSkew = Number(root.dataset.clockSkew);
  // The token's layouts (layout byte → length in bytes) and longest text, and the
  // positions in each status list, as the page gives them (nanotrace_model::token and
  // ::status::LIST_SIZE): a position is its list's number times LIST_SIZE, plus its
  // index there.
  const TOKEN_LENGTHS = JSON.parse(root.dataset.tokenLengths);
  const TOKEN_TEXT = new RegExp(`^[A-Za-z0-9_-]{1,${Number(root.dataset.maxTokenChars)}}$`);
  const LIST_SIZE = Number(root.dataset.listSize);
  const FETCHED = 'x-nanotrace-fetched';

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

  // The token's layouts 1, 2 and 3 (nanotrace_model::token).
  const decode = (text) => {
    if (!TOKEN_TEXT.test(text)) throw new Error('not base64url');
    const bytes = base64url(text);
    const length = TOKEN_LENGTHS[bytes[0]];
    if (!length) throw new Error(`version ${bytes[0]}`);
    if (bytes.length !== length) throw new Error(`${bytes.length} bytes`);
    const withPosition = bytes[0] !== 1;
    return {
      id: `NT-${String.fromCharCode(...bytes.slice(1, 13))}`,
      digest: hex(bytes.slice(13, 45)),
      keyId: `ik-${hex(bytes.slice(45, 53))}`,
      issuedAt: int64(bytes, 53),
      validUntil: int64(bytes, 61),
      signature: bytes.slice(69, 133),
      position: withPosition ? new DataView(bytes.buffer, bytes.byteOffset + 133, 4).getUint32(0) : null,
      positionSignature: bytes[0] === 2 ? bytes.slice(137, 201) : null,
    };
  };

  // The certificate's bit in the saved status list of `purpose` its position is in, with
  // when the list was fetched; null when that list is not saved (a verifier without status
  // lists, or a list opened after the lists were saved).
  const statusBit = async (purpose, globalPosition) => {
    const number = Math.floor(globalPosition / LIST_SIZE);
    const position = globalPosition % LIST_SIZE;
    const saved = await caches.match(`/api/v1/status/${purpose}/${number}`);
    if (!saved) return null;
    const fetched = Number(saved.headers.get(FETCHED));
    const list = await saved.json();
    const encoded = list && list.credentialSubject && list.credentialSubject.encodedList;
    if (typeof encoded !== 'string' || encoded[0] !== 'u') throw new Error(`the saved ${purpose} list is malformed`);
    const gzip = new Blob([base64url(encoded.slice(1))]).stream().pipeThrough(new DecompressionStream('gzip'));
    const bits = new Uint8Array(await new Response(gzip).arrayBuffer());
    if (position >= bits.length * 8) throw new Error(`position ${position} is outside the saved ${purpose} list`);
    return { set: (bits[position >> 3] & (0x80 >> (position & 7))) !== 0, fetched };
  };

  const check = async () => {
    const path = location.pathname.match(/^\/c\/(NT-[A-Z2-7]{12})$/);
    const token = new URLSearchParams(location.search).get('t');
    if (!path || !token) return cannot(w('offline-no-token'));
    const saved = window.caches ? await caches.match('/api/v1/issuers') : null;
    if (!saved) return cannot(w('offline-no-data'));
    const fetched = Number(saved.headers.get(FETCHED));
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
    // A key retired later still vouches for what it signed while it was in force
    // (IssuerKey::vouches_at: an issuance time up to the contract's clock skew after it).
    const inForceThen = key.valid_from <= t.issuedAt && t.issuedAt <= key.valid_until
      && (key.retired_at === undefined || key.retired_at === null || t.issuedAt <= key.retired_at + clockSkew);
    if (!inForceThen) return refuse(w('offline-key-not-valid', { key: t.keyId }));
    // Layout 3: the signature covers the position too (nanotrace_model::signing_input).
    const message = new TextEncoder().encode(t.position !== null && t.positionSignature === null
      ? `nanotrace/certificate/v2\n${t.id}\n${t.digest}\n${t.keyId}\n${t.issuedAt}\n${t.validUntil}\n${t.position}`
      : `nanotrace/certificate/v1\n${t.id}\n${t.digest}\n${t.keyId}\n${t.issuedAt}\n${t.validUntil}`);
    let genuine;
    let positionSigned = true;
    try {
      const publicKey = await crypto.subtle.importKey('raw', fromHex(key.public_key), { name: 'Ed25519' }, false, ['verify']);
      genuine = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, t.signature, message);
      if (t.positionSignature !== null) {
        const bound = new TextEncoder().encode(`nanotrace/status-position/v1\n${t.id}\n${t.position}`);
        positionSigned = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, t.positionSignature, bound);
      }
    } catch (e) {
      return cannot(w('offline-no-crypto', { message: e.message }));
    }
    if (!genuine) return refuse(w('offline-bad-signature'));
    if (!positionSigned) return refuse(w('offline-bad-position'));
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
    // Layout 1: no place in the status lists, so nothing a revocation could be read in —
    // and nothing the certificate's public record does not hold: never a pass.
    if (t.position === null) {
      return show('v-unverifiable', 'verdict-UNVERIFIABLE', w('offline-no-position'), w('offline-no-position-reason', { issuer }), caveat, rows);
    }
    const revocation = await statusBit('revocation', t.position);
    const suspension = await statusBit('suspension', t.position);
    if (revocation && suspension) {
      // The data is as old as the oldest of what was read.
      const asOf = Math.min(fetched, revocation.fetched, suspension.fetched);
      if (!(asOf > 0) || Date.now() - asOf > maxStalenessMs) {
        return cannot(w('offline-lists-stale', { time: asOf > 0 ? utc(asOf) : '?' }));
      }
      const time = utc(asOf);
      const later = w('offline-valid-caveat', { time });
      if (revocation.set) return show('v-revoked', 'verdict-REVOKED', w('headline-REVOKED'), w('offline-revoked', { time }), later, rows);
      if (suspension.set) return show('v-suspended', 'verdict-SUSPENDED', w('headline-SUSPENDED'), w('offline-suspended', { time }), later, rows);
      return show('v-valid', 'offline-word-valid', w('offline-valid'), w('offline-genuine-reason', { issuer }), later, rows);
    }
    return show('v-unverifiable', 'offline-word-genuine', w('offline-genuine'), w('offline-genuine-reason', { issuer }), caveat, rows);
  };

  check().catch((e) => cannot(w('offline-no-crypto', { message: e.message })));
})();
