import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bsdExample } from './example.ts';

test('the BSD example runs: TCP echo through non-blocking connect + poll, then a datagram', async () => {
  const lines: string[] = [];
  assert.deepEqual(await bsdExample((l) => lines.push(l)), ['hello over the virtual network', 'datagram']);
  assert.ok(lines.some((l) => l.startsWith('server: accepted fd')));
});
