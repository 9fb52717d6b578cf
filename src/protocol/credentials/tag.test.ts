import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VECTOR_A, VECTOR_B, vectorValues } from '../../testing/vectors.ts';
import { fromHex, toHex } from '../../util/bytes.ts';
import { Tag } from './tag.ts';

const V = vectorValues;
const A = VECTOR_A;
const B = VECTOR_B;

test('Tag vector: fields, signed portion, re-encode, verify, re-sign', () => {
  const d = Tag.fromBytes(fromHex(V.tag));
  assert.ok(d.ok, d.ok ? '' : d.reason);
  const tag = d.value;
  assert.equal(tag.networkId, 0x2d1d262d72000001n);
  assert.equal(tag.timestamp, 1700000000000);
  assert.equal(tag.id, 100);
  assert.equal(tag.value, 42);
  assert.equal(tag.issuedTo, B.address);
  assert.equal(tag.signedBy, A.address);
  assert.equal(toHex(tag.signedBytes()), V.tag_signed_portion);
  assert.equal(toHex(tag.toBytes()), V.tag);
  assert.ok(tag.verify(A));
  assert.equal(tag.verify(B), false);
  const fresh = new Tag({
    networkId: 0x2d1d262d72000001n,
    timestamp: 1700000000000,
    id: 100,
    value: 42,
    issuedTo: B.address,
  });
  assert.equal(fresh.verify(A), false);
  assert.equal(toHex(fresh.sign(A).toBytes()), V.tag);
});

test('Tag: altered bytes fail verification; decode reasons', () => {
  const b = fromHex(V.tag);
  b[23] ^= 0x01; // value 42 -> 43
  const d = Tag.fromBytes(b);
  assert.ok(d.ok);
  assert.equal(d.value.value, 43);
  assert.equal(d.value.verify(A), false);
  const sig = fromHex(V.tag);
  sig[40] ^= 0x80; // inside the signature
  const s = Tag.fromBytes(sig);
  assert.ok(s.ok && !s.value.verify(A));
  const badLen = fromHex(V.tag);
  badLen[36] = 0x5f; // sigLen 96 -> 95
  assert.deepEqual(Tag.fromBytes(badLen), { ok: false, reason: 'bad-signature-length' });
  assert.deepEqual(Tag.fromBytes(fromHex(V.tag).subarray(0, 100)), { ok: false, reason: 'truncated' });
  // An unknown signature type is skipped (kept opaque) and never verifies.
  const other = fromHex(V.tag);
  other[34] = 2;
  const o = Tag.fromBytes(other);
  assert.ok(o.ok);
  assert.equal(o.value.verify(A), false);
  assert.equal(toHex(o.value.toBytes()), toHex(other));
});
