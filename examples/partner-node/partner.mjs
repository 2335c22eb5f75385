#!/usr/bin/env node
// A partner's backend in Node.js, talking to the NanoTrace chaincode through Fabric's
// official Gateway client (@hyperledger/fabric-gateway, pinned in package.json), as a
// member organisation's own systems do. Connected as a NanoTrace connection profile says
// (network/profiles/README.md: identity, gateway address, TLS CA, channel, chaincode).
//
//   node partner.mjs --profile P.yaml submit FUNCTION [JSON | @FILE]
//   node partner.mjs --profile P.yaml evaluate FUNCTION [JSON | @FILE]
//
// FUNCTION is a contract function (schemas/contract/README.md lists them, with whether
// each is submitted or evaluated, and the JSON Schemas of its request and response).
// Output: one JSON object on stdout, {"tx_id", "block", "result"} for submit and
// {"result"} for evaluate, with "result_hex" (the exact bytes the contract answered).
// A refusal exits 2 and prints {"error": {"code", "reason", "message", "tx_id"}}: the
// contract's stable error code (UNAUTHORIZED, VALIDATION, NOT_FOUND, INVALID_TRANSITION,
// BAD_SIGNATURE, CONFLICT, ALREADY_EXISTS, BAD_REQUEST) and, for UNAUTHORIZED, the
// reason token of the check that refused ([role.certifier], …: docs/CONTRACT.md). Any
// other failure (no connection, a timeout) exits 1.

import { connect, hash, signers, GatewayError } from '@hyperledger/fabric-gateway';
import * as grpc from '@grpc/grpc-js';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

const USAGE = 'usage: node partner.mjs --profile PROFILE.yaml (submit|evaluate) FUNCTION [JSON | @FILE]';

/** The part of a NanoTrace connection profile a Gateway client needs. */
async function loadProfile(path) {
  const p = parse(await readFile(path, 'utf8'));
  for (const [what, value] of [
    ['channel', p?.channel], ['chaincode', p?.chaincode], ['identity.msp_id', p?.identity?.msp_id],
    ['identity.cert', p?.identity?.cert], ['identity.key', p?.identity?.key],
    ['gateway.address', p?.gateway?.address], ['gateway.tls_ca_cert', p?.gateway?.tls_ca_cert],
  ]) {
    if (!value) throw new Error(`connection profile ${path}: ${what} is required`);
  }
  return p;
}

/** A Gateway connection as the profile's identity; Ed25519 keys sign the whole message. */
async function open(p) {
  const tlsCa = await readFile(p.gateway.tls_ca_cert);
  const options = p.gateway.server_name ? { 'grpc.ssl_target_name_override': p.gateway.server_name } : {};
  const client = new grpc.Client(p.gateway.address, grpc.credentials.createSsl(tlsCa), options);
  const algorithm = p.identity.key_algorithm || 'ecdsa-p256';
  if (!['ecdsa-p256', 'ed25519'].includes(algorithm)) throw new Error(`unknown key_algorithm ${algorithm}`);
  const gateway = connect({
    client,
    identity: { mspId: p.identity.msp_id, credentials: await readFile(p.identity.cert) },
    signer: signers.newPrivateKeySigner(createPrivateKey(await readFile(p.identity.key))),
    hash: algorithm === 'ed25519' ? hash.none : hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 30_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 60_000 }),
    submitOptions: () => ({ deadline: Date.now() + 60_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 120_000 }),
  });
  return { gateway, client };
}

/**
 * The contract's refusal in a Gateway error, if it is one: the first peer's message of
 * the form `CODE: [reason.token] text` (the token only on UNAUTHORIZED).
 */
function refusal(error) {
  const messages = [...(error.details ?? []).map((d) => d.message), error.message];
  // A peer's detail reads e.g. "chaincode response 500, UNAUTHORIZED: [role.certifier] …".
  const refused = /\b(UNAUTHORIZED|VALIDATION|NOT_FOUND|INVALID_TRANSITION|BAD_SIGNATURE|CONFLICT|ALREADY_EXISTS|BAD_REQUEST): (?:\[([a-z_.]+)\] )?(.*)$/s;
  for (const message of messages) {
    const m = refused.exec(message ?? '');
    if (m) return { code: m[1], reason: m[2] ?? null, message: m[3], tx_id: error.transactionId ?? null };
  }
  return null;
}

async function argument(text) {
  if (text === undefined) return undefined;
  return text.startsWith('@') ? readFile(text.slice(1)) : Buffer.from(text);
}

async function main(argv) {
  const at = argv.indexOf('--profile');
  if (at < 0 || !argv[at + 1]) throw new Error(USAGE);
  const rest = argv.filter((_, i) => i !== at && i !== at + 1);
  const [mode, fn, arg] = rest;
  if (!['submit', 'evaluate'].includes(mode) || !fn) throw new Error(USAGE);
  const profile = await loadProfile(argv[at + 1]);
  const { gateway, client } = await open(profile);
  try {
    const contract = gateway.getNetwork(profile.channel).getContract(profile.chaincode);
    const args = [await argument(arg)].filter((a) => a !== undefined);
    const bytesOut = (bytes) => ({
      result: JSON.parse(Buffer.from(bytes).toString('utf8')),
      result_hex: Buffer.from(bytes).toString('hex'),
    });
    if (mode === 'evaluate') {
      return bytesOut(await contract.evaluateTransaction(fn, ...args));
    }
    const commit = await contract.submitAsync(fn, { arguments: args });
    const status = await commit.getStatus();
    if (!status.successful) {
      throw Object.assign(new Error(`transaction ${status.transactionId} was not committed (validation code ${status.code})`),
        { transactionId: status.transactionId });
    }
    return { tx_id: status.transactionId, block: Number(status.blockNumber), ...bytesOut(commit.getResult()) };
  } finally {
    gateway.close();
    client.close();
  }
}

try {
  const out = await main(process.argv.slice(2));
  process.stdout.write(`${JSON.stringify(out)}\n`);
} catch (e) {
  const refused = e instanceof GatewayError || e.details ? refusal(e) : null;
  if (refused) {
    process.stdout.write(`${JSON.stringify({ error: refused })}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`${e.message ?? e}\n`);
    process.exitCode = 1;
  }
}
