import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VECTOR_A, VECTOR_B, VECTOR_NWID, vectorValues } from '../../testing/vectors.ts';
import { fromHex, toHex } from '../../util/bytes.ts';
import { RuleType } from '../rules.ts';
import { Capability } from './capability.ts';

const V = vectorValues;
const A = VECTOR_A;
const B = VECTOR_B;
const NWID = VECTOR_NWID;

test('Capability vector: rules, custody chain, re-encode, verify, re-sign', () => {
  const d = Capability.fromBytes(fromHex(V.cap));
  assert.ok(d.ok, d.ok ? '' : d.reason);
  const cap = d.value;
  assert.equal(cap.networkId, NWID);
  assert.equal(cap.timestamp, 1700000000000);
  assert.equal(cap.id, 7);
  assert.deepEqual(cap.rules, [
    { type: RuleType.MATCH_ETHERTYPE, not: true, or: false, etherType: 0x0800 },
    { type: RuleType.ACTION_DROP, not: false, or: false },
  ]);
  assert.equal(cap.maxCustodyChainLength, 1);
  assert.equal(cap.custody.length, 1);
  assert.equal(cap.custody[0].from, A.address);
  assert.equal(cap.custody[0].to, B.address);
  assert.equal(cap.issuedTo, B.address);
  assert.equal(toHex(cap.toBytes()), V.cap);
  assert.ok(cap.verify(A));
  assert.ok(cap.verify((a) => (a === A.address ? A : undefined)));
  assert.equal(cap.verify(B), false);
  assert.equal(
    cap.verify(() => undefined),
    false,
  );

  const fresh = new Capability({ networkId: NWID, timestamp: 1700000000000, id: 7, rules: cap.rules });
  assert.equal(fresh.verify(A), false);
  fresh.sign(A, B.address);
  assert.equal(toHex(fresh.toBytes()), V.cap);
  assert.throws(() => fresh.sign(B, A.address), RangeError); // chain full (max 1)
});

test('Capability: altered rules fail verification; chains must start at the controller and link up', () => {
  const b = fromHex(V.cap);
  b[25] = 0x86; // ethertype 0x0800 -> 0x86dd's high byte
  const d = Capability.fromBytes(b);
  assert.ok(d.ok);
  assert.equal(d.value.verify(A), false);

  // A two-step chain: controller A -> B, then B -> A (a toy transfer).
  const cap = new Capability({ networkId: NWID, timestamp: 1, id: 1, rules: [], maxCustodyChainLength: 2 });
  cap.sign(A, B.address).sign(B, A.address);
  const lookup = (a: number) => (a === A.address ? A : a === B.address ? B : undefined);
  assert.ok(cap.verify(lookup));
  const back = Capability.fromBytes(cap.toBytes());
  assert.ok(back.ok && back.value.verify(lookup));
  // Broken link: second entry not from the previous holder.
  const broken = new Capability({
    networkId: NWID,
    timestamp: 1,
    id: 1,
    rules: [],
    maxCustodyChainLength: 2,
  });
  broken.sign(A, B.address).sign(A, B.address);
  assert.equal(broken.verify(lookup), false);
  // First entry not from the controller.
  const rogue = new Capability({ networkId: NWID, timestamp: 1, id: 1, rules: [] });
  rogue.sign(B, A.address);
  assert.equal(rogue.verify(lookup), false);
});

test('Capability decode reasons', () => {
  const b = fromHex(V.cap);
  const tooMany = b.slice();
  tooMany[20] = 0;
  tooMany[21] = 65;
  assert.deepEqual(Capability.fromBytes(tooMany), { ok: false, reason: 'too-many-rules' });
  assert.deepEqual(Capability.fromBytes(b.subarray(0, 30)), { ok: false, reason: 'truncated' });
  assert.deepEqual(Capability.fromBytes(b.subarray(0, b.length - 3)), { ok: false, reason: 'truncated' });
  // Eight non-zero custody entries.
  const cap = new Capability({ networkId: NWID, timestamp: 1, id: 1, rules: [] });
  const sig = { type: 1, signature: new Uint8Array(96) };
  cap.custody = Array.from({ length: 8 }, (_, i) => ({ to: i + 1, from: i, sig }));
  assert.deepEqual(Capability.fromBytes(cap.toBytes()), { ok: false, reason: 'custody-chain-too-long' });
});
