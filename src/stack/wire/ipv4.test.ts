import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../util/bytes.ts';
import { internetChecksum } from './checksum.ts';
import { formatIp } from './ip-address.ts';
import { emitIpv4Header, IPPROTO_ICMP, IPPROTO_UDP, Ipv4View, parseIpv4, parseIpv4Quote } from './ipv4.ts';
import { frame, frames } from './testdata/frames.ts';

describe('ipv4', () => {
  it('deconstructs a captured header', () => {
    const ip = frame('icmpv4-echo').subarray(14);
    const r = parseIpv4(ip);
    assert.ok(r.ok);
    const h = r.value;
    assert.deepEqual(
      [
        h.headerLen,
        h.totalLen,
        h.ident,
        h.dontFragment,
        h.moreFragments,
        h.fragOffset,
        h.ttl,
        h.protocol,
        h.tos,
      ],
      [20, 36, 0x87, true, false, 0, 64, IPPROTO_ICMP, 0],
    );
    assert.equal(formatIp(h.src), '10.77.0.1');
    assert.equal(formatIp(h.dst), '10.77.0.2');
  });

  it('constructs the exact header bytes (checksum included)', () => {
    const ip = frame('icmpv4-echo').subarray(14);
    const b = new Uint8Array(20);
    emitIpv4Header(
      {
        totalLen: 36,
        ident: 0x87,
        protocol: 1,
        src: ip.subarray(12, 16),
        dst: ip.subarray(16, 20),
        dontFragment: true,
      },
      b,
    );
    assert.equal(toHex(b), toHex(ip.subarray(0, 20)));
    const u = frame('udp4').subarray(14);
    emitIpv4Header(
      {
        totalLen: 33,
        ident: 0x0f0e,
        protocol: IPPROTO_UDP,
        src: u.subarray(12, 16),
        dst: u.subarray(16, 20),
        dontFragment: true,
      },
      b,
    );
    assert.equal(toHex(b), toHex(u.subarray(0, 20)));
  });

  it('reads fragment fields of a captured fragmented ping', () => {
    const [f0, f1] = frames('icmpv4-frag').map((f) => parseIpv4(f.subarray(14)));
    assert.ok(f0.ok && f1.ok);
    assert.deepEqual([f0.value.moreFragments, f0.value.fragOffset, f0.value.totalLen], [true, 0, 1500]);
    assert.deepEqual([f1.value.moreFragments, f1.value.fragOffset, f1.value.totalLen], [false, 1480, 148]);
    assert.equal(f0.value.ident, f1.value.ident);
  });

  it('encodes fragment offset and MF', () => {
    const b = new Uint8Array(20);
    const z = new Uint8Array(4);
    emitIpv4Header(
      { totalLen: 20, ident: 1, protocol: 17, src: z, dst: z, moreFragments: true, fragOffset: 2760 },
      b,
    );
    const r = parseIpv4(b);
    assert.ok(r.ok);
    assert.deepEqual([r.value.moreFragments, r.value.fragOffset], [true, 2760]);
    assert.equal(internetChecksum(b), 0);
  });

  it('rejects bad checksum, version, IHL, lengths', () => {
    const ip = frame('icmpv4-echo').subarray(14).slice();
    const flip = ip.slice();
    flip[8] ^= 1;
    assert.deepEqual(parseIpv4(flip), { ok: false, reason: 'bad-checksum' });
    assert.ok(parseIpv4(flip, false).ok);
    const v = ip.slice();
    v[0] = 0x65;
    assert.deepEqual(parseIpv4(v), { ok: false, reason: 'bad-version' });
    const ihl = ip.slice();
    ihl[0] = 0x44;
    assert.deepEqual(parseIpv4(ihl), { ok: false, reason: 'bad-ihl' });
    assert.deepEqual(parseIpv4(ip.subarray(0, 19)), { ok: false, reason: 'truncated' });
    assert.deepEqual(parseIpv4(ip.subarray(0, 35)), { ok: false, reason: 'truncated' });
    // Ethernet padding after the datagram is fine.
    const padded = new Uint8Array(ip.length + 10);
    padded.set(ip);
    assert.ok(parseIpv4(padded).ok);
  });

  it('parses the header quoted in a captured port unreachable', () => {
    const icmp = frame('icmpv4-port-unreachable').subarray(14 + 20);
    const q = parseIpv4Quote(icmp.subarray(8));
    assert.ok(q.ok);
    assert.equal(q.value.protocol, IPPROTO_UDP);
    assert.equal(formatIp(q.value.src), '10.77.0.2');
    assert.equal(formatIp(q.value.dst), '10.77.0.1');
    assert.equal(parseIpv4Quote(icmp.subarray(8, 8 + 27)).ok, false);
  });

  it('fuzz: parsers never throw and accepted headers are in bounds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (b, v) => {
        if (b.length > 0 && v) b[0] = 0x45 + (b[0] % 11);
        const r = parseIpv4(b, false);
        if (r.ok) assert.ok(r.value.totalLen <= b.length && r.value.headerLen <= r.value.totalLen);
        parseIpv4Quote(b);
      }),
    );
  });

  it('Ipv4View reads fields in place and rewrites TTL with a valid checksum', () => {
    const ip = frame('icmpv4-echo').subarray(14).slice();
    const r = Ipv4View.check(ip);
    assert.ok(r.ok);
    const v = r.value;
    assert.deepEqual(
      [v.headerLen, v.totalLen, v.ident, v.dontFragment, v.moreFragments, v.fragOffset, v.ttl, v.protocol],
      [20, 36, 0x87, true, false, 0, 64, 1],
    );
    assert.equal(v.checksum, 0x25b6);
    assert.equal(formatIp(v.src), '10.77.0.1');
    assert.equal(v.payload.length, 16);
    assert.ok(v.verifyChecksum());
    v.ttl = 63;
    assert.ok(!v.verifyChecksum());
    v.fillChecksum();
    assert.ok(v.verifyChecksum());
    assert.equal(ip[8], 63, 'the view writes through to the buffer');
    assert.equal(Ipv4View.check(ip.subarray(0, 30)).ok, false);
  });
});
