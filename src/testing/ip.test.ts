import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalIp, familyOf, formatEndpoint, isLoopback, requireIp } from './ip.ts';

test('canonical IPv4 and IPv6 text (RFC 5952)', () => {
  const cases: [string, string | undefined][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['256.0.0.1', undefined],
    ['1.2.3', undefined],
    ['1.2.3.4.5', undefined],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'], // longest run wins
    ['2001:db8:1:1:1:1:0:1', '2001:db8:1:1:1:1:0:1'], // a single zero group is not compressed
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['1::2::3', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['1:2:3:4:5:6:7::8', undefined],
    ['12345::', undefined],
    ['fe80::1%eth0', undefined],
    ['', undefined],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
  assert.throws(() => requireIp('x', 'ctx'), /ctx: not an IPv4 or IPv6/);
});

test('property: canonical forms are fixed points and agree with node:net on validity', async () => {
  const { isIP } = await import('node:net');
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
      const c = canonicalIp(ip);
      assert.ok(c !== undefined, ip);
      assert.equal(canonicalIp(c), c);
      assert.equal(isIP(c), familyOf(c));
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => {
      const c = canonicalIp(s);
      if (c !== undefined) assert.ok(isIP(s) !== 0, s);
    }),
  );
});

test('helpers', () => {
  assert.equal(familyOf('10.0.0.1'), 4);
  assert.equal(familyOf('fd00::1'), 6);
  assert.ok(isLoopback('127.0.0.5') && isLoopback('::1') && !isLoopback('10.0.0.1'));
  assert.equal(formatEndpoint('fd00::1', 9993), '[fd00::1]:9993');
  assert.equal(formatEndpoint('10.0.0.1', 9993), '10.0.0.1:9993');
});
