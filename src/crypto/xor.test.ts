import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { xorInto } from './xor.ts';

test('xorInto equals byte-wise XOR for every alignment pair and length (property)', () => {
  fc.assert(
    fc.property(
      fc.nat(7),
      fc.nat(7),
      fc.uint8Array({ maxLength: 700 }),
      fc.nat(3),
      fc.nat(3),
      (dOff, sOff, data, dPad, sPad) => {
        const n = data.length;
        const dBack = new Uint8Array(n + dOff + dPad + 8).map((_, i) => (i * 13) & 0xff);
        const sBack = new Uint8Array(n + sOff + sPad + 8);
        sBack.set(data, sOff + sPad);
        const dst = dBack.subarray(dOff);
        const expect = dBack.slice();
        for (let i = 0; i < n; i++) expect[dOff + dPad + i] ^= data[i];
        xorInto(dst, dPad, sBack.subarray(sOff), sPad, n);
        assert.deepEqual(dBack, expect);
      },
    ),
    { numRuns: 300 },
  );
});

test('xorInto handles lengths beyond the scratch size (byte fallback)', () => {
  const n = 12000;
  const a = new Uint8Array(n + 1).fill(0x0f);
  const b = new Uint8Array(n + 2).fill(0xf0);
  xorInto(a, 1, b, 2, n);
  assert.equal(a[0], 0x0f);
  assert.ok(a.subarray(1).every((x) => x === 0xff));
});
