import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dgramExample } from './example.ts';

test('the dgram example runs: echo, then a multicast group message answered', async () => {
  const lines: string[] = [];
  assert.deepEqual(await dgramExample((l) => lines.push(l)), ['ping', 'to the group']);
  assert.equal(lines.filter((l) => l.startsWith('server:')).length, 2);
});
