import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VECTOR_A, VECTOR_B, VECTOR_NWID, vectorValues } from '../../testing/vectors.ts';
import { fromHex, toHex } from '../../util/bytes.ts';
import { CredentialType } from './common.ts';
import { REVOCATION_FLAG_FAST_PROPAGATE, Revocation } from './revocation.ts';

const V = vectorValues;
const A = VECTOR_A;
const B = VECTOR_B;
const NWID = VECTOR_NWID;

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
