import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cryptoVectors } from '../testing/vectors.ts';
import { fromHex, toHex } from '../util/bytes.ts';
import { Reader, Writer } from '../util/result.ts';
import {
  decodeInetAddress,
  decodeInetAddressBytes,
  encodeInetAddress,
  type InetAddress,
  IpScope,
  inetAddressEquals,
  inetAddressLength,
  inetAddressToString,
  ipScope,
  ipScopeName,
  parseInetAddress,
} from './inet-address.ts';

const vectors = cryptoVectors;

function p(s: string): InetAddress {
  const a = parseInetAddress(s);
  assert.ok(a, `parse ${s}`);
  return a;
}

test('inetaddr_ser vector: decode both, re-encode byte for byte', () => {
  const bytes = fromHex(vectors.values.inetaddr_ser);
  const r = new Reader(bytes);
  const a = decodeInetAddress(r);
  const b = decodeInetAddress(r);
  assert.ok(a.ok && b.ok && a.value && b.value);
  assert.equal(r.pos, bytes.length);
  assert.equal(inetAddressToString(a.value), '10.1.2.3/9993');
  assert.equal(inetAddressToString(b.value), '2001:db8::1/9993');
  const w = new Writer();
  encodeInetAddress(w, p('10.1.2.3/9993'));
  encodeInetAddress(w, p('2001:db8::1/9993'));
  assert.equal(toHex(w.finish()), vectors.values.inetaddr_ser);
  assert.equal(inetAddressLength(a.value) + inetAddressLength(b.value), bytes.length);
});

test('null and skipped types decode to null and consume the right length', () => {
  assert.deepEqual(decodeInetAddressBytes(fromHex('00')), { ok: true, value: null });
  assert.deepEqual(decodeInetAddressBytes(fromHex('01aabbccddeeff')), { ok: true, value: null });
  assert.deepEqual(decodeInetAddressBytes(fromHex('02aabbccddeeff')), { ok: true, value: null });
  assert.deepEqual(decodeInetAddressBytes(fromHex('030003abcdef')), { ok: true, value: null });
  assert.equal(decodeInetAddressBytes(fromHex('0300')).ok, false);
  assert.equal(decodeInetAddressBytes(fromHex('05')).ok, false);
  assert.equal(decodeInetAddressBytes(fromHex('040a0102')).ok, false);
  assert.equal(decodeInetAddressBytes(fromHex('')).ok, false);
  assert.equal(decodeInetAddressBytes(fromHex('0000')).ok, false, 'trailing bytes');
  const w = new Writer();
  encodeInetAddress(w, null);
  assert.equal(toHex(w.finish()), '00');
});

test('text forms', () => {
  assert.equal(inetAddressToString(p('[2001:db8::1]:443')), '2001:db8::1/443');
  assert.equal(inetAddressToString(p('10.0.0.1:80')), '10.0.0.1/80');
  assert.equal(inetAddressToString(p('10.0.0.1')), '10.0.0.1/0');
  assert.equal(inetAddressToString(p('2a02:6ea0:d405::9993/9993')), '2a02:6ea0:d405::9993/9993');
  assert.equal(
    inetAddressToString(p('2605:9880:200:1200:30:571:e34:51/9993')),
    '2605:9880:200:1200:30:571:e34:51/9993',
  );
  assert.equal(inetAddressToString(p('::/0')), '::/0');
  assert.equal(inetAddressToString(p('::1/1')), '::1/1');
  assert.equal(inetAddressToString(p('1:0:0:2:0:0:0:3/1')), '1:0:0:2::3/1');
  assert.equal(inetAddressToString(p('1:0:0:2:3:4:5:6/1')), '1::2:3:4:5:6/1');
  assert.equal(inetAddressToString(p('::ffff:10.1.2.3/5')), '::ffff:a01:203/5');
  assert.equal(inetAddressToString(null), 'none');
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.256',
    '1.2.3.4/70000',
    'x::1',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    'hello',
  ])
    assert.equal(parseInetAddress(bad), null, bad);
});

test('IP scopes as ZeroTier 1.14 classifies them (§9.3)', () => {
  const cases: [string, IpScope][] = [
    ['0.0.0.0', IpScope.NONE],
    ['255.255.255.255', IpScope.NONE],
    ['10.77.0.10', IpScope.PRIVATE],
    ['172.16.0.1', IpScope.PRIVATE],
    ['172.32.0.1', IpScope.GLOBAL],
    ['192.168.1.1', IpScope.PRIVATE],
    ['127.0.0.1', IpScope.LOOPBACK],
    ['169.254.3.4', IpScope.LINK_LOCAL],
    ['100.64.0.1', IpScope.PRIVATE],
    ['255.1.2.3', IpScope.NONE],
    ['192.0.2.7', IpScope.PRIVATE],
    ['198.19.255.1', IpScope.PRIVATE],
    ['198.51.100.7', IpScope.PRIVATE],
    ['203.0.113.5', IpScope.PRIVATE],
    ['198.20.0.1', IpScope.GLOBAL],
    ['100.128.0.1', IpScope.GLOBAL],
    ['224.0.0.1', IpScope.MULTICAST],
    ['240.0.0.1', IpScope.PSEUDO_PRIVATE],
    ['28.1.2.3', IpScope.PSEUDO_PRIVATE],
    ['104.194.8.134', IpScope.GLOBAL],
    ['::', IpScope.NONE],
    ['::1', IpScope.LOOPBACK],
    ['fe80::1', IpScope.LOOPBACK],
    ['fe80::2', IpScope.LINK_LOCAL],
    ['fec0::1', IpScope.GLOBAL],
    ['::ffff:127.0.0.1', IpScope.LOOPBACK],
    ['fd80:56c2:e21c::1', IpScope.PRIVATE],
    ['ff02::1', IpScope.MULTICAST],
    ['2605:9880:200:1200:30:571:e34:51', IpScope.GLOBAL],
  ];
  for (const [s, scope] of cases) assert.equal(ipScope(p(s)), scope, s);
  assert.equal(ipScope(null), IpScope.NONE);
  assert.equal(ipScopeName(IpScope.PSEUDO_PRIVATE), 'pseudo-private');
});

const arbAddr: fc.Arbitrary<InetAddress> = fc.oneof(
  fc.record({
    family: fc.constant(4 as const),
    ip: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    port: fc.integer({ min: 0, max: 0xffff }),
  }),
  fc.record({
    family: fc.constant(6 as const),
    ip: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    port: fc.integer({ min: 0, max: 0xffff }),
  }),
);

test('property: encode/decode and toString/parse round-trip', () => {
  fc.assert(
    fc.property(arbAddr, (a) => {
      const w = new Writer();
      encodeInetAddress(w, a);
      const d = decodeInetAddressBytes(w.finish());
      assert.ok(d.ok && inetAddressEquals(d.value, a));
      assert.ok(inetAddressEquals(parseInetAddress(inetAddressToString(a)), a));
    }),
  );
});

test('fuzz: decoder never throws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      const r = new Reader(b);
      const d = decodeInetAddress(r);
      assert.equal(typeof d.ok, 'boolean');
      assert.ok(r.pos <= b.length);
    }),
  );
});
