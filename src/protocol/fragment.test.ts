import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../util/bytes.ts';
import {
  decodeFragment,
  FRAG_HEADER_LENGTH,
  fragmentCount,
  fragmentPacket,
  isFragment,
  maxPacketLengthForMtu,
  needsFragmentation,
  Reassembler,
} from './fragment.ts';

/** A fake armored packet of `len` bytes with the fragmented flag set iff it needs fragmenting. */
function packet(len: number, mtu = 1432, id = 0x1122334455667788n): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (i * 31 + 7) & 0xff;
  new DataView(p.buffer).setBigUint64(0, id);
  p.set([0x83, 0xed, 0xc7, 0x39, 0x0e], 8); // destination
  p.set([0x2d, 0x1d, 0x26, 0x2d, 0x72], 13); // source: never starts with 0xff
  p[18] = 0x18 | (needsFragmentation(len, mtu) ? 0x40 : 0);
  return p;
}

test('fragmentPacket follows §3.3 layout and sizes', () => {
  const p = packet(3000);
  const parts = fragmentPacket(p, 1432);
  assert.equal(parts.length, fragmentCount(3000, 1432));
  assert.equal(parts.length, 1 + Math.ceil((3000 - 1432) / 1416));
  assert.equal(parts[0].length, 1432);
  assert.ok(!isFragment(parts[0]));
  for (let k = 1; k < parts.length; k++) {
    const f = parts[k];
    assert.ok(isFragment(f));
    assert.equal(toHex(f, 0, 13), toHex(p, 0, 13), 'packet ID and destination copied');
    assert.equal(f[13], 0xff);
    assert.equal(f[14], (parts.length << 4) | k);
    assert.equal(f[15], 0);
    const d = decodeFragment(f);
    assert.ok(d.ok);
    assert.equal(d.value.packetId, 0x1122334455667788n);
    assert.equal(d.value.destination, 0x83edc7390e);
    assert.equal(d.value.fragmentNo, k);
    assert.equal(d.value.total, parts.length);
  }
  assert.equal(
    parts.slice(1).reduce((n, f) => n + f.length - FRAG_HEADER_LENGTH, parts[0].length),
    3000,
  );
  assert.deepEqual(fragmentPacket(packet(100), 1432), [packet(100)]);
  assert.throws(() => fragmentPacket(packet(100), 10), RangeError);
  assert.throws(() => fragmentPacket(packet(30000), 1432), RangeError);
});

test('maxPacketLengthForMtu: the largest packet that fits in 7 datagrams', () => {
  assert.equal(maxPacketLengthForMtu(1432), 9928);
  assert.equal(fragmentPacket(packet(9928), 1432).length, 7);
  assert.equal(fragmentPacket(packet(9929), 1432).length, 8);
  assert.equal(maxPacketLengthForMtu(2800), 10024);
});

test('decodeFragment enforces the §3.3 acceptance rules', () => {
  const f = fragmentPacket(packet(2000), 1432)[1];
  const withNumbers = (b: number) => {
    const c = f.slice();
    c[14] = b;
    return decodeFragment(c);
  };
  assert.ok(withNumbers(0x21).ok);
  assert.ok(withNumbers(0x76).ok);
  assert.deepEqual(withNumbers(0x81), { ok: false, reason: 'frag-bad-total' });
  assert.deepEqual(withNumbers(0x11), { ok: false, reason: 'frag-bad-total' });
  assert.deepEqual(withNumbers(0x20), { ok: false, reason: 'frag-bad-number' });
  assert.deepEqual(withNumbers(0x22), { ok: false, reason: 'frag-bad-number' });
  assert.deepEqual(decodeFragment(f.subarray(0, 16)), { ok: false, reason: 'frag-not-fragment' });
});

test('reassembly in order, out of order, head last, head first', () => {
  const p = packet(5000);
  const parts = fragmentPacket(p, 1432);
  assert.equal(parts.length, 4);
  for (const order of [
    [0, 1, 2, 3],
    [3, 2, 1, 0],
    [1, 0, 3, 2],
    [2, 3, 0, 1],
  ]) {
    const r = new Reassembler();
    let done: Uint8Array | null = null;
    order.forEach((i, step) => {
      const res = r.receive(parts[i], 1000 + step);
      if (step < order.length - 1) assert.equal(res.kind, 'pending', `order ${order} step ${step}`);
      else if (res.kind === 'complete') done = res.packet;
    });
    assert.ok(done, `order ${order}`);
    assert.deepEqual(done, p);
    assert.equal(r.pending, 0);
  }
});

test('retainDatagrams keeps the pieces by reference; alloc supplies the assembled packet', () => {
  const p = packet(3000);
  const parts = fragmentPacket(p, 1432).map((d) => d.slice());
  const allocated: number[] = [];
  const r = new Reassembler({
    retainDatagrams: true,
    alloc: (n) => {
      allocated.push(n);
      return new Uint8Array(n);
    },
  });
  assert.equal(r.receive(parts[2], 0).kind, 'pending');
  assert.equal(r.receive(parts[0], 0).kind, 'pending');
  parts[2][FRAG_HEADER_LENGTH] ^= 0xff; // retained, not copied: the change shows in the result
  const res = r.receive(parts[1], 0);
  assert.equal(res.kind, 'complete');
  assert.deepEqual(allocated, [3000]);
  const got = (res as { packet: Uint8Array }).packet;
  assert.equal(got.length, 3000);
  assert.deepEqual(got.subarray(0, 2848), p.subarray(0, 2848));
  assert.equal(got[2848], p[2848] ^ 0xff);
  // The default copies: the same edit after receive does not change the result.
  const c = new Reassembler();
  const parts2 = fragmentPacket(p, 1432).map((d) => d.slice());
  c.receive(parts2[2], 0);
  c.receive(parts2[0], 0);
  parts2[2][FRAG_HEADER_LENGTH] ^= 0xff;
  assert.deepEqual((c.receive(parts2[1], 0) as { packet: Uint8Array }).packet, p);
});

test('unfragmented heads pass straight through; short datagrams are dropped', () => {
  const r = new Reassembler();
  const p = packet(200);
  const res = r.receive(p, 0);
  assert.equal(res.kind, 'complete');
  assert.equal(res.kind === 'complete' && res.packet, p);
  assert.deepEqual(r.receive(new Uint8Array(20), 0), { kind: 'dropped', reason: 'too-short' });
  assert.equal(r.drops['too-short'], 1);
});

test('duplicates, inconsistent totals, timeout and eviction are counted', () => {
  const p = packet(3000);
  const parts = fragmentPacket(p, 1432);
  const r = new Reassembler({ slots: 2 });
  assert.equal(r.receive(parts[1], 0).kind, 'pending');
  assert.deepEqual(r.receive(parts[1], 1), { kind: 'dropped', reason: 'duplicate' });
  const bad = parts[2].slice();
  bad[14] = 0x42;
  assert.deepEqual(r.receive(bad, 2), { kind: 'dropped', reason: 'inconsistent-total' });
  assert.equal(r.receive(parts[0], 3).kind, 'pending');
  assert.deepEqual(r.receive(parts[0], 4), { kind: 'dropped', reason: 'duplicate' });
  assert.equal(r.nextDeadline(), 5000);
  // Expires 5 s after the first piece: the late last fragment starts a new (never-complete) entry.
  assert.equal(r.receive(parts[2], 5000).kind, 'pending');
  assert.equal(r.drops.timeout, 1);
  // Two other packets fill the two slots: the oldest entry is evicted.
  r.receive(fragmentPacket(packet(3000, 1432, 1n), 1432)[1], 5001);
  r.receive(fragmentPacket(packet(3000, 1432, 2n), 1432)[1], 5002);
  assert.equal(r.drops.evicted, 1);
  assert.equal(r.pending, 2);
  r.expire(20000);
  assert.equal(r.pending, 0);
  assert.equal(r.nextDeadline(), undefined);
});

test('oversized assemblies are dropped (memory bound)', () => {
  // Forge 7 fragments of a packet claiming 7 pieces but with 1700-byte pieces: > 10024 bytes.
  const r = new Reassembler();
  const head = packet(1500, 1400);
  let last: ReturnType<Reassembler['receive']> | undefined;
  for (let k = 1; k < 7; k++) {
    const f = new Uint8Array(16 + 1700);
    f.set(head.subarray(0, 13));
    f[13] = 0xff;
    f[14] = 0x70 | k;
    last = r.receive(f, 0);
  }
  assert.deepEqual(last, { kind: 'dropped', reason: 'too-large' });
  assert.equal(r.pending, 0);
});

test('property: any packet up to 10024 bytes, any MTU, any order reassembles exactly', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 28, max: 10024 }),
      fc.integer({ min: 1400, max: 2900 }),
      fc.integer(),
      (len, mtu, seed) => {
        const p = packet(len, mtu);
        const parts = fragmentPacket(p, mtu);
        if (parts.length > 7) return; // beyond what receivers accept
        const order = parts.map((_, i) => i);
        let s = seed >>> 0;
        for (let i = order.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const j = s % (i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        const r = new Reassembler();
        let out: Uint8Array | undefined;
        for (const i of order) {
          const res = r.receive(parts[i], 0);
          if (res.kind === 'complete') out = res.packet;
          else assert.equal(res.kind, 'pending');
        }
        assert.deepEqual(out, p);
      },
    ),
    { numRuns: 200 },
  );
});

test('fuzz: random datagrams never throw and memory stays bounded', () => {
  const r = new Reassembler();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1600 }), fc.nat(100000), (d, now) => {
      if (d.length > 13 && d[0] & 1) d[13] = 0xff; // bias towards fragments
      const res = r.receive(d, now);
      assert.ok(['complete', 'pending', 'dropped'].includes(res.kind));
      assert.ok(r.pending <= 32);
    }),
    { numRuns: 2000 },
  );
});
