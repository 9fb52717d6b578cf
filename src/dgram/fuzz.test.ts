// Random arguments to the dgram API: every synchronous throw is a Node-style error with a `code` (ERR_* or an
// errno name), never an internal TypeError from our code, and the socket stays usable for a real send after.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import fc from 'fast-check';
import { createStackPair } from '../testing/stack-pair.ts';
import { createDgram, type Socket } from './index.ts';

const arg = fc.oneof(
  fc.integer({ min: -2, max: 70000 }),
  fc.constantFrom(
    '10.77.0.2',
    '::1',
    'fd77::2',
    '',
    'localhost',
    'x.invalid',
    '239.1.2.3',
    '7000',
    'ff02::1',
  ),
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(Buffer.from('abc')),
  fc.constant([Buffer.from('a'), 'b']),
  fc.constant(() => {}),
  fc.constant({ port: 0 }),
  fc.double(),
  fc.boolean(),
);

const methods = [
  'send',
  'connect',
  'disconnect',
  'remoteAddress',
  'address',
  'setBroadcast',
  'setTTL',
  'setMulticastTTL',
  'setMulticastLoopback',
  'setMulticastInterface',
  'addMembership',
  'dropMembership',
  'addSourceSpecificMembership',
  'dropSourceSpecificMembership',
  'setRecvBufferSize',
  'getSendBufferSize',
] as const;

test('random calls with random arguments throw only Node-coded errors', async () => {
  const pair = createStackPair();
  const sockets: Socket[] = [];
  try {
    const server = createDgram(pair.b).createSocket('udp4');
    server.bind(7000);
    await once(server, 'listening');
    let received = 0;
    server.on('message', () => received++);
    fc.assert(
      fc.property(
        fc.constantFrom('udp4', 'udp6'),
        fc.array(fc.tuple(fc.constantFrom(...methods), fc.array(arg, { maxLength: 6 })), { maxLength: 12 }),
        (type, script) => {
          const s = createDgram(pair.a).createSocket(type);
          sockets.push(s);
          s.on('error', () => {}); // asynchronous failures (bad lookups, ICMP) are allowed
          for (const [m, args] of script) {
            try {
              (s[m] as (...a: unknown[]) => unknown)(...args);
            } catch (e) {
              const code = (e as { code?: unknown }).code;
              assert.ok(
                typeof code === 'string' && /^(ERR_[A-Z_]+|E[A-Z]+)$/.test(code),
                `${m}: ${String(e)}`,
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // The stack still works: a fresh socket reaches the server.
    const c = createDgram(pair.a).createSocket('udp4');
    const before = received;
    c.send('after the fuzz', 7000, pair.b.v4);
    while (received === before) await new Promise((r) => setTimeout(r, 5));
    c.close();
    server.close();
  } finally {
    for (const s of sockets) {
      try {
        s.close();
      } catch {}
    }
    pair.close();
  }
});
