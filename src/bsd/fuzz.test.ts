// Like libzt's selftest fuzz of the API with random arguments: no call throws, every result is a number (or a
// Linger for SO_LINGER), negative results are -errno values from the table, and the fd table stays consistent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createStackPair } from '../testing/stack-pair.ts';
import * as K from './constants.ts';
import { createBsd, type PollFd, sockaddr } from './index.ts';

const known = new Set(Object.values(K.ERRNO));

const anyArg = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 6 },
  fc.integer({ min: -5, max: 70000 }),
  fc.constantFrom(
    K.AF_INET,
    K.AF_INET6,
    K.SOCK_STREAM,
    K.SOCK_DGRAM,
    K.SOCK_STREAM | K.SOCK_NONBLOCK,
    0,
    1,
    2,
  ),
  fc.constantFrom(
    '10.77.0.2',
    '10.77.0.1',
    'fd77::2',
    '::',
    '0.0.0.0',
    '',
    'garbage',
    '239.1.1.1',
    'ff12::9',
  ),
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(new Uint8Array(8)),
  fc.double(),
  fc.constant({ l_onoff: 1, l_linger: 0 }),
);

const calls = [
  'socket',
  'bind',
  'listen',
  'accept',
  'connect',
  'send',
  'recv',
  'sendto',
  'recvfrom',
  'shutdown',
  'close',
  'setsockopt',
  'getsockopt',
  'getsockname',
  'getpeername',
  'fcntl',
  'ioctl',
  'poll',
] as const;

test('random calls with random arguments never throw and answer numbers / -errno', async () => {
  const pair = createStackPair();
  let live = 0; // successful calls other than socket(): the fuzz reaches real sockets
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...calls), fc.array(anyArg, { minLength: 0, maxLength: 5 })), {
          minLength: 1,
          maxLength: 40,
        }),
        async (script) => {
          const bsd = createBsd(pair.a);
          // Non-blocking flags everywhere so a random blocking call cannot wait forever.
          for (const [name, args] of script) {
            let r: unknown;
            if (name === 'poll')
              r = await bsd.poll([{ fd: Number(args[0]) | 0, events: K.POLLIN, revents: 0 } as PollFd], 0);
            else if (name === 'getsockname' || name === 'getpeername')
              r = bsd[name](Number(args[0]) | 0, sockaddr());
            else if (
              name === 'accept' ||
              name === 'recv' ||
              name === 'recvfrom' ||
              name === 'send' ||
              name === 'sendto'
            ) {
              const fd = Number(args[0]) | 0;
              if (fd >= 0 && bsd.fcntl(fd, K.F_GETFL) >= 0) bsd.fcntl(fd, K.F_SETFL, K.O_NONBLOCK);
              r = await (bsd[name] as (...a: unknown[]) => Promise<number>)(...args);
            } else if (name === 'connect') {
              const fd = Number(args[0]) | 0;
              if (fd >= 0 && bsd.fcntl(fd, K.F_GETFL) >= 0) bsd.fcntl(fd, K.F_SETFL, K.O_NONBLOCK);
              r = await bsd.connect(...(args as [number, string, number]));
            } else r = (bsd[name] as (...a: unknown[]) => unknown)(...args);
            if (typeof r === 'number') {
              assert.ok(Number.isInteger(r), `${name} → ${r}`);
              if (r < 0) assert.ok(known.has(-r), `${name} → unknown errno ${r}`);
              else if (name !== 'socket') live++;
            } else assert.ok(typeof r === 'object' && r !== null && 'l_onoff' in r, `${name} → ${String(r)}`);
          }
          for (let fd = 0; fd < 64; fd++) bsd.close(fd);
          assert.equal(bsd.openCount, 0);
        },
      ),
      { numRuns: 200 },
    );
    assert.ok(live > 30, `only ${live} successful calls`);
  } finally {
    pair.close();
  }
});
