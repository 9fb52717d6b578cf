import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VECTOR_A, VECTOR_B, VECTOR_NWID, vectorValues } from '../../testing/vectors.ts';
import { fromHex, toHex } from '../../util/bytes.ts';
import { CertificateOfOwnership, ThingType } from './coo.ts';

const V = vectorValues;
const A = VECTOR_A;
const B = VECTOR_B;
const NWID = VECTOR_NWID;

test('COO vector: one IPv4 thing, re-encode, verify, re-sign', () => {
  const d = CertificateOfOwnership.fromBytes(fromHex(V.coo));
  assert.ok(d.ok, d.ok ? '' : d.reason);
  const coo = d.value;
  assert.equal(coo.networkId, NWID);
  assert.equal(coo.timestamp, 1700000000000);
  assert.equal(coo.id, 1);
  assert.equal(coo.flags, 0n);
  assert.equal(coo.things.length, 1);
  assert.equal(coo.things[0].type, ThingType.IPV4_ADDRESS);
  assert.ok(coo.owns(ThingType.IPV4_ADDRESS, new Uint8Array([10, 147, 17, 5])));
  assert.equal(coo.owns(ThingType.IPV4_ADDRESS, new Uint8Array([10, 147, 17, 6])), false);
  assert.equal(coo.owns(ThingType.IPV6_ADDRESS, new Uint8Array(16)), false);
  assert.equal(coo.issuedTo, B.address);
  assert.equal(coo.signedBy, A.address);
  assert.equal(toHex(coo.toBytes()), V.coo);
  assert.ok(coo.verify(A));
  assert.equal(coo.verify(B), false);
  const fresh = new CertificateOfOwnership({
    networkId: NWID,
    timestamp: 1700000000000,
    id: 1,
    issuedTo: B.address,
  });
  fresh.addIp(new Uint8Array([10, 147, 17, 5]));
  assert.equal(toHex(fresh.sign(A).toBytes()), V.coo);
});

test('COO: altered thing fails verification; MAC and IPv6 things; limits', () => {
  const b = fromHex(V.coo);
  b[33] = 6; // 10.147.17.5 -> .6
  const d = CertificateOfOwnership.fromBytes(b);
  assert.ok(d.ok);
  assert.equal(d.value.verify(A), false);

  const coo = new CertificateOfOwnership({ networkId: NWID, timestamp: 5, id: 1, issuedTo: B.address });
  coo.addMac(0x022d1d3acfb0).addIp(fromHex('fd80000000000000000000000000000a'));
  assert.ok(coo.owns(ThingType.MAC_ADDRESS, fromHex('022d1d3acfb0')));
  assert.ok(coo.owns(ThingType.IPV6_ADDRESS, fromHex('fd80000000000000000000000000000a')));
  assert.equal(coo.owns(ThingType.MAC_ADDRESS, fromHex('022d1d3acf')), false); // too short
  coo.sign(A);
  const back = CertificateOfOwnership.fromBytes(coo.toBytes());
  assert.ok(back.ok && back.value.verify(A));
  for (let i = 0; i < 14; i++) coo.addIp(new Uint8Array([10, 0, 0, i]));
  assert.throws(() => coo.addIp(new Uint8Array([10, 0, 0, 99])), RangeError);
  // More than 16 things on the wire: the extra ones are read and dropped.
  coo.things.push({ type: 2, value: new Uint8Array(16) });
  const over = CertificateOfOwnership.fromBytes(coo.toBytes());
  assert.ok(over.ok);
  assert.equal(over.value.things.length, 16);
  assert.equal(over.value.verify(A), false);
  assert.deepEqual(CertificateOfOwnership.fromBytes(fromHex(V.coo).subarray(0, 60)), {
    ok: false,
    reason: 'truncated',
  });
});
