import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VECTOR_A, VECTOR_B, VECTOR_NWID, vectorValues } from '../../testing/vectors.ts';
import { fromHex, toHex } from '../../util/bytes.ts';
import { CertificateOfMembership } from './com.ts';

const V = vectorValues;
const A = VECTOR_A;
const B = VECTOR_B;
const NWID = VECTOR_NWID;
const TS = 1700000000000;

function decodeVector(): CertificateOfMembership {
  const d = CertificateOfMembership.fromBytes(fromHex(V.com));
  assert.ok(d.ok, d.ok ? '' : d.reason);
  return d.value;
}

test('COM vector decodes to the 7 qualifiers of §8.3 and re-encodes byte for byte', () => {
  const com = decodeVector();
  assert.equal(com.qualifiers.length, 7);
  assert.deepEqual(com.qualifiers[0], { id: 0n, value: BigInt(TS), maxDelta: 1800000n });
  assert.deepEqual(com.qualifiers[1], { id: 1n, value: NWID, maxDelta: 0n });
  assert.deepEqual(com.qualifiers[2], { id: 2n, value: 0x83edc7390en, maxDelta: 0xffffffffffffffffn });
  assert.equal(com.timestamp, TS);
  assert.equal(com.networkId, NWID);
  assert.equal(com.issuedTo, B.address);
  assert.equal(com.signedBy, A.address);
  // Qualifiers 3..6 are B's public key hash.
  const h = B.publicKeyHash();
  assert.equal(
    com.qualifiers
      .slice(3)
      .map((q) => q.value.toString(16).padStart(16, '0'))
      .join(''),
    toHex(h, 0, 32),
  );
  assert.equal(toHex(com.toBytes()), V.com);
});

test('COM signature verifies with A only; tampering breaks it; create+sign reproduces the vector', () => {
  const com = decodeVector();
  assert.ok(com.verify(A));
  assert.equal(com.verify(B), false);
  const bytes = fromHex(V.com);
  bytes[20] ^= 1; // inside qualifier 0's value
  const bad = CertificateOfMembership.fromBytes(bytes);
  assert.ok(bad.ok);
  assert.equal(bad.value.verify(A), false);
  const made = CertificateOfMembership.create({
    networkId: NWID,
    timestamp: TS,
    maxDelta: 1800000,
    issuedTo: B,
  });
  assert.equal(made.verify(A), false); // unsigned
  made.sign(A);
  assert.equal(toHex(made.toBytes()), V.com);
  assert.throws(() => made.sign(B.publicOnly()), TypeError);
});

test('a COM signed by someone other than the controller is not valid', () => {
  const com = CertificateOfMembership.create({ networkId: NWID, timestamp: TS, maxDelta: 1000, issuedTo: A });
  com.sign(B); // B is not 2d1d262d72
  assert.equal(com.verify(B), false);
});

test('agreesWith: same network, timestamps within ctmd, bound to the presenting identity', () => {
  const ctmd = 1800000;
  const mine = CertificateOfMembership.create({
    networkId: NWID,
    timestamp: TS,
    maxDelta: ctmd,
    issuedTo: A,
  });
  const theirs = decodeVector(); // B's
  assert.ok(mine.agreesWith(theirs, B));
  assert.ok(theirs.agreesWith(mine, A));
  // B's COM presented by A (stolen) does not agree.
  assert.equal(mine.agreesWith(theirs, A), false);
  // Timestamps just inside / just outside the delta.
  const edge = CertificateOfMembership.create({
    networkId: NWID,
    timestamp: TS + ctmd,
    maxDelta: ctmd,
    issuedTo: B,
  });
  assert.ok(mine.agreesWith(edge, B));
  const late = CertificateOfMembership.create({
    networkId: NWID,
    timestamp: TS + ctmd + 1,
    maxDelta: ctmd,
    issuedTo: B,
  });
  assert.equal(mine.agreesWith(late, B), false);
  const older = CertificateOfMembership.create({
    networkId: NWID,
    timestamp: TS - ctmd - 1,
    maxDelta: ctmd,
    issuedTo: B,
  });
  assert.equal(mine.agreesWith(older, B), false);
  // Another network.
  const other = CertificateOfMembership.create({
    networkId: NWID + 1n,
    timestamp: TS,
    maxDelta: ctmd,
    issuedTo: B,
  });
  assert.equal(mine.agreesWith(other, B), false);
  // Empty COMs never agree; a COM missing the hash qualifiers does not agree with one that binds.
  assert.equal(mine.agreesWith(new CertificateOfMembership(), B), false);
  assert.equal(new CertificateOfMembership().agreesWith(theirs, B), false);
  const noHash = new CertificateOfMembership(theirs.qualifiers.slice(0, 3));
  assert.equal(mine.agreesWith(noHash, B), false);
  assert.ok(noHash.agreesWith(mine, A)); // mine does not bind an identity in that direction
});

test('COM decode failures have stable reasons', () => {
  const b = fromHex(V.com);
  const bad = (bytes: Uint8Array) => {
    const d = CertificateOfMembership.fromBytes(bytes);
    return d.ok ? 'ok' : d.reason;
  };
  const v2 = b.slice();
  v2[0] = 2;
  assert.equal(bad(v2), 'bad-version');
  const many = b.slice();
  many[2] = 9;
  assert.equal(bad(many), 'too-many-qualifiers');
  const unsorted = b.slice();
  unsorted[3 + 24 + 7] = 0; // qualifier 1's id becomes 0
  assert.equal(bad(unsorted), 'unsorted-qualifiers');
  assert.equal(bad(b.subarray(0, b.length - 1)), 'truncated');
  const extra = new Uint8Array(b.length + 1);
  extra.set(b);
  assert.equal(bad(extra), 'trailing-bytes');
  // Unsigned COM: signedBy 0 and no signature.
  const unsigned = new CertificateOfMembership([{ id: 0n, value: 1n, maxDelta: 2n }]);
  const enc = unsigned.toBytes();
  assert.equal(enc.length, 3 + 24 + 5);
  const back = CertificateOfMembership.fromBytes(enc);
  assert.ok(back.ok);
  assert.equal(back.value.signedBy, 0);
});
