import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../util/bytes.ts';
import { formatIp, parseIp } from './ip-address.ts';
import { IPPROTO_ICMPV6, IPPROTO_UDP } from './ipv4.ts';
import {
  emitIpv6FragmentHeader,
  emitIpv6Header,
  Ipv6View,
  NH_FRAGMENT,
  parseIpv6,
  parseIpv6Quote,
} from './ipv6.ts';
import { frame, frames } from './testdata/frames.ts';

describe('ipv6', () => {
  it('deconstructs a captured header', () => {
    const r = parseIpv6(frame('udp6').subarray(14));
    assert.ok(r.ok);
    const h = r.value;
    assert.deepEqual(
      [h.trafficClass, h.flowLabel, h.payloadLen, h.hopLimit, h.protocol, h.payloadOffset, h.end, h.fragment],
      [0, 0x16da2, 13, 64, IPPROTO_UDP, 40, 53, null],
    );
    assert.equal(formatIp(h.src), 'fd00::1');
    assert.equal(formatIp(h.dst), 'fd00::2');
  });

  it('constructs the exact header bytes', () => {
    const ip = frame('udp6').subarray(14);
    const b = new Uint8Array(40);
    emitIpv6Header(
      {
        payloadLen: 13,
        nextHeader: 17,
        src: parseIp('fd00::1')!,
        dst: parseIp('fd00::2')!,
        flowLabel: 0x16da2,
      },
      b,
    );
    assert.equal(toHex(b), toHex(ip.subarray(0, 40)));
  });

  it('reads the fragment header of a captured fragmented ping, and rebuilds it', () => {
    const [a, b] = frames('icmpv6-frag').map((f) => parseIpv6(f.subarray(14)));
    assert.ok(a.ok && b.ok);
    assert.deepEqual(a.value.fragment, {
      headerOffset: 40,
      nextHeader: IPPROTO_ICMPV6,
      fragOffset: 0,
      moreFragments: true,
      ident: 0xfbede12e,
    });
    assert.equal(b.value.fragment?.fragOffset, 1448);
    assert.equal(b.value.fragment?.moreFragments, false);
    assert.equal(a.value.payloadOffset, 48);
    const fh = new Uint8Array(8);
    emitIpv6FragmentHeader(58, 1448, false, 0xfbede12e, fh, 0);
    assert.equal(toHex(fh), toHex(frames('icmpv6-frag')[1].subarray(14 + 40, 14 + 48)));
    assert.equal(a.value.nextHeaderFieldOffset, 40);
  });

  it('walks hop-by-hop and destination options; refuses routing with segments left', () => {
    const b = new Uint8Array(40 + 8 + 8 + 8);
    emitIpv6Header({ payloadLen: 24, nextHeader: 0, src: new Uint8Array(16), dst: new Uint8Array(16) }, b);
    b[40] = 60; // HBH -> dest opts
    b[48] = 17; // dest opts -> UDP
    const r = parseIpv6(b);
    assert.ok(r.ok);
    assert.deepEqual([r.value.protocol, r.value.payloadOffset, r.value.nextHeaderFieldOffset], [17, 56, 48]);
    const rt = b.slice();
    rt[6] = 43;
    rt[40] = 17;
    rt[43] = 1; // segments left
    assert.deepEqual(parseIpv6(rt), { ok: false, reason: 'routing-segments-left' });
    const late = b.slice();
    late[40] = 0; // a second hop-by-hop header is invalid
    assert.deepEqual(parseIpv6(late), { ok: false, reason: 'misplaced-hop-by-hop' });
  });

  it('rejects truncated and wrong-version packets', () => {
    const ip = frame('udp6').subarray(14);
    assert.deepEqual(parseIpv6(ip.subarray(0, 39)), { ok: false, reason: 'truncated' });
    assert.deepEqual(parseIpv6(ip.subarray(0, 52)), { ok: false, reason: 'truncated' });
    const v = ip.slice();
    v[0] = 0x40;
    assert.deepEqual(parseIpv6(v), { ok: false, reason: 'bad-version' });
  });

  it('parses a quoted (truncated) packet', () => {
    const ip = frame('udp6').subarray(14);
    const q = parseIpv6Quote(ip.subarray(0, 48));
    assert.ok(q.ok);
    assert.deepEqual([q.value.protocol, q.value.payloadOffset], [17, 40]);
    const nonFirst = frames('icmpv6-frag')[1].subarray(14);
    assert.deepEqual(parseIpv6Quote(nonFirst), { ok: false, reason: 'non-first-fragment' });
    const first = frames('icmpv6-frag')[0].subarray(14, 14 + 56);
    const q2 = parseIpv6Quote(first);
    assert.ok(q2.ok);
    assert.equal(q2.value.protocol, 58);
    assert.equal(NH_FRAGMENT, first[6]);
  });

  it('fuzz: parsers never throw and stay in bounds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(255), (b, nh) => {
        if (b.length > 6) {
          b[0] = 0x60;
          b[6] = [0, 43, 44, 60, 17, nh][nh % 6];
        }
        const r = parseIpv6(b);
        if (r.ok) assert.ok(r.value.payloadOffset <= r.value.end && r.value.end <= b.length);
        parseIpv6Quote(b);
      }),
    );
  });

  it('Ipv6View reads the fixed header in place', () => {
    const ip = frame('udp6').subarray(14).slice();
    const r = Ipv6View.check(ip);
    assert.ok(r.ok);
    const v = r.value;
    assert.deepEqual(
      [v.trafficClass, v.flowLabel, v.payloadLen, v.nextHeader, v.hopLimit],
      [0, 0x16da2, 13, 17, 64],
    );
    assert.equal(formatIp(v.dst), 'fd00::2');
    assert.equal(v.payload.length, 13);
    v.hopLimit = 1;
    assert.equal(ip[7], 1);
    assert.deepEqual(Ipv6View.check(ip.subarray(0, 50)), { ok: false, reason: 'truncated' });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), (b) => void Ipv6View.check(b)));
  });
});
