/**
 * ZeroTierNode end to end on loopback UDP: a root of our own and two nodes on an ad-hoc IPv4
 * network (controller-less, protocol.md §1.2): join resolves with addresses, every declared event
 * fires, ping both ways over IPv4 and 6PLANE IPv6, errors carry their codes, stop is clean and a
 * restart keeps the identity.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZtError } from '../errors.ts';
import { MemoryStore } from '../runtime/store.ts';
import { createTestWorld, type TestWorld } from './local-world.ts';
import type { AddressEvent, PeerEvent, ZeroTierNode } from './zerotier-node.ts';

/** ff 0a 0000000000 01: ad-hoc IPv4 network 10.x.y.z/8 (x.y.z = low 24 bits of the address), no hub. */
const ADHOC_V4 = 'ff0a000000000001';

const ipOf = (addrs: string[], v6: boolean) => {
  const a = addrs.find((x) => x.includes(':') === v6);
  assert.ok(a, `an ${v6 ? 'IPv6' : 'IPv4'} address in ${addrs.join(', ')}`);
  return a.split('/')[0];
};

describe('ZeroTierNode on loopback with our own root', () => {
  let world: TestWorld;
  let a: ZeroTierNode;
  let b: ZeroTierNode;
  const aStore = new MemoryStore();
  const events = {
    online: 0,
    network: [] as string[],
    address: [] as AddressEvent[],
    peer: [] as PeerEvent[],
  };

  before(async () => {
    world = await createTestWorld();
    a = await world.startNode(aStore);
    // Listeners go on right after start: ONLINE needs a round trip to the root, so none is missed.
    a.on('online', () => events.online++);
    a.on('network', (n) => events.network.push(`${n.id} ${n.status}`));
    a.on('address', (e) => events.address.push(e));
    a.on('peer', (e) => events.peer.push(e));
    b = await world.startNode();
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    await world?.stop();
  });

  it('starts with an address and goes online through the root', async () => {
    assert.match(a.address, /^[0-9a-f]{10}$/);
    assert.notEqual(a.address, b.address);
    assert.ok(a.ports[0] > 0);
    // The root checks new identities at most once per 2 s per /24 (all of us are 127.0.0.1), so
    // the second node gets in on a HELLO retry: wait for both.
    for (const n of [a, b]) if (!n.online) await new Promise<void>((r) => n.once('online', () => r()));
    assert.equal(a.online, true);
    assert.equal(b.online, true);
    assert.ok(events.online >= 1, "'online' fired");
  });

  it('join resolves once the network is OK with addresses; events network and address fire', async () => {
    const [na, nb] = await Promise.all([a.join(ADHOC_V4), b.join(BigInt(`0x${ADHOC_V4}`))]);
    for (const n of [na, nb]) {
      assert.equal(n.id, ADHOC_V4);
      assert.equal(n.status, 'OK');
      assert.equal(n.name, 'adhoc-10.0.0.0');
      assert.equal(n.mtu, 2800);
      assert.match(n.mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      assert.ok(Array.isArray(n.routes));
    }
    // 10.x.y.z with x.y.z = the low 24 bits of the node address (§1.2).
    const low = Number.parseInt(a.address, 16) % 0x1000000;
    assert.equal(ipOf(na.addresses, false), `10.${low >> 16}.${(low >> 8) & 0xff}.${low & 0xff}`);
    assert.ok(ipOf(na.addresses, true).startsWith('fc'), '6PLANE address (fc + nwid hash)');
    assert.deepEqual(
      a.networks.map((n) => n.id),
      [ADHOC_V4],
    );
    assert.ok(events.network.includes(`${ADHOC_V4} OK`), `network events: ${events.network.join('; ')}`);
    assert.deepEqual(
      events.address
        .filter((e) => e.action === 'added')
        .map((e) => e.address)
        .sort(),
      [...na.addresses].sort(),
    );
    // Joining again is idempotent and resolves at once.
    assert.deepEqual((await a.join(ADHOC_V4)).addresses, na.addresses);
  });

  it('pings both ways over IPv4 and 6PLANE IPv6; peer events fire', async () => {
    const na = a.networks[0];
    const nb = b.networks[0];
    for (const [from, to] of [
      [a, nb],
      [b, na],
    ] as const) {
      for (const v6 of [false, true]) {
        const ip = ipOf(to.addresses, v6);
        // The first echo may wait for WHOIS/ARP; retry a few times with short timeouts.
        let rtt = -1;
        for (let i = 0; i < 10 && rtt < 0; i++) rtt = await from.ping(ip, { timeout: 1000 }).catch(() => -1);
        assert.ok(rtt >= 0, `ping ${ip} from ${from.address}`);
        assert.ok(Number.isFinite(rtt));
      }
    }
    assert.ok(
      events.peer.some((e) => e.address === b.address),
      `a 'peer' event about b (got ${events.peer.map((e) => `${e.type}:${e.address}`).join(', ')})`,
    );
  });

  it('with two networks: ping and connect by route; leaving one closes its sockets only', async () => {
    const second = 'ff0b000000000001'; // 11.x.y.z/8
    const [, nb2] = await Promise.all([a.join(second), b.join(second)]);
    const target = ipOf(nb2.addresses, false);
    assert.ok(target.startsWith('11.'));
    const first = a.network(ADHOC_V4)!;
    const other = a.network(second)!;
    const icmpOut = (n: typeof first) => n.stack.counters().icmpv4.out;
    const before = [icmpOut(first), icmpOut(other)];
    let rtt = -1;
    for (let i = 0; i < 10 && rtt < 0; i++) rtt = await a.ping(target, { timeout: 1000 }).catch(() => -1);
    assert.ok(rtt >= 0, `ping ${target} over the second network`);
    assert.equal(icmpOut(first), before[0], 'nothing sent on the first network');
    assert.ok(icmpOut(other) > before[1], 'the echo left through the second network');
    assert.equal(a.network(second)?.routePrefix(target), 8);
    assert.equal(a.network(ADHOC_V4)?.routePrefix(target), -1);
    // A TCP connection over the second network; a server on b listening on both networks.
    const server = b.net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => server.listen(7777, () => r()));
    const c = a.net.connect(7777, target);
    await new Promise<void>((r, j) => {
      c.once('connect', () => r());
      c.once('error', j);
    });
    const closed = new Promise<Error | undefined>((r) => {
      let err: Error | undefined;
      c.once('error', (e) => {
        err = e;
      });
      c.once('close', () => r(err));
    });
    assert.equal(a.leave(second), true);
    const err = (await closed) as ZtError | undefined;
    assert.equal(err?.code, 'ERR_ZT_NOT_JOINED', 'sockets on a left network are destroyed with its code');
    b.leave(second);
    assert.equal(server.listening, true, 'still listening on the first network');
    const c1 = a.net.connect(7777, ipOf(b.networks[0].addresses, false));
    await new Promise<void>((r, j) => {
      c1.once('connect', () => r());
      c1.once('error', j);
    });
    c1.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('errors carry codes: no route, ping timeout, abort, access denied, not found', async () => {
    await assert.rejects(a.ping('192.0.2.1'), (e: ZtError) => e.code === 'ERR_ZT_NO_ROUTE');
    // An address in the network nobody has: no reply.
    await assert.rejects(
      a.ping('10.250.250.250', { timeout: 300 }),
      (e: ZtError) => e.code === 'ERR_ZT_PING_TIMEOUT',
    );
    const ac = new AbortController();
    const p = a.ping('10.250.250.251', { timeout: 10_000, signal: ac.signal });
    ac.abort();
    await assert.rejects(
      p,
      (e: Error & { code?: string }) => e.code === 'ABORT_ERR' && e.name === 'AbortError',
    );
    // A controller (the root's stub) that denies us, and one that does not know the network.
    const denied = world.controllerNetwork(true);
    await assert.rejects(
      a.join(denied),
      (e: ZtError) => e.code === 'ERR_ZT_ACCESS_DENIED' && e.network === denied,
    );
    assert.equal(
      a.network(denied)?.status,
      'ACCESS_DENIED',
      'the network stays joined, as zerotier-cli shows it',
    );
    a.leave(denied);
    await assert.rejects(
      a.join(world.controllerNetwork(false)),
      (e: ZtError) => e.code === 'ERR_ZT_NOT_FOUND',
    );
    a.leave(world.controllerNetwork(false));
    // Port-range ad-hoc id with end < start is NOT_FOUND (§1.2).
    await assert.rejects(a.join('ff00100008000000'), (e: ZtError) => e.code === 'ERR_ZT_NOT_FOUND');
    assert.equal(a.leave('ff00100008000000'), true);
    assert.equal(a.leave('ff00100008000000'), false);
    await assert.rejects(
      a.join('ff0b000000000001', { signal: AbortSignal.abort() }),
      (e: ZtError) => e.code === 'ABORT_ERR',
    );
    assert.throws(() => a.leave('nope'), TypeError);
  });

  it('leave removes the network: address removed events, join waiters rejected ERR_ZT_NOT_JOINED', async () => {
    const other = 'ff0c000000000001';
    const joined = await a.join(other);
    const before = events.address.length;
    assert.equal(a.leave(other), true);
    const removed = events.address.slice(before).filter((e) => e.action === 'removed' && e.network === other);
    assert.ok(!a.networks.some((n) => n.id === other));
    assert.deepEqual(removed.map((e) => e.address).sort(), [...joined.addresses].sort());
    // A join still waiting (a controller that does not exist never answers) is rejected by leave.
    const pending = a.join('1234567890000001');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(a.network('1234567890000001')?.status, 'REQUESTING_CONFIGURATION');
    a.leave('1234567890000001');
    await assert.rejects(pending, (e: ZtError) => e.code === 'ERR_ZT_NOT_JOINED');
    await assert.rejects(a.ping(ipOf(joined.addresses, false).replace(/\.\d+$/, '.9'), { timeout: 200 }));
  });

  it('stop is clean and a restart with the same storage keeps the identity', async () => {
    const address = a.address;
    await a.stop();
    assert.equal(a.isRunning, false);
    assert.equal(a.online, false);
    await assert.rejects(a.join(ADHOC_V4), (e: ZtError) => e.code === 'ERR_ZT_NOT_RUNNING');
    // Saved network configs are joined again at start only with `rejoin` (ad-hoc networks save none).
    await aStore.put('networks.d/1234567890000001.conf', new TextEncoder().encode('x=1\n'));
    a = await world.startNode(aStore);
    assert.deepEqual(a.networks, []);
    await a.stop();
    a = await world.startNode(aStore, { rejoin: true });
    assert.deepEqual(
      a.networks.map((n) => n.id),
      ['1234567890000001'],
    );
    assert.equal(a.leave('1234567890000001'), true);
    assert.equal(a.address, address);
    const n = await a.join(ADHOC_V4);
    assert.equal(n.status, 'OK');
  });

  it("'offline' fires when the root goes away", async () => {
    const c = await world.startNode(new MemoryStore(), { activityTimeoutMs: 1500 });
    try {
      if (!c.online) await new Promise<void>((r) => c.once('online', () => r()));
      const offline = new Promise<void>((r) => c.once('offline', () => r()));
      await world.root.stop();
      await offline;
      assert.equal(c.online, false);
    } finally {
      await c.stop();
    }
  });
});
