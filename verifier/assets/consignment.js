// The consignment pages' script (served as /assets/consignment.js, under the pages' CSP):
// - "Print" on the report page;
// - on the check page: a list uploaded from a file, and codes scanned one after another
//   with the camera (QR and GS1 DataMatrix, decoded in the page by the vendored zxing-wasm
//   reader), each checked at once through POST /api/v1/verify and shown in a running table.
// Everything the ledger or a code says is put into the page as text, never as markup.
// Its words are the page's (in the page's language): the JSON data block #words, message
// ID → text with {name} where a value goes.
(() => {
  'use strict';
  const script = document.currentScript;
  const wasmUrl = script && script.dataset.wasm;
  // A certificate's page: the verifier's route, given by the page (model::link::PAGE_ROUTE).
  const certificatePage = (id) => script.dataset.certificatePage.replace('{id}', encodeURIComponent(id));
  const wordsBlock = document.getElementById('words');
  const words = wordsBlock ? JSON.parse(wordsBlock.textContent) : {};
  const w = (id, values = {}) => (words[id] || id).replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));

  for (const button of document.querySelectorAll('[data-print]')) {
    button.hidden = false;
    button.addEventListener('click', () => window.print());
  }

  const form = document.getElementById('list-form');
  if (!form) return;
  const items = document.getElementById('items');
  const statusLine = document.getElementById('scan-status');
  const say = (text) => { statusLine.textContent = text; };

  // A list from a file: its text goes into the list, as if pasted.
  const MAX_FILE_BYTES = 1024 * 1024;
  const upload = document.getElementById('upload');
  document.getElementById('upload-row').hidden = false;
  upload.addEventListener('change', async () => {
    const file = upload.files && upload.files[0];
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      say(w('js-file-too-large', { file: file.name }));
      return;
    }
    items.value = await file.text();
    const lines = items.value.split(/\r?\n/).filter((l) => l.trim() !== '').length;
    say(w('js-file-read', { file: file.name, n: lines }));
  });

  // Scanning needs a camera, a secure context (HTTPS or this machine) and WebAssembly.
  const reader = window.ZXingWASM;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.isSecureContext
      || !reader || typeof WebAssembly !== 'object' || !wasmUrl) {
    say(w('js-no-camera'));
    return;
  }
  document.getElementById('scan').hidden = false;

  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
  // The reader's WebAssembly, compiled only if it is the build reader.js was made with.
  reader.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith('.wasm') ? wasmUrl : prefix + path),
      instantiateWasm: (imports, done) => {
        fetch(wasmUrl, { credentials: 'same-origin' })
          .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.arrayBuffer(); })
          .then(async (bytes) => {
            const digest = hex(await crypto.subtle.digest('SHA-256', bytes));
            if (digest !== reader.ZXING_WASM_SHA256) throw new Error('the barcode reader is not the pinned build');
            return WebAssembly.instantiate(bytes, imports);
          })
          .then(({ instance, module }) => done(instance, module))
          .catch((e) => { say(w('js-reader-failed', { message: e.message })); stopScanning(); });
        return {};
      },
    },
  });

  const video = document.getElementById('scan-video');
  const start = document.getElementById('scan-start');
  const stop = document.getElementById('scan-stop');
  const rows = document.getElementById('rows');
  const summary = document.getElementById('summary');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const seen = new Set();
  const counts = { valid: 0, not_valid: 0, error: 0, foreign_site: 0 };
  const flagged = [];
  let stream = null;
  let timer = null;

  const cell = (row, text, className) => {
    const td = document.createElement('td');
    if (className) td.className = className;
    td.textContent = text;
    row.appendChild(td);
    return td;
  };

  const showSummary = () => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    let text = w('js-summary', { n: total, valid: counts.valid, not_valid: counts.not_valid, errors: counts.error });
    if (counts.foreign_site) text += ` · ${w('count-foreign-site', { n: counts.foreign_site })}`;
    if (flagged.length) text += ` (${flagged.join(', ')})`;
    summary.textContent = text;
  };

  // Checks one scanned item and fills its row.
  const check = async (text, row) => {
    const [, , verdictCell, whyCell] = row.children;
    let item;
    try {
      const response = await fetch('/api/v1/verify', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ items: [text] }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
      item = body.items[0];
    } catch (e) {
      item = { outcome: 'error', verdict: null, certificate_id: null, problem: null, reason: w('js-not-checked', { message: e.message }) };
    }
    // Another site's verification link: a warning, never a verdict of this verifier.
    const foreign = item.outcome === 'foreign_site';
    const word = w(foreign ? 'word-foreign-site' : `verdict-${item.verdict || 'ERROR'}`);
    const badge = document.createElement('span');
    badge.className = `badge v-${foreign ? 'revoked' : (item.verdict || 'unverifiable').toLowerCase()}`;
    badge.textContent = word;
    verdictCell.textContent = '';
    verdictCell.appendChild(badge);
    whyCell.textContent = '';
    if (item.certificate_id) {
      const link = document.createElement('a');
      link.className = 'mono';
      link.href = certificatePage(item.certificate_id);
      link.textContent = item.certificate_id;
      whyCell.append(link, ' ');
    }
    // The API's reason is English: another language's page has words for each problem.
    const why = words[`problem-${item.problem || 'none'}`] || item.reason;
    whyCell.append(why + (item.problem ? ` (${item.problem})` : '') + (item.foreign_site ? ` — ${item.foreign_site}` : ''));
    row.className = `o-${item.outcome}`;
    row.dataset.verdict = item.verdict || 'ERROR';
    counts[item.outcome] = (counts[item.outcome] || 0) + 1;
    if (item.outcome !== 'valid') flagged.push(`#${row.dataset.index} ${word}`);
    showSummary();
  };

  // A code read for the first time joins the list and the table.
  const add = (text) => {
    if (seen.has(text)) return;
    seen.add(text);
    const index = seen.size;
    items.value = items.value.trim() === '' ? text : `${items.value.replace(/\s+$/, '')}\n${text}`;
    const row = document.createElement('tr');
    row.dataset.index = String(index);
    cell(row, String(index));
    cell(row, text, 'mono item');
    cell(row, '…');
    cell(row, w('js-checking'));
    rows.appendChild(row);
    document.getElementById('running').hidden = false;
    if (navigator.vibrate) navigator.vibrate(60);
    say(w('js-read', { n: index }));
    check(text, row);
  };

  const scanFrame = async () => {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      try {
        const frame = context.getImageData(0, 0, canvas.width, canvas.height);
        const found = await reader.readBarcodes(frame, {
          formats: ['QRCode', 'DataMatrix'],
          tryHarder: true,
          maxNumberOfSymbols: 4,
        });
        for (const code of found) {
          if (code.isValid && code.text.trim() !== '') add(code.text.trim());
        }
      } catch (e) {
        say(w('js-unreadable', { message: e.message }));
      }
    }
    if (stream) timer = setTimeout(scanFrame, 120);
  };

  function stopScanning() {
    clearTimeout(timer);
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.hidden = true;
    start.hidden = false;
    stop.hidden = true;
  }

  start.addEventListener('click', async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch (e) {
      say(w('js-camera-refused', { message: e.name }));
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    start.hidden = true;
    stop.hidden = false;
    await video.play();
    say(w('js-point'));
    scanFrame();
  });
  stop.addEventListener('click', () => { stopScanning(); say(w('js-stopped', { n: seen.size })); });
})();
