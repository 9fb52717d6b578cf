import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkTransfer, tcpPair } from './test-helpers.ts';

test('handshake, 1 MB transfer, close over a clean link', () => {
  const p = tcpPair({ delay: 5 });
  const r = bulkTransfer(p, 1 << 20, 60_000);
  assert.equal(r.received, 1 << 20);
  assert.equal(r.corrupt, 0);
  assert.ok(r.done, `not done after ${r.fakeMs} ms: client ${r.client.state} server ${r.server?.state}`);
  assert.equal(p.a.counters.retransmits, 0);
});
