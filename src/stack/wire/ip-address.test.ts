import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatIp,
  hostBitsSet,
  ipFromString,
  ipKey,
  isLinkLocalV6,
  linkLocalFromMac,
  parseIp,
  parseIpv4,
  parseIpv6,
  prefixMatch,
  solicitedNode,
} from './ip-address.ts';

describe('ip-address', () => {
  it('formats IPv6 per RFC 5952', () => {
    const cases: Array<[string, string]> = [
      ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['FE80::0200:5EFF:FE00:5301', 'fe80::200:5eff:fe00:5301'],
      ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
      ['::ffff:a01:203', '::ffff:10.1.2.3'],
      ['::fffe:a01:203', '::fffe:a01:203'],
    ];
    for (const [i, o] of cases) assert.equal(formatIp(parseIpv6(i)!), o, i);
  });

  it('rejects malformed text', () => {
    for (const s of ['1.2.3', '1.2.3.256', '1.2.3.4.5', '01234.1.1.1', 'a.b.c.d', ''])
      assert.equal(parseIpv4(s), null, s);
    for (const s of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':::', 'g::1', '1:2:3:4:5:6:7'])
      assert.equal(parseIpv6(s), null, s);
    assert.throws(() => ipFromString('nope'), TypeError);
    assert.throws(() => ipFromString(new Uint8Array(5)), TypeError);
  });

  it('round-trips any address through text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 4, maxLength: 4 }),
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
        ),
        (a) => {
          assert.deepEqual(parseIp(formatIp(a)), a);
        },
      ),
    );
  });

  it('matches prefixes and sets host bits', () => {
    const a = parseIp('10.1.2.3')!;
    assert.ok(prefixMatch(a, parseIp('10.1.255.0')!, 16));
    assert.ok(!prefixMatch(a, parseIp('10.1.255.0')!, 17));
    assert.ok(prefixMatch(a, parseIp('10.1.2.0')!, 23));
    assert.ok(prefixMatch(a, parseIp('99.9.9.9')!, 0));
    assert.ok(!prefixMatch(a, parseIp('::1')!, 0));
    assert.equal(formatIp(hostBitsSet(a, 20)), '10.1.15.255');
  });

  it('derives link-local and solicited-node addresses', () => {
    const ll = linkLocalFromMac(new Uint8Array([0x02, 0x2d, 0x1d, 0x3a, 0xcf, 0xb0]));
    assert.equal(formatIp(ll), 'fe80::2d:1dff:fe3a:cfb0');
    assert.ok(isLinkLocalV6(ll));
    assert.equal(formatIp(solicitedNode(parseIp('fd00::1234:5678')!)), 'ff02::1:ff34:5678');
    assert.equal(ipKey(parseIp('10.0.0.1')!), 0x0a000001);
    assert.equal(ipKey(parseIp('::1')!), `${'0'.repeat(31)}1`);
  });
});
