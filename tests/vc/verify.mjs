// Checks NanoTrace Verifiable Credentials with a third party's implementation: Digital
// Bazaar's `@digitalbazaar/vc` with its `eddsa-jcs-2022` Data Integrity cryptosuite.
// Nothing is fetched: the VC 2.0 context comes from the npm package and must match the
// SHA-256 the model pins; `did:key` documents are computed locally.
//
//   node verify.mjs CREDENTIAL.json CONTEXT_SHA256 [--mutations]
//
// Prints one JSON line: {"verified": bool, "error": "...", "mutations": N,
// "mutationsVerified": [paths]}. With --mutations, every single field of the credential
// (each leaf value, proof included, and each key's removal) is changed in turn and
// verified again: a conformant proof leaves `mutationsVerified` empty.
import {readFileSync} from 'node:fs';
import {createHash} from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didKey from '@digitalbazaar/did-method-key';

const [file, contextSha256, flag] = process.argv.slice(2);
const V2 = 'https://www.w3.org/ns/credentials/v2';
const v2Text = readFileSync(
  new URL('node_modules/@digitalbazaar/credentials-context/contexts/v2.jsonld', import.meta.url));
const v2Hash = createHash('sha256').update(v2Text).digest('hex');
if(v2Hash !== contextSha256) {
  console.log(JSON.stringify({verified: false,
    error: `the VC 2.0 context here has SHA-256 ${v2Hash}, not the pinned ${contextSha256}`}));
  process.exit(2);
}
const v2Context = JSON.parse(v2Text);
const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
const documentLoader = async url => {
  if(url === V2) {
    return {contextUrl: null, documentUrl: url, document: v2Context};
  }
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKeyDriver.get({url})};
  }
  throw new Error(`refusing to load ${url}: nothing is fetched`);
};

async function verify(credential) {
  const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
  try {
    const result = await vc.verifyCredential({credential, suite, documentLoader});
    const errors = result.error?.errors ?? (result.error ? [result.error] : []);
    return {verified: result.verified, error: errors.map(e => e.message ?? String(e)).join('; ') || undefined};
  } catch(e) {
    return {verified: false, error: e.message};
  }
}

// Every single-field change of `value`: [path, changed document].
function* mutations(root) {
  const clone = () => structuredClone(root);
  function* walk(node, path) {
    const entries = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for(const [key, value] of entries) {
      const here = [...path, key];
      const at = doc => here.slice(0, -1).reduce((n, k) => n[k], doc);
      if(value !== null && typeof value === 'object') {
        yield* walk(value, here);
      } else {
        const changed = clone();
        const v = at(changed)[key];
        at(changed)[key] = typeof v === 'string' ? (v.length ? v.slice(0, -1) + (v.endsWith('0') ? '1' : '0') : 'x') :
          typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : 'null';
        yield [here.join('.'), changed];
      }
      if(!Array.isArray(node)) {
        const removed = clone();
        delete at(removed)[key];
        yield [`-${here.join('.')}`, removed];
      }
    }
  }
  yield* walk(root, []);
}

const credential = JSON.parse(readFileSync(file, 'utf8'));
const out = await verify(credential);
if(flag === '--mutations') {
  out.mutations = 0;
  out.mutationsVerified = [];
  for(const [path, changed] of mutations(credential)) {
    out.mutations++;
    if((await verify(changed)).verified) {
      out.mutationsVerified.push(path);
    }
  }
}
console.log(JSON.stringify(out));
