import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fromHex, toHex } from '../util/bytes.ts';
import { hmacSha384, kbkdf384, sha384, sha512 } from './hash.ts';

const V = JSON.parse(readFileSync(new URL('../../test/vectors/crypto-vectors.json', import.meta.url), 'utf8'))
  .values as Record<string, string>;

test('SHA-512 selftest vector (protocol.md Appendix B)', () => {
  assert.equal(
    toHex(sha512(new TextEncoder().encode('supercalifragilisticexpealidocious'))),
    '182a855969e5d3e6cbf60524adf288d1bbf25292812431f6d252f1dbc1cb44df21573de1b06b6875959f3b6f87b11381d0bc792c433a13553ce084c29255311c',
  );
});

test('sha512/sha384 of several parts equal the hash of their concatenation', () => {
  const a = new TextEncoder().encode('abc');
  const b = new TextEncoder().encode('defg');
  assert.deepEqual(sha512(a, b), sha512(new TextEncoder().encode('abcdefg')));
  assert.equal(
    toHex(sha384(a)),
    'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  );
  assert.equal(sha384(a, b).length, 48);
});

test('HMAC-SHA384 RFC 4231 test case 2', () => {
  const mac = hmacSha384(
    new TextEncoder().encode('Jefe'),
    new TextEncoder().encode('what do ya want for nothing?'),
  );
  assert.equal(
    toHex(mac),
    'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
  );
});

test('KBKDF K0/K1 from the A-B agreement key match the vectors', () => {
  const key = fromHex(V.agree_a_b);
  assert.equal(toHex(kbkdf384(key, 0x30)), V.kbkdf_k0);
  assert.equal(toHex(kbkdf384(key, 0x31)), V.kbkdf_k1);
});

test('kbkdf384 rejects bad arguments', () => {
  assert.throws(() => kbkdf384(new Uint8Array(32), 0x30), RangeError);
  assert.throws(() => kbkdf384(new Uint8Array(48), 256), RangeError);
});
