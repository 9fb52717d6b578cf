import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cryptoVectors } from '../../testing/vectors.ts';
import { fromHex } from '../../util/bytes.ts';
import { Writer } from '../../util/result.ts';
import { Identity } from '../identity.ts';
import { ConfigAssembler } from './config-assembler.ts';
import {
  type ConfigChunk,
  type DecodedConfigChunk,
  decodeConfigChunk,
  encodeConfigChunk,
  splitConfigIntoChunks,
} from './network-config.ts';

const vec = cryptoVectors;
const ctrl = Identity.fromString(vec.identities.A);
const other = Identity.fromString(vec.identities.B);
assert.ok(ctrl.ok && other.ok);
const A = ctrl.value;
const NWID = 0x2d1d262d72000001n;
const dict = fromHex(vec.values.netconf_dict);
const verify = (region: Uint8Array, sig: Uint8Array) => A.verify(region, sig);

/** Chunks as they arrive on the wire (encoded then decoded, with signedRegion). */
function wire(chunks: ConfigChunk[]): DecodedConfigChunk[] {
  return chunks.map((c) => {
    const w = new Writer();
    encodeConfigChunk(w, c);
    const d = decodeConfigChunk(w.finish());
    assert.ok(d.ok);
    return d.value;
  });
}

test('assembles chunks in any order, ignoring duplicates', () => {
  const chunks = wire(splitConfigIntoChunks(NWID, dict, 5n, (m) => A.sign(m), { maxChunk: 400 }));
  assert.equal(chunks.length, 4);
  const asm = new ConfigAssembler(NWID);
  const order = [2, 0, 2, 3, 1];
  const results = order.map((i) => asm.accept(chunks[i], verify));
  assert.deepEqual(
    results.map((r) => r.kind),
    ['pending', 'pending', 'dropped', 'pending', 'complete'],
  );
  const done = results[4];
  assert.ok(done.kind === 'complete');
  assert.deepEqual(done.dictionary, dict);
  assert.equal(done.updateId, 5n);
  assert.equal(done.legacy, false);
  assert.equal(asm.drops.duplicate, 1);
  assert.equal(asm.pending, 0);
});

test('rejects bad signatures, other networks, bad ranges and oversize totals', () => {
  const [c] = wire(splitConfigIntoChunks(NWID, dict, 6n, (m) => A.sign(m), { maxChunk: 400 }));
  const asm = new ConfigAssembler(NWID, 2000);
  const bSigned = wire(
    splitConfigIntoChunks(NWID, dict, 6n, (m) => other.value.sign(m), { maxChunk: 400 }),
  )[0];
  assert.deepEqual(asm.accept(bSigned, verify), { kind: 'dropped', reason: 'bad-signature' });
  assert.deepEqual(asm.accept({ ...c, nwid: 1n }, verify), { kind: 'dropped', reason: 'wrong-network' });
  const m = c.meta!;
  assert.deepEqual(asm.accept({ ...c, meta: { ...m, offset: 1200 } }, verify), {
    kind: 'dropped',
    reason: 'bad-range',
  });
  assert.deepEqual(asm.accept({ ...c, meta: { ...m, totalLength: 5000 } }, verify), {
    kind: 'dropped',
    reason: 'too-large',
  });
  assert.deepEqual(asm.accept({ ...c, meta: { ...m, signatureType: 2 } }, verify), {
    kind: 'dropped',
    reason: 'bad-signature-type',
  });
  // A tampered field breaks the signature (the region is rebuilt from the fields).
  const { signedRegion: _r, ...plain } = c;
  assert.deepEqual(asm.accept({ ...plain, meta: { ...m, flags: 1 } }, verify), {
    kind: 'dropped',
    reason: 'bad-signature',
  });
  assert.equal(asm.accept(plain, verify).kind, 'pending');
});

test('legacy form is complete at once; at most 3 updates in flight', () => {
  const asm = new ConfigAssembler(NWID);
  const legacy = asm.accept({ nwid: NWID, data: dict }, verify);
  assert.ok(legacy.kind === 'complete' && legacy.legacy);
  for (const id of [1n, 2n, 3n, 4n]) {
    const [first] = wire(splitConfigIntoChunks(NWID, dict, id, (m) => A.sign(m), { maxChunk: 400 }));
    assert.equal(asm.accept(first, verify).kind, 'pending');
  }
  assert.equal(asm.pending, 3);
  // Update 1 was evicted: its remaining chunks start over and cannot complete alone.
  const rest = wire(splitConfigIntoChunks(NWID, dict, 1n, (m) => A.sign(m), { maxChunk: 400 })).slice(1);
  assert.ok(rest.map((c) => asm.accept(c, verify).kind).every((k) => k === 'pending'));
});
