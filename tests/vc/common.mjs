// What both checks share: a document loader that fetches nothing (the VC 2.0 context from
// its npm package, checked against the SHA-256 the model pins; did:key documents made
// locally; status list credentials only from files given), and the eddsa-jcs-2022 suite.
import {readFileSync} from 'node:fs';
import {createHash} from 'node:crypto';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didKey from '@digitalbazaar/did-method-key';

const V2 = 'https://www.w3.org/ns/credentials/v2';

// The loader; `documents` maps further URLs (status list credentials) to documents.
// Exits with code 2 when the context here is not the pinned one.
export function loader(contextSha256, documents = new Map()) {
  const text = readFileSync(
    new URL('node_modules/@digitalbazaar/credentials-context/contexts/v2.jsonld', import.meta.url));
  const hash = createHash('sha256').update(text).digest('hex');
  if(hash !== contextSha256) {
    console.log(JSON.stringify({verified: false,
      error: `the VC 2.0 context here has SHA-256 ${hash}, not the pinned ${contextSha256}`}));
    process.exit(2);
  }
  const context = JSON.parse(text);
  const didKeyDriver = didKey.driver();
  didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  return async url => {
    if(url === V2) {
      return {contextUrl: null, documentUrl: url, document: context};
    }
    if(url.startsWith('did:key:')) {
      return {contextUrl: null, documentUrl: url, document: await didKeyDriver.get({url})};
    }
    if(documents.has(url)) {
      return {contextUrl: null, documentUrl: url, document: documents.get(url)};
    }
    throw new Error(`refusing to load ${url}: nothing is fetched`);
  };
}

export function suite() {
  return new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
}

export function messages(error) {
  const errors = error?.errors ?? (error ? [error] : []);
  return errors.map(e => e.message ?? String(e)).join('; ') || undefined;
}
