/**
 * An executable contract for {@link UdpBinding}: the same cases run against the in-memory
 * network (here) and against the `node:dgram` adapter of `src/runtime`, so that a node that
 * works in simulation works on real sockets. Call {@link defineUdpBindingCompliance} from a test
 * file with a factory for the environment under test.
 * @module
 */

import assert from 'node:assert/strict';
import { test as nodeTest } from 'node:test';
import type { UdpAddress, UdpBinding, UdpStack } from './udp-binding.ts';

/** What the suite needs from an implementation. */
export interface UdpComplianceEnv {
  /** A stack, and the IP at which `b` sees traffic from it (no NAT in between). */
  a: UdpStack;
  aIp: string;
  /** A second stack (may be the same object as `a`), and the IP to reach it at. */
  b: UdpStack;
  bIp: string;
  /**
   * Lets time pass until `cond()` holds or a bound is reached; resolves to `cond()`. A fake-clock
   * environment advances the clock; a real one polls with a timeout of a few hundred ms.
   */
  waitFor(cond: () => boolean): Promise<boolean>;
  /** Releases everything the environment opened. */
  dispose?(): Promise<void> | void;
}

interface Received {
  data: Uint8Array;
  from: UdpAddress;
  binding: UdpBinding;
}

function listen(b: UdpBinding): Received[] {
  const got: Received[] = [];
  b.onMessage = (data, from, binding) => got.push({ data, from, binding });
  return got;
}

/**
 * Declares the compliance tests (one `test` each, named `<label>: …`). `testFn` defaults to
 * `node:test`'s `test`.
 */
export function defineUdpBindingCompliance(
  label: string,
  makeEnv: () => UdpComplianceEnv | Promise<UdpComplianceEnv>,
  testFn: typeof nodeTest = nodeTest,
): void {
  const withEnv = (name: string, body: (env: UdpComplianceEnv) => Promise<void>) =>
    testFn(`${label}: ${name}`, async () => {
      const env = await makeEnv();
      try {
        await body(env);
      } finally {
        await env.dispose?.();
      }
    });

  withEnv('binding port 0 gives a real, open ephemeral port', async ({ a }) => {
    const s = await a.bind({ port: 0 });
    assert.ok(
      Number.isInteger(s.localAddress.port) && s.localAddress.port > 0 && s.localAddress.port < 65536,
    );
    assert.equal(s.closed, false);
    s.close();
  });

  withEnv(
    'a datagram arrives once, with its bytes, the sender address and the receiving binding',
    async (env) => {
      const sa = await env.a.bind({});
      const sb = await env.b.bind({});
      const got = listen(sb);
      sa.send(new Uint8Array([1, 2, 3, 250]), { ip: env.bIp, port: sb.localAddress.port });
      assert.ok(await env.waitFor(() => got.length >= 1), 'datagram not delivered');
      assert.equal(got.length, 1);
      assert.deepEqual([...got[0].data], [1, 2, 3, 250]);
      assert.deepEqual(
        { ip: got[0].from.ip, port: got[0].from.port },
        { ip: env.aIp, port: sa.localAddress.port },
      );
      assert.equal(got[0].binding, sb);
      // The reply goes back to exactly the address reported.
      const back = listen(sa);
      sb.send(new Uint8Array([9]), got[0].from);
      assert.ok(await env.waitFor(() => back.length >= 1), 'reply not delivered');
      sa.close();
      sb.close();
    },
  );

  withEnv('send copies the datagram; empty datagrams are delivered', async (env) => {
    const sa = await env.a.bind({});
    const sb = await env.b.bind({});
    const got = listen(sb);
    const buf = new Uint8Array([5, 6]);
    sa.send(buf, { ip: env.bIp, port: sb.localAddress.port });
    buf[0] = 0;
    sa.send(new Uint8Array(0), { ip: env.bIp, port: sb.localAddress.port });
    assert.ok(await env.waitFor(() => got.length >= 2), 'datagrams not delivered');
    const sizes = got.map((g) => g.data.length).sort();
    assert.deepEqual(sizes, [0, 2]);
    assert.deepEqual([...got.find((g) => g.data.length === 2)!.data], [5, 6]);
    sa.close();
    sb.close();
  });

  withEnv('binding a port in use fails with EADDRINUSE', async ({ a }) => {
    const s = await a.bind({});
    await assert.rejects(async () => await a.bind({ port: s.localAddress.port }), { code: 'EADDRINUSE' });
    s.close();
  });

  withEnv('close is idempotent, stops delivery, and later sends throw', async (env) => {
    const sa = await env.a.bind({});
    const sb = await env.b.bind({});
    const got = listen(sb);
    sb.close();
    sb.close();
    assert.equal(sb.closed, true);
    sa.send(new Uint8Array([1]), { ip: env.bIp, port: sb.localAddress.port });
    assert.equal(await env.waitFor(() => got.length > 0), false);
    assert.throws(() => sb.send(new Uint8Array([1]), { ip: env.aIp, port: sa.localAddress.port }), {
      code: 'ERR_SOCKET_DGRAM_NOT_RUNNING',
    });
    sa.close();
  });

  withEnv('misuse throws synchronously: bad port, bad address', async (env) => {
    const sa = await env.a.bind({});
    assert.throws(() => sa.send(new Uint8Array(1), { ip: env.bIp, port: 0 }));
    assert.throws(() => sa.send(new Uint8Array(1), { ip: 'not an ip', port: 9 }));
    sa.close();
  });

  withEnv('a datagram to a binding without onMessage is dropped quietly', async (env) => {
    const sa = await env.a.bind({});
    const sb = await env.b.bind({});
    sa.send(new Uint8Array([1]), { ip: env.bIp, port: sb.localAddress.port });
    await env.waitFor(() => false);
    const got = listen(sb);
    sa.send(new Uint8Array([2]), { ip: env.bIp, port: sb.localAddress.port });
    assert.ok(await env.waitFor(() => got.length >= 1));
    assert.deepEqual([...got[0].data], [2]);
    sa.close();
    sb.close();
  });
}
