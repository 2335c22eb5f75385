// NanoTrace console: the only script of the console. It makes and keeps the member's
// keys (WebCrypto, non-extractable unless the member chose otherwise, in IndexedDB),
// signs what the server builds, and shows each stage of a transaction. It never sends
// a private key anywhere, and never puts server text into the page as HTML.
'use strict';
(() => {
  const DB = 'nanotrace-console';
  const STORE = 'keys';

  function idb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function stored(name) {
    const db = await idb();
    return new Promise((resolve, reject) => {
      const req = db.transaction(STORE).objectStore(STORE).get(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function store(name, value) {
    const db = await idb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).put(value, name);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  }

  const b64 = {
    enc(buffer) {
      const bytes = new Uint8Array(buffer);
      let s = '';
      for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
      return btoa(s);
    },
    dec(text) {
      return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    },
  };
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

  function say(text, kind) {
    const el = document.getElementById('tx-status');
    if (!el) return;
    el.hidden = false;
    el.className = 'status ' + (kind || '');
    el.textContent = text;
  }
  function fail(e) {
    say('Failed — ' + (e.stage ? e.stage + ': ' : '') + e.message, 'bad');
  }

  // A request to the console. On Fabric a request that reads the ledger may answer 428
  // with the reads this member must sign first (the peer answers only signed reads):
  // they are signed, handed in, and the request is made again.
  async function api(path, body, rounds) {
    const csrf = document.querySelector('meta[name="csrf-token"]');
    const headers = { 'content-type': 'application/json' };
    if (csrf) headers['x-csrf-token'] = csrf.content;
    const response = await fetch(path, {
      method: 'POST',
      headers,
      body: JSON.stringify(body || {}),
      credentials: 'same-origin',
    });
    const json = await response.json().catch(() => ({ error: response.status + ' ' + response.statusText }));
    if (response.status === 428 && Array.isArray(json.reads) && (rounds || 0) < 4) {
      await signReads(json.reads);
      return api(path, body, (rounds || 0) + 1);
    }
    if (!response.ok) {
      const e = new Error(json.message || json.error || 'HTTP ' + response.status);
      e.stage = json.stage;
      throw e;
    }
    return json;
  }

  async function member() {
    const m = await stored('member');
    if (!m) throw new Error('this browser holds no NanoTrace key: enroll or import one first');
    return m;
  }
  async function signEcdsa(bytes) {
    const m = await member();
    return b64.enc(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, m.key, bytes));
  }

  // Reads the console proposed for this member: signed here, evaluated at the peer.
  async function signReads(reads) {
    say('Signing ' + reads.length + ' read(s) of the ledger in your browser…');
    const signed = [];
    for (const r of reads) signed.push({ tx_id: r.tx_id, signature: await signEcdsa(b64.dec(r.sign)) });
    await api('/api/reads', { reads: signed });
  }

  // A page made of reads this member has to sign: sign them, then load it again (a page
  // whose later reads depend on earlier answers takes a second round).
  async function pageReads() {
    const el = document.getElementById('sign-reads');
    if (!el) return;
    const key = 'nanotrace-read-rounds:' + location.pathname + location.search;
    const rounds = Number(sessionStorage.getItem(key) || '0');
    if (rounds >= 5) {
      sessionStorage.removeItem(key);
      throw new Error('the page still needs reads after ' + rounds + ' rounds of signatures; reload to try again');
    }
    sessionStorage.setItem(key, String(rounds + 1));
    await signReads(JSON.parse(el.dataset.reads));
    location.reload();
  }
  function pageShown() {
    if (!document.getElementById('sign-reads')) sessionStorage.removeItem('nanotrace-read-rounds:' + location.pathname + location.search);
  }

  async function signIn() {
    const m = await member();
    say('Asking for a sign-in challenge…');
    const c = await api('/api/signin/challenge', { msp_id: m.msp_id, cert_pem: m.cert_pem });
    say('Signing the challenge in your browser…');
    const signature = await signEcdsa(b64.dec(c.challenge));
    // On Fabric, also the read of who you are that the peer answers at every request.
    const read = c.read ? await signEcdsa(b64.dec(c.read)) : undefined;
    await api('/api/signin', { challenge_id: c.challenge_id, signature, read_signature: read });
    location.href = '/';
  }

  // A transaction: the server builds, this browser signs, twice.
  async function transact(path, body) {
    say('1/4 Building the proposal…');
    const p = await api(path, body);
    say('2/4 Signing the proposal in your browser…');
    const s1 = await signEcdsa(b64.dec(p.sign));
    say('3/4 Endorsing (the contract runs)…');
    const t = await api('/api/endorse', { tx_id: p.tx_id, signature: s1 });
    say('4/4 Signing the transaction and committing…');
    const s2 = await signEcdsa(b64.dec(t.sign));
    // On Fabric the request for the commit status is signed too (the console asks as you).
    const s3 = t.sign_status ? await signEcdsa(b64.dec(t.sign_status)) : undefined;
    const c = await api('/api/commit', { tx_id: p.tx_id, signature: s2, status_signature: s3 });
    say('Committed: transaction ' + c.tx_id + ' in block ' + c.block + '.', 'ok');
    return c;
  }

  // The text of a form's files that are sent as a field (a bank statement's XML), each
  // into the field its input names; refused past the size the input allows.
  async function fileFields(form, body) {
    for (const input of form.querySelectorAll('input[type=file][data-text-into]')) {
      const file = input.files && input.files[0];
      if (!file) throw new Error('choose the file first');
      const max = Number(input.dataset.maxBytes || '0');
      if (max && file.size > max) {
        throw new Error(file.name + ' is ' + Math.ceil(file.size / 1024) + ' KiB, more than the ' + Math.floor(max / 1024) + ' KiB the console takes: import it with the CLI');
      }
      body[input.dataset.textInto] = await file.text();
    }
  }

  function fields(form) {
    const out = {};
    for (const [name, value] of new FormData(form)) {
      if (typeof value !== 'string') continue;
      out[name] = name in out ? out[name] + '\n' + value : value;
    }
    return out;
  }

  // An approval or a renewal: the console sends the terms, the issuer key signs them.
  async function approval(body, renew) {
    const issuer = await stored('issuer');
    if (!issuer) throw new Error('this browser has no issuer key: create one on the Issuer keys page');
    const terms = await api('/api/approval-terms', {
      certificate_id: body.certificate_id,
      issuer_key_id: issuer.key_id,
      validity_days: body.validity_days,
      renew,
    });
    say('Signing the certificate with your issuer key…');
    const signature = await crypto.subtle.sign({ name: 'Ed25519' }, issuer.key, b64.dec(terms.sign));
    body.issuer_key_id = issuer.key_id;
    body.issued_at = String(terms.issued_at);
    body.valid_until = String(terms.valid_until);
    body.signature = hex(signature);
  }

  // The credential an approval or renewal carries, in the same transaction: this browser
  // draws the proposal's nonce (so the transaction's ID is known), the console answers
  // what the approval (binding the status-list position that transaction gives) and the
  // credential sign, the issuer key signs both. False (and why) when the body has no
  // status base: the approval keeps its signature of the certificate alone.
  const CREDENTIAL_FIELDS = ['nonce', 'status_index', 'status_base', 'credential_created', 'proof_signature'];
  async function issuingCredential(body, renew) {
    const issuer = await stored('issuer');
    for (const f of CREDENTIAL_FIELDS) delete body[f];
    const nonce = hex(crypto.getRandomValues(new Uint8Array(24)));
    const terms = await api('/api/credential/issuing-terms', {
      certificate_id: body.certificate_id,
      issuer_key_id: body.issuer_key_id,
      issued_at: Number(body.issued_at),
      valid_until: Number(body.valid_until),
      nonce,
      renew,
    });
    if (!terms.credential) {
      say(terms.reason, 'bad');
      return false;
    }
    say('Signing its credential (status-list position ' + terms.status_index + ') with your issuer key…');
    body.signature = hex(await crypto.subtle.sign({ name: 'Ed25519' }, issuer.key, b64.dec(terms.sign_issuance)));
    body.proof_signature = hex(await crypto.subtle.sign({ name: 'Ed25519' }, issuer.key, b64.dec(terms.sign)));
    Object.assign(body, { nonce, status_index: String(terms.status_index), status_base: terms.status_base, credential_created: String(terms.created) });
    return true;
  }

  // An approval or renewal with its credential, one transaction; signed again for a new
  // position when another approval took this one first (nothing of it was written).
  async function issue(body, action) {
    const renew = action === 'renew';
    await approval(body, renew);
    for (let attempt = 1; ; attempt++) {
      const credential = await issuingCredential(body, renew);
      try {
        const done = await transact('/api/tx/' + action, body);
        return { ...done, credential };
      } catch (e) {
        const taken = /\[status\.position_taken\]|MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT/.test(e.message);
        if (!credential || !taken || attempt >= 8) throw e;
        say('Another approval took that status-list position first: signing again for a new one…');
      }
    }
  }

  async function enroll() {
    const secret = location.hash.slice(1);
    if (!secret) throw new Error('this page needs the whole enrollment link, including the part after #');
    const exportable = document.getElementById('enroll-exportable').checked;
    say('Creating your key in this browser…');
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, exportable, ['sign', 'verify']);
    const publicKey = b64.enc(await crypto.subtle.exportKey('spki', pair.publicKey));
    const request = await api('/api/enroll/request', { secret, public_key: publicKey });
    say('Signing your certificate request…');
    const signature = b64.enc(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, b64.dec(request.sign)));
    const issued = await api('/api/enroll', { secret, public_key: publicKey, signature });
    await store('member', { name: issued.name, msp_id: issued.msp_id, cert_pem: issued.cert_pem, key: pair.privateKey, exportable });
    history.replaceState(null, '', '/enroll');
    const out = document.getElementById('enroll-result');
    if (out) out.textContent = 'Enrolled as ' + issued.name + ' of ' + issued.msp_id + '. Signing in…';
    await signIn();
  }

  function pemBody(text, label) {
    const m = text.match(new RegExp('-----BEGIN ' + label + '-----([\\s\\S]*?)-----END ' + label + '-----'));
    if (!m) throw new Error('expected a PEM "' + label + '" block');
    return b64.dec(m[1].replace(/\s+/g, ''));
  }

  async function importKey(form) {
    const data = new FormData(form);
    const certPem = await data.get('cert').text();
    const keyPem = await data.get('key').text();
    pemBody(certPem, 'CERTIFICATE');
    const key = await crypto.subtle.importKey('pkcs8', pemBody(keyPem, 'PRIVATE KEY'), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const name = (certPem.match(/CN=([^,\n]+)/) || [])[1] || '';
    await store('member', { name, msp_id: data.get('msp_id'), cert_pem: certPem, key, exportable: false });
    await signIn();
  }

  async function createIssuerKey() {
    say('Creating an Ed25519 issuer key in this browser…');
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    const publicKey = hex(await crypto.subtle.exportKey('raw', pair.publicKey));
    const r = await api('/api/keys', { public_key: publicKey });
    await store('issuer', { key_id: r.key_id, public_key: publicKey, key: pair.privateKey });
    say('Issuer key ' + r.key_id + ' created; an administrator must register it before it can sign.', 'ok');
    await showIssuer();
  }

  async function showIssuer() {
    const el = document.getElementById('issuer-key-status');
    if (!el) return;
    const issuer = await stored('issuer');
    el.textContent = issuer ? 'This browser holds issuer key ' + issuer.key_id + '.' : 'This browser holds no issuer key.';
    el.dataset.keyId = issuer ? issuer.key_id : '';
  }

  async function showExport() {
    const row = document.getElementById('export-key-row');
    if (!row) return;
    const m = await stored('member');
    row.hidden = !(m && m.exportable);
  }

  async function exportKey() {
    const m = await member();
    const der = b64.enc(await crypto.subtle.exportKey('pkcs8', m.key));
    const pem = '-----BEGIN PRIVATE KEY-----\n' + der.match(/.{1,64}/g).join('\n') + '\n-----END PRIVATE KEY-----\n';
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([pem], { type: 'application/x-pem-file' }));
    link.download = m.name + '.key.pem';
    link.click();
    URL.revokeObjectURL(link.href);
    say('Saved ' + link.download + ' with your certificate\'s key. Keep it somewhere only you can open.', 'ok');
  }

  async function showSignIn() {
    const withKey = document.getElementById('signin-key');
    if (!withKey) return;
    const m = await stored('member');
    if (m) {
      document.getElementById('signin-name').textContent = m.name;
      document.getElementById('signin-msp').textContent = m.msp_id;
      withKey.hidden = false;
    } else {
      document.getElementById('signin-none').hidden = false;
    }
  }

  // A certificate's W3C Verifiable Credential: the console builds it and the bytes its
  // proof signs; the issuer key in this browser signs them; the console attaches and
  // checks the proof.
  async function signCredential(id) {
    const issuer = await stored('issuer');
    if (!issuer) throw new Error('this browser has no issuer key: create one on the Issuer keys page');
    const body = { certificate_id: id, issuer_key_id: issuer.key_id };
    let terms = await api('/api/credential/terms', body);
    if (terms.needs_position) {
      // Issued before the status lists: the ledger first gives it its position, which
      // the credential names (a transaction without a proof).
      say('Giving the certificate its status-list position on the ledger first…');
      await transact('/api/tx/attach-credential', {
        certificate_id: id,
        status_base: terms.status_base,
        created: String(terms.created),
        proof_value: '',
      });
      terms = await api('/api/credential/terms', body);
      if (terms.needs_position) throw new Error('the ledger has not given the certificate its status-list position');
    }
    say('Signing the credential with your issuer key…');
    const signature = await crypto.subtle.sign({ name: 'Ed25519' }, issuer.key, b64.dec(terms.sign));
    // The same key binds the certificate to its status-list position, for the QR code's
    // offline check.
    const position = await crypto.subtle.sign({ name: 'Ed25519' }, issuer.key, b64.dec(terms.sign_position));
    const vc = await api('/api/credential', { ...body, created: terms.created, signature: hex(signature) });
    const text = JSON.stringify(vc, null, 2);
    const pre = document.getElementById('credential-json');
    const link = document.getElementById('credential-download');
    if (pre && link) {
      pre.textContent = text;
      pre.hidden = false;
      link.href = URL.createObjectURL(new Blob([text + '\n'], { type: 'application/json' }));
      link.download = id + '.vc.json';
      link.hidden = false;
    }
    say('Credential signed: its proof checks against your key on the trust list. Recording it on the ledger…');
    const done = await transact('/api/tx/attach-credential', {
      certificate_id: id,
      status_base: terms.status_base,
      created: String(terms.created),
      proof_value: vc.proof.proofValue,
      position_signature: hex(position),
    });
    say('Credential signed and recorded on the ledger (transaction ' + done.tx_id + '): every verifier now serves it at '
      + terms.status_base + '/api/v1/certificates/' + id + '/vc', 'ok');
  }

  function guard(button, work) {
    if (button) button.disabled = true;
    return work().catch((e) => {
      fail(e);
      if (button) button.disabled = false;
    });
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (form.dataset.tx) {
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      guard(button, async () => {
        const body = fields(form);
        await fileFields(form, body);
        if (form.dataset.tx === 'approve' || form.dataset.tx === 'renew') {
          const done = await issue(body, form.dataset.tx);
          setTimeout(() => { location.href = done.done; }, done.credential ? 700 : 4000);
          return;
        }
        const path = form.dataset.tx === 'register-key-code' ? '/api/register-key-code' : '/api/tx/' + form.dataset.tx;
        const done = await transact(path, body);
        setTimeout(() => { location.href = done.done; }, 700);
      });
    } else if (form.id === 'import-form') {
      event.preventDefault();
      guard(form.querySelector('button'), () => importKey(form));
    } else if (form.id === 'invite-form') {
      event.preventDefault();
      guard(form.querySelector('button'), async () => {
        const body = fields(form);
        let r = await api('/api/members', { name: body.name, email: body.email || null, admin: body.admin === 'true' });
        if (r.sign) {
          // On Fabric: the registration at your organisation's CA, signed by you.
          say('Signing the registration at your organisation\'s CA…');
          r = await api('/api/members/register', { request_id: r.request_id, signature: await signEcdsa(b64.dec(r.sign)) });
        }
        document.getElementById('invite-link').textContent = r.link;
        if (r.email && r.email.sent_to) say('Invitation created and emailed to ' + r.email.sent_to + '. The link works once.', 'ok');
        else if (r.email && r.email.error) say('Invitation created, but the email failed (' + r.email.error + '): send the link above yourself.', 'bad');
        else say('Invitation created. Send the link above to the member; it works once.', 'ok');
        form.querySelector('button').disabled = false;
      });
    }
  });

  // Signs and sends the revocation of a cancelled or lapsed invitation's CA registration.
  async function withdrawAtCa(w) {
    say('Revoking the registration at your organisation\'s CA…');
    await api('/api/members/withdraw', { request_id: w.request_id, signature: await signEcdsa(b64.dec(w.sign)) });
  }

  document.addEventListener('click', (event) => {
    const el = event.target.closest('button');
    if (!el) return;
    if (el.id === 'signin') guard(el, signIn);
    else if (el.id === 'enroll') guard(el, enroll);
    else if (el.id === 'create-issuer-key') guard(el, createIssuerKey);
    else if (el.dataset.credential) guard(el, async () => { await signCredential(el.dataset.credential); el.disabled = false; });
    else if (el.id === 'export-key') guard(el, async () => { await exportKey(); el.disabled = false; });
    else if (el.hasAttribute('data-signout')) guard(el, async () => { await api('/api/signout'); location.href = '/'; });
    else if (el.dataset.removeMember) {
      guard(el, async () => {
        await api('/api/members/remove', { name: el.dataset.removeMember });
        location.reload();
      });
    } else if (el.dataset.cancelInvitation) {
      guard(el, async () => {
        const r = await api('/api/members/cancel', { name: el.dataset.cancelInvitation });
        // On Fabric: the registration at your organisation's CA, revoked by you.
        if (r.withdraw) await withdrawAtCa(r.withdraw);
        location.reload();
      });
    } else if (el.dataset.withdrawInvitation) {
      guard(el, async () => {
        await withdrawAtCa(await api('/api/members/withdrawal', { name: el.dataset.withdrawInvitation }));
        location.reload();
      });
    } else if (el.dataset.registerKey) {
      guard(el, async () => {
        const done = await transact('/api/register-key/' + encodeURIComponent(el.dataset.registerKey), {});
        setTimeout(() => { location.href = done.done; }, 700);
      });
    }
  });

  document.addEventListener('change', async (event) => {
    const input = event.target;
    const target = input.dataset && input.dataset.sha256Into;
    if (!target || !input.files || !input.files[0]) return;
    const digest = hex(await crypto.subtle.digest('SHA-256', await input.files[0].arrayBuffer()));
    input.form.elements[target].value = digest;
    const show = input.form.querySelector('[data-sha256-show="' + target + '"]');
    if (show) show.textContent = 'SHA-256 ' + digest;
  });

  document.addEventListener('DOMContentLoaded', () => {
    pageShown();
    pageReads().catch(fail);
    showSignIn().catch(fail);
    showIssuer().catch(fail);
    showExport().catch(fail);
  });
})();
