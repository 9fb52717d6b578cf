import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIpv4Text, formatIpv6Text, parseIpv4Text, parseIpv6Text } from './ip-text.ts';

test('IPv4 text: parse and format', () => {
  assert.deepEqual(parseIpv4Text('192.0.2.1'), Uint8Array.of(192, 0, 2, 1));
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '1.2.3.04x', '', '1..2.3', '+1.2.3.4', '1234.1.1.1'])
    assert.equal(parseIpv4Text(bad), null, bad);
  assert.equal(formatIpv4Text(Uint8Array.of(10, 0, 255, 7)), '10.0.255.7');
});

test('IPv6 text: parse (::, embedded IPv4, zone) and RFC 5952 format', () => {
  const cases: [string, string | null][] = [
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
    ['2001:db8:1:1:1:1:0:1', '2001:db8:1:1:1:1:0:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['1::2::3', null],
    ['1:::2', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['1:2:3:4:5:6:7::8', null],
    ['1:2:3:4:5:6:7', null],
    ['12345::', null],
    ['::1.2.3', null],
    ['', null],
  ];
  for (const [input, want] of cases) {
    const b = parseIpv6Text(input);
    assert.equal(b === null ? null : formatIpv6Text(b), want, input);
  }
});

test('property: text round-trips and agrees with node:net', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
      const s = formatIpv6Text(a);
      assert.equal(isIP(s), 6, s);
      assert.deepEqual(parseIpv6Text(s), a);
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (a) => {
      assert.deepEqual(parseIpv4Text(formatIpv4Text(a)), a);
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => {
      // node:net refuses leading zeros in a dotted quad (octal ambiguity); this parser accepts them.
      if (parseIpv4Text(s) !== null && !/(^|\.)0\d/.test(s)) assert.equal(isIP(s), 4, s);
      if (!s.includes('%') && parseIpv6Text(s) !== null) assert.equal(isIP(s), 6, s);
    }),
  );
});
