// Property: whatever the write sizes, the reader's pauses and the half-close order, every byte
// arrives once and in order, and both sides close without error.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import fc from 'fast-check';
import { createStackPair } from '../testing/stack-pair.ts';
import { createNet } from './index.ts';

test('random writes, pauses and resumes deliver the exact byte stream (property)', async () => {
  const pair = createStackPair({ tcp: { sendBufferSize: 64 << 10, receiveBufferSize: 64 << 10 } });
  const A = createNet(pair.a);
  const B = createNet(pair.b);
  let port = 6000;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 255 }),
      async (sizes, pauses, v6, seed) => {
        const p = port++;
        const total = sizes.reduce((a, b) => a + b, 0);
        const expected = Buffer.allocUnsafe(total);
        for (let i = 0; i < total; i++) expected[i] = (seed + i * 31 + (i >>> 9)) & 0xff;
        const received: Buffer[] = [];
        const server = B.createServer((s) => {
          let k = 0;
          s.on('data', (d: Buffer) => {
            received.push(d);
            const ms = pauses[k++ % pauses.length];
            if (ms > 0) {
              s.pause();
              setTimeout(() => s.resume(), ms);
            }
          });
          s.on('end', () => s.end());
        });
        server.listen(p);
        await once(server, 'listening');
        const c = A.connect(p, v6 ? pair.b.v6 : pair.b.v4);
        c.resume();
        let off = 0;
        for (const n of sizes) {
          if (!c.write(expected.subarray(off, off + n))) await once(c, 'drain');
          off += n;
        }
        c.end();
        const [hadError] = await once(c, 'close');
        server.close();
        assert.equal(hadError, false);
        assert.ok(Buffer.concat(received).equals(expected));
      },
    ),
    { numRuns: 12 },
  );
  pair.close();
});
