import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex } from '../../util/bytes.ts';
import { finishChecksum, internetChecksum, pseudoHeaderSum, sumWords } from './checksum.ts';

test('RFC 1071 example sums', () => {
  // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 (before complement).
  assert.equal(internetChecksum(fromHex('0001f203f4f5f6f7')), ~0xddf2 & 0xffff);
});

test('a real IPv4 header checksums to zero', () => {
  // IPv4 header from a capture (checksum field 0xb861 included).
  const h = fromHex('450000730000400040110000c0a80001c0a800c7');
  h[10] = 0;
  h[11] = 0;
  const c = internetChecksum(h);
  assert.equal(c, 0xb861);
  h[10] = c >> 8;
  h[11] = c & 0xff;
  assert.equal(internetChecksum(h), 0);
});

test('odd length and pseudo-header partials compose', () => {
  const data = fromHex('0102030405');
  const src = fromHex('0a000001');
  const dst = fromHex('0a000002');
  const whole = new Uint8Array([...src, ...dst, 0, 17, 0, 5, ...data]);
  assert.equal(
    finishChecksum(sumWords(data, 0, 5, pseudoHeaderSum(src, dst, 17, 5))),
    internetChecksum(whole),
  );
});
