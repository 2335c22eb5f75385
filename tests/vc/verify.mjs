// Checks NanoTrace Verifiable Credentials with a third party's implementation: Digital
// Bazaar's `@digitalbazaar/vc` with its `eddsa-jcs-2022` Data Integrity cryptosuite.
// Nothing is fetched (common.mjs). The proof only: status.mjs checks the status entries.
//
//   node verify.mjs CREDENTIAL.json CONTEXT_SHA256 [--mutations]
//
// Prints one JSON line: {"verified": bool, "error": "...", "mutations": N,
// "mutationsVerified": [paths]}. With --mutations, every single field of the credential
// (each leaf value, proof included, and each key's removal) is changed in turn and
// verified again: a conformant proof leaves `mutationsVerified` empty.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {loader, messages, suite} from './common.mjs';

const [file, contextSha256, flag] = process.argv.slice(2);
const documentLoader = loader(contextSha256);
// The proof alone: the status entries are checked by status.mjs against the lists.
const checkStatus = async () => ({verified: true});

async function verify(credential) {
  try {
    const result = await vc.verifyCredential({credential, suite: suite(), documentLoader, checkStatus});
    return {verified: result.verified, error: messages(result.error)};
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
