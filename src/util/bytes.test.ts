import assert from 'node:assert/strict';
import { test } from 'node:test';
import { equalBytesCT, fromHex, readU40, toHex, writeU40 } from './bytes.ts';
import { Reader, Writer } from './result.ts';

test('hex round trip', () => {
  assert.equal(toHex(fromHex('00ff10Ab')), '00ff10ab');
  assert.throws(() => fromHex('abc'), TypeError);
  assert.throws(() => fromHex('zz'), TypeError);
});

test('u40 round trip at the edges', () => {
  const b = new Uint8Array(5);
  for (const v of [0, 1, 0xffffffff, 0x100000000, 0xfeffffffff, 0xffffffffff]) {
    writeU40(b, 0, v);
    assert.equal(readU40(b, 0), v);
  }
});

test('constant-time compare', () => {
  assert.ok(equalBytesCT(fromHex('0102'), fromHex('0102')));
  assert.ok(!equalBytesCT(fromHex('0102'), fromHex('0103')));
  assert.ok(!equalBytesCT(fromHex('01'), fromHex('0102')));
});

test('Reader flags overrun instead of throwing; Writer grows', () => {
  const w = new Writer(2);
  w.u8(1).u16(0x0203).u32(0x04050607).u64(0x08090a0b0c0d0e0fn).u40(0xaabbccddee);
  const r = new Reader(w.finish());
  assert.equal(r.u8(), 1);
  assert.equal(r.u16(), 0x0203);
  assert.equal(r.u32(), 0x04050607);
  assert.equal(r.u64(), 0x08090a0b0c0d0e0fn);
  assert.equal(r.u40(), 0xaabbccddee);
  assert.equal(r.overrun, false);
  assert.equal(r.u32(), 0);
  assert.equal(r.overrun, true);
});
