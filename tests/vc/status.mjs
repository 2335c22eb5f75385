// W3C Bitstring Status Lists checked with Digital Bazaar's implementation
// (`@digitalbazaar/vc-bitstring-status-list`), nothing fetched (common.mjs).
//
//   node status.mjs decode LIST.json CONTEXT_SHA256
//     {"verified": bool, "error": "...", "purpose": "...", "length": N, "set": [positions]}
//     — the list credential's proof (by the verifier's key), and its bits decoded.
//   node status.mjs check CREDENTIAL.json CONTEXT_SHA256 REVOCATION.json SUSPENSION.json
//     {"verified": bool, "error": "...", "revoked": bool, "suspended": bool}
//     — the credential verified with its status checked against those lists (served at
//     the URLs its entries name). The lists are signed by the verifier operator, not by the
//     credential's issuer: `verifyMatchingIssuers` is off, the trust decision README
//     ("Verifiable Credentials") explains.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {checkStatus, decodeList} from '@digitalbazaar/vc-bitstring-status-list';
import {loader, messages, suite} from './common.mjs';

const [mode, file, contextSha256, ...lists] = process.argv.slice(2);
const read = f => JSON.parse(readFileSync(f, 'utf8'));
const out = {};
if(mode === 'decode') {
  const list = read(file);
  const documentLoader = loader(contextSha256);
  const result = await vc.verifyCredential({credential: list, suite: suite(), documentLoader});
  out.verified = result.verified;
  out.error = messages(result.error);
  out.purpose = list.credentialSubject.statusPurpose;
  const bits = await decodeList({encodedList: list.credentialSubject.encodedList});
  out.length = bits.length;
  out.set = [];
  for(let i = 0; i < bits.length; i++) {
    if(bits.getStatus(i)) {
      out.set.push(i);
    }
  }
} else if(mode === 'check') {
  const documents = new Map(lists.map(f => read(f)).map(list => [list.id, list]));
  const documentLoader = loader(contextSha256, documents);
  const check = options => checkStatus({...options, verifyMatchingIssuers: false});
  const credential = read(file);
  const result = await vc.verifyCredential({credential, suite: suite(), documentLoader, checkStatus: check});
  out.verified = result.verified;
  out.error = messages(result.error ?? result.statusResult?.error);
  for(const r of result.statusResult?.results ?? []) {
    out[r.credentialStatus.statusPurpose === 'revocation' ? 'revoked' : 'suspended'] = r.status;
  }
} else {
  out.error = `unknown mode ${mode}`;
}
console.log(JSON.stringify(out));
