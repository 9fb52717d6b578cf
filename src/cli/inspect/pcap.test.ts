import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex } from '../../util/bytes.ts';
import { readPcap } from './pcap.ts';

const capture = readFileSync(new URL('../../../test/vectors/lab-capture-1/capture.pcap', import.meta.url));

test('reads the lab capture: every record is a ZeroTier UDP datagram on port 9993 or a secondary port', () => {
  const r = readPcap(capture);
  assert.ok(r.ok, !r.ok ? r.reason : '');
  assert.equal(r.value.linkType, 1);
  assert.equal(r.value.records, 239);
  // The README of shared/vectors says 238 ZeroTier packets; the one other record is not UDP.
  const zt = r.value.datagrams.filter((d) => d.payload.length >= 16);
  assert.ok(zt.length >= 238, `found ${zt.length}`);
  const first = r.value.datagrams[0];
  assert.equal(first.srcIp, '10.77.0.10');
  assert.equal(first.srcPort, 9993);
  assert.equal(first.dstIp, '10.77.0.11');
  assert.ok(first.time > 1.7e9);
});

test('refuses what it cannot read with a reason', () => {
  assert.equal(readPcap(new Uint8Array(3)).ok, false);
  const ng = fromHex('0a0d0d0a000000000000000000000000000000000000000000000000');
  const r = readPcap(ng);
  assert.ok(!r.ok && /pcapng/.test(r.reason));
});

test('never throws on truncated or mutated captures', () => {
  fc.assert(
    fc.property(
      fc.nat(capture.length),
      fc.array(fc.tuple(fc.nat(capture.length - 1), fc.nat(255)), { maxLength: 20 }),
      (cut, flips) => {
        const b = Uint8Array.from(capture.subarray(0, cut));
        for (const [i, v] of flips) if (i < b.length) b[i] = v;
        readPcap(b);
      },
    ),
    { numRuns: 300 },
  );
});
