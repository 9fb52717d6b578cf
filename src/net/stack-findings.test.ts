// Stack behaviour the socket layer relied on working around (reported to the stack owner, now fixed):
// TcpLayer.connect checks the route before sending a SYN.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIp } from '../stack/wire/ip-address.ts';
import { createStackPair } from '../testing/stack-pair.ts';

test('TcpLayer.connect to an address with no route throws (its TSDoc says EHOSTUNREACH)', () => {
  const pair = createStackPair();
  try {
    assert.throws(() => pair.a.tcp.connect(parseIp('192.0.2.1') as Uint8Array, 80), { code: 'EHOSTUNREACH' });
  } finally {
    pair.close();
  }
});
