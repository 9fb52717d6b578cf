import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fromHex, toHex } from '../../util/bytes.ts';
import { Identity } from '../identity.ts';
import { CredentialType } from './common.ts';
import { REVOCATION_FLAG_FAST_PROPAGATE, Revocation } from './revocation.ts';

const cv = JSON.parse(
  readFileSync(new URL('../../../test/vectors/crypto-vectors.json', import.meta.url), 'utf8'),
);
const V = cv.values as Record<string, string>;
const id = (s: string) => {
  const d = Identity.fromString(s);
  assert.ok(d.ok);
  return d.value;
};
const A = id(cv.identities.A);
const B = id(cv.identities.B);
const NWID = 0x2d1d262d72000001n;

test('Revocation vector: fields, re-encode, verify, re-sign', () => {
  const d = Revocation.fromBytes(fromHex(V.rev));
  assert.ok(d.ok, d.ok ? '' : d.reason);
  const rev = d.value;
  assert.equal(rev.id, 0x12345678);
  assert.equal(rev.networkId, NWID);
  assert.equal(rev.credentialId, 0);
  assert.equal(rev.threshold, 1700000000000);
  assert.equal(rev.flags, REVOCATION_FLAG_FAST_PROPAGATE);
  assert.ok(rev.fastPropagate);
  assert.equal(rev.target, B.address);
  assert.equal(rev.signedBy, A.address);
  assert.equal(rev.credentialType, CredentialType.COM);
  assert.equal(toHex(rev.toBytes()), V.rev);
  assert.ok(rev.verify(A));
  assert.equal(rev.verify(B), false);
  const fresh = new Revocation({
    id: 0x12345678,
    networkId: NWID,
    credentialId: 0,
    threshold: 1700000000000,
    flags: REVOCATION_FLAG_FAST_PROPAGATE,
    target: B.address,
    credentialType: CredentialType.COM,
  });
  assert.equal(toHex(fresh.sign(A).toBytes()), V.rev);
});

test('Revocation: altered threshold fails verification; truncation fails decode', () => {
  const b = fromHex(V.rev);
  b[31] ^= 1;
  const d = Revocation.fromBytes(b);
  assert.ok(d.ok);
  assert.equal(d.value.verify(A), false);
  assert.deepEqual(Revocation.fromBytes(fromHex(V.rev).subarray(0, 50)), { ok: false, reason: 'truncated' });
  // A timestamp beyond 2^53 cannot be represented exactly and is refused.
  const huge = fromHex(V.rev);
  huge[24] = 0x7f;
  assert.deepEqual(Revocation.fromBytes(huge), { ok: false, reason: 'bad-timestamp' });
});
