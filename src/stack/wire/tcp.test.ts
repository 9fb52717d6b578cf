import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../../util/bytes.ts';
import { finishChecksum, internetChecksum, sumWords } from './checksum.ts';
import {
  ACK_FLAG,
  checkTcp,
  decodeTcp,
  encodeTcp,
  fastSum,
  flagsToString,
  parseTcpOptions,
  SYN,
  TcpOptions,
  tcpChecksum,
} from './tcp.ts';

// A SYN captured from Linux 6.x on the loopback (AF_PACKET on lo). The checksum field holds only
// the pseudo-header partial (checksum offload on lo), so checksums are tested separately below.
const LINUX_SYN = 'ca24b26e3086ec1c00000000a002ffd7fe3000000204ffd70402080aab6c9235000000000103030a';
// Its SYN-ACK.
const LINUX_SYNACK = 'b26eca244acdaa463086ec1da012ffcbfe3000000204ffd70402080aab24f780ab6c92350103030a';

test('deconstruct a Linux SYN', () => {
  const d = decodeTcp(fromHex(LINUX_SYN));
  assert.ok(d.ok);
  const s = d.value;
  assert.equal(s.srcPort, 0xca24);
  assert.equal(s.dstPort, 45678);
  assert.equal(s.seq, 0x3086ec1c);
  assert.equal(s.ack, 0);
  assert.equal(s.flags, SYN);
  assert.equal(s.window, 0xffd7);
  assert.equal(s.headerLength, 40);
  assert.equal(s.options.mss, 65495);
  assert.equal(s.options.sackPermitted, true);
  assert.equal(s.options.hasTimestamp, true);
  assert.equal(s.options.tsVal, 0xab6c9235);
  assert.equal(s.options.tsEcr, 0);
  assert.equal(s.options.windowScale, 10);
  assert.equal(s.payload.length, 0);
});

test('construct reproduces the Linux SYN-ACK bytes (option layout included)', () => {
  const b = encodeTcp({
    srcPort: 45678,
    dstPort: 0xca24,
    seq: 0x4acdaa46,
    ack: 0x3086ec1d,
    flags: SYN | ACK_FLAG,
    window: 0xffcb,
    options: { mss: 65495, sackPermitted: true, timestamp: [0xab24f780, 0xab6c9235], windowScale: 10 },
  });
  // Patch in the captured checksum field so the whole segment compares.
  b[16] = 0xfe;
  b[17] = 0x30;
  assert.equal(toHex(b), LINUX_SYNACK);
  assert.equal(flagsToString(b[13]), 'SYN|ACK');
});

test('checksum: encode fills it, the sum over pseudo-header + segment is then zero', () => {
  const src = fromHex('0a000001');
  const dst = fromHex('0a000002');
  const seg = encodeTcp(
    { srcPort: 1234, dstPort: 80, seq: 1, ack: 2, flags: ACK_FLAG, window: 100, payload: fromHex('010203') },
    src,
    dst,
  );
  assert.equal(tcpChecksum(src, dst, seg), 0);
  // Independent check: build the RFC 9293 §3.1 pseudo-header by hand and sum everything together.
  const whole = new Uint8Array(12 + seg.length);
  whole.set(src, 0);
  whole.set(dst, 4);
  whole[9] = 6;
  whole[10] = seg.length >> 8;
  whole[11] = seg.length & 0xff;
  whole.set(seg, 12);
  assert.equal(internetChecksum(whole), 0);
  seg[21] ^= 1;
  assert.notEqual(tcpChecksum(src, dst, seg), 0);
});

test('SACK blocks round-trip, with timestamps', () => {
  const b = encodeTcp({
    srcPort: 1,
    dstPort: 2,
    seq: 3,
    ack: 4,
    flags: ACK_FLAG,
    options: {
      timestamp: [7, 8],
      sack: [
        [100, 200],
        [300, 400],
        [0xfffffff0, 5],
      ],
    },
  });
  const d = decodeTcp(b);
  assert.ok(d.ok);
  assert.equal(d.value.headerLength, 20 + 12 + 28);
  assert.equal(d.value.options.sackCount, 3);
  assert.deepEqual([...d.value.options.sack.subarray(0, 6)], [100, 200, 300, 400, 0xfffffff0, 5]);
  assert.equal(d.value.options.tsVal, 7);
  assert.equal(d.value.options.tsEcr, 8);
});

test('impossible lengths are reported, not thrown', () => {
  assert.equal(checkTcp(new Uint8Array(19)), 'truncated');
  const b = fromHex(LINUX_SYN);
  b[12] = 0x40; // data offset 4 words < 5
  assert.equal(checkTcp(b), 'bad-data-offset');
  b[12] = 0xf0; // 60 bytes > 40 available
  assert.equal(checkTcp(b), 'truncated-options');
  const o = new TcpOptions();
  assert.equal(parseTcpOptions(fromHex('0201'), 0, 2, o), 'bad-option-length');
  assert.equal(parseTcpOptions(fromHex('0205ffff'), 0, 4, o), 'bad-option-length');
  assert.equal(parseTcpOptions(fromHex('02'), 0, 1, o), 'bad-option-length');
  // Unknown option skipped by its length, then EOL ends parsing.
  assert.equal(parseTcpOptions(fromHex('1e03aa020405b400'), 0, 8, o), null);
  assert.equal(o.mss, 1460);
  // Window shift above 14 is clamped (RFC 7323 §2.3).
  assert.equal(parseTcpOptions(fromHex('01030320'), 0, 4, o), null);
  assert.equal(o.windowScale, 14);
});

test('fuzz: decodeTcp never throws and stays in bounds', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const d = decodeTcp(bytes);
      if (d.ok) {
        assert.ok(d.value.headerLength >= 20 && d.value.headerLength <= bytes.length);
        assert.ok(d.value.options.sackCount <= 4);
      } else assert.equal(typeof d.reason, 'string');
    }),
    { numRuns: 3000 },
  );
  // Structured fuzz: valid header, random option bytes.
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (opts) => {
      const pad = opts.length + ((4 - (opts.length % 4)) % 4);
      const b = new Uint8Array(20 + pad);
      b[12] = ((20 + pad) >> 2) << 4;
      b.set(opts, 20);
      const d = decodeTcp(b);
      assert.ok(d.ok || d.reason === 'bad-option-length');
    }),
    { numRuns: 3000 },
  );
});

test('fastSum equals the byte-wise sum for every alignment and length', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      fc.integer({ min: 0, max: 7 }),
      (data, shift) => {
        const big = new Uint8Array(data.length + 8);
        big.set(data, shift);
        const view = big.subarray(shift, shift + data.length);
        assert.equal(finishChecksum(fastSum(view)), finishChecksum(sumWords(data, 0, data.length)));
      },
    ),
    { numRuns: 500 },
  );
});
