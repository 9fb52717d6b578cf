import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../util/bytes.ts';
import { parseIp } from './ip-address.ts';
import { frame } from './testdata/frames.ts';
import { emitUdp, parseUdp, UdpView, udpPorts } from './udp.ts';

describe('udp', () => {
  const v4 = frame('udp4').subarray(14);
  const v6 = frame('udp6').subarray(14);
  const s4 = v4.subarray(12, 16);
  const d4 = v4.subarray(16, 20);
  const s6 = parseIp('fd00::1')!;
  const d6 = parseIp('fd00::2')!;

  for (const [name, ip, hl, s, d] of [
    ['IPv4', v4, 20, s4, d4],
    ['IPv6', v6, 40, s6, d6],
  ] as const) {
    it(`deconstructs and reconstructs a captured ${name} datagram`, () => {
      const u = ip.subarray(hl);
      const r = parseUdp(u, s, d);
      assert.ok(r.ok);
      assert.deepEqual(
        [r.value.srcPort, r.value.dstPort, Buffer.from(r.value.payload).toString()],
        [5000, 7000, 'hello'],
      );
      assert.equal(toHex(emitUdp(5000, 7000, Buffer.from('hello'), s, d)), toHex(u));
    });
  }

  it('rejects bad checksum, bad length, truncation; zero checksum only over IPv4', () => {
    const u = v4.subarray(20).slice();
    u[9] ^= 1;
    assert.deepEqual(parseUdp(u, s4, d4), { ok: false, reason: 'bad-checksum' });
    u[6] = 0;
    u[7] = 0;
    assert.ok(parseUdp(u, s4, d4).ok);
    const u6 = v6.subarray(40).slice();
    u6[6] = 0;
    u6[7] = 0;
    assert.deepEqual(parseUdp(u6, s6, d6), { ok: false, reason: 'zero-checksum' });
    const bl = v4.subarray(20).slice();
    bl[5] = 7;
    assert.deepEqual(parseUdp(bl, s4, d4), { ok: false, reason: 'bad-length' });
    bl[5] = 14;
    assert.deepEqual(parseUdp(bl, s4, d4), { ok: false, reason: 'truncated' });
    assert.deepEqual(parseUdp(v4.subarray(20, 27), s4, d4), { ok: false, reason: 'truncated' });
    assert.deepEqual(udpPorts(v4.subarray(20, 24)), { srcPort: 5000, dstPort: 7000 });
    assert.equal(udpPorts(v4.subarray(20, 23)), null);
  });

  it('a computed checksum of zero is sent as 0xffff (RFC 768)', () => {
    // Search a payload whose checksum folds to zero, then check the wire value.
    const s = new Uint8Array([10, 0, 0, 1]);
    const d = new Uint8Array([10, 0, 0, 2]);
    for (let x = 0; x < 0x10000; x++) {
      const b = emitUdp(1, 2, new Uint8Array([x >> 8, x & 0xff]), s, d);
      if (b[6] === 0xff && b[7] === 0xff) {
        assert.ok(parseUdp(b, s, d).ok);
        return;
      }
      assert.ok(b[6] !== 0 || b[7] !== 0);
    }
    assert.fail('no zero-sum payload found');
  });

  it('fuzz: never throws; emit parses back', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => void parseUdp(b, s6, d6)));
    fc.assert(
      fc.property(fc.nat(65535), fc.nat(65535), fc.uint8Array({ maxLength: 200 }), (sp, dp, p) => {
        const r = parseUdp(emitUdp(sp, dp, p, s4, d4), s4, d4);
        assert.ok(r.ok);
        assert.deepEqual([r.value.srcPort, r.value.dstPort, r.value.payload], [sp, dp, p]);
      }),
    );
  });

  it('UdpView reads and rewrites a datagram in place (port rewrite + checksum)', () => {
    const u = v4.subarray(20).slice();
    const r = UdpView.check(u);
    assert.ok(r.ok);
    const v = r.value;
    assert.deepEqual([v.srcPort, v.dstPort, v.length, v.checksum], [5000, 7000, 13, 0x7885]);
    assert.equal(Buffer.from(v.payload).toString(), 'hello');
    assert.ok(v.verifyChecksum(s4, d4));
    v.dstPort = 7001;
    assert.ok(!v.verifyChecksum(s4, d4));
    v.fillChecksum(s4, d4);
    assert.ok(v.verifyChecksum(s4, d4));
    assert.equal(toHex(u), toHex(emitUdp(5000, 7001, Buffer.from('hello'), s4, d4)));
    assert.deepEqual(UdpView.check(u.subarray(0, 12)), { ok: false, reason: 'truncated' });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 30 }), (b) => void UdpView.check(b)));
  });
});
