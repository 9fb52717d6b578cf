import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { finishChecksum, sumWords } from './checksum.ts';

/** The textbook RFC 1071 loop, byte by byte: the reference the fast path is checked against. */
function reference(b: Uint8Array, start: number, end: number, sum: number): number {
  for (let i = start; i < end; i += 2) sum += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

describe('sumWords fast path (32-bit words, host order)', () => {
  it('equals the byte-wise reference at any alignment, length and initial sum', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.nat(7),
        fc.nat(9),
        fc.nat(9),
        fc.nat(0xfffff),
        (raw, shift, cutHead, cutTail, init) => {
          const buf = new Uint8Array(raw.length + 8);
          buf.set(raw, shift);
          const v = buf.subarray(shift % 4);
          const start = Math.min(cutHead, v.length);
          const end = Math.max(start, v.length - cutTail);
          assert.equal(finishChecksum(sumWords(v, start, end, init)), reference(v, start, end, init));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is exact on all-ones data of maximum IP size', () => {
    const b = new Uint8Array(65536).fill(0xff);
    assert.equal(finishChecksum(sumWords(b, 0, b.length)), reference(b, 0, b.length, 0));
    assert.equal(finishChecksum(sumWords(b, 1, b.length - 1)), reference(b, 1, b.length - 1, 0));
  });
});
