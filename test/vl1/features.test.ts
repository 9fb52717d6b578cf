/**
 * VL1 behaviours beyond the basic testnet: planet updates from the root (§7.2) with persist
 * events, the peer cache (§7.4), IPv6-only networks, IDENTITY_COLLISION from the root (§6.3),
 * PUSH_DIRECT_PATHS between leaves behind one NAT (§6.16, §9.4 step 3), WHOIS answered by the
 * root (§6.5) and OFFLINE when the root goes silent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Identity } from '../../src/protocol/identity.ts';
import { type InetAddress, parseInetAddress } from '../../src/protocol/inet-address.ts';
import { World, WorldType } from '../../src/protocol/world.ts';
import { UdpNetwork } from '../../src/testing/udp-network.ts';
import { buildTestnet, got, makePlanet, runUntil, SimNode, testIdentity } from './harness.ts';

test('planet update: the root hands a newer, properly signed planet to a leaf in OK(HELLO) (§7.2)', () => {
  const net = new UdpNetwork({ seed: 'planet-update' });
  const rootId = testIdentity(0);
  const old = makePlanet([{ identity: rootId, endpoints: ['198.51.100.1/9993'] }], 1000);
  const newer = makePlanet(
    [{ identity: rootId, endpoints: ['198.51.100.1/9993', '198.51.100.2/9993'] }],
    2000,
  );
  // A "newer" planet signed by someone else must not be accepted.
  const forged = makePlanet(
    [
      { identity: testIdentity(5), endpoints: ['198.51.100.1/9993'] },
      { identity: rootId, endpoints: ['198.51.100.1/9993'] },
    ],
    3000,
  );
  const root = new SimNode(net, 'root', net.addHost('root', { addresses: ['198.51.100.1'] }), rootId, newer, {
    role: 'root',
  });
  const leaf = new SimNode(
    net,
    'leaf',
    net.addHost('leaf', { addresses: ['20.0.0.10'] }),
    testIdentity(1),
    old,
  );
  assert.ok(runUntil(net, () => leaf.node.online, 10_000));
  assert.ok(
    runUntil(net, () => leaf.node.planet.timestamp === 2000, 10_000),
    'leaf took the newer planet',
  );
  const persisted = leaf.events.find((e) => e.type === 'persist' && e.key === 'planet');
  assert.ok(persisted && persisted.type === 'persist' && persisted.data);
  assert.deepEqual(persisted.data, newer.toBytes());
  assert.equal(old.shouldBeReplacedBy(forged), false);
  assert.equal(root.node.planet.timestamp, 2000, 'the root keeps its own');
});

test('peer cache: a restarted leaf knows its peer without WHOIS and re-tries the cached path (§7.4)', () => {
  const net = new UdpNetwork({ seed: 'peer-cache' });
  const { root, leaves, planet } = buildTestnet(net, 2);
  const [a, b] = leaves;
  assert.ok(runUntil(net, () => a.node.online && b.node.online, 20_000));
  a.say(b, 'hi');
  assert.ok(runUntil(net, () => a.directTo(b), 20_000));
  const rec = a.events.filter((e) => e.type === 'persist' && e.key === `peers.d/${b.address}.peer`).at(-1);
  assert.ok(rec && rec.type === 'persist' && rec.data);
  a.stop();
  const host2 = net.addHost('a2', { addresses: ['20.0.50.10'] });
  const a2 = new SimNode(net, 'a2', host2, testIdentity(1), planet, { peerCache: [rec.data] });
  assert.ok(a2.node.peer(b.node.address), 'known from the cache');
  const whoisBefore = root.node.counters.received.WHOIS ?? 0;
  assert.ok(
    runUntil(net, () => a2.directTo(b), 20_000),
    'direct again',
  );
  a2.say(b, 'back');
  assert.ok(runUntil(net, () => got(b, a2, 'back'), 5000));
  assert.equal(root.node.counters.received.WHOIS ?? 0, whoisBefore, 'no WHOIS needed');
});

test('IPv6-only network: online, relayed, then direct over IPv6', () => {
  const net = new UdpNetwork({ seed: 'ipv6' });
  const rootId = testIdentity(0);
  const planet = makePlanet([{ identity: rootId, endpoints: ['2001:db8:ffff::1/9993'] }]);
  const v6 = { bindAddress: '::' };
  const root = new SimNode(
    net,
    'root',
    net.addHost('root', { addresses: ['2001:db8:ffff::1'] }),
    rootId,
    planet,
    {
      role: 'root',
      ...v6,
    },
  );
  const a = new SimNode(
    net,
    'a',
    net.addHost('a', { addresses: ['2001:db8:1::10'] }),
    testIdentity(1),
    planet,
    v6,
  );
  const b = new SimNode(
    net,
    'b',
    net.addHost('b', { addresses: ['2001:db8:2::10'] }),
    testIdentity(2),
    planet,
    v6,
  );
  assert.ok(runUntil(net, () => a.node.online && b.node.online, 20_000));
  a.say(b, 'over v6');
  assert.ok(runUntil(net, () => got(b, a, 'over v6'), 10_000));
  assert.ok(root.node.counters.relayed > 0);
  assert.ok(runUntil(net, () => a.directTo(b) && b.directTo(a), 20_000));
  assert.ok(a.peerInfo(b)?.paths.some((p) => p.active && p.address === '2001:db8:2::10/9993'));
});

test('IDENTITY_COLLISION: a node using a taken address with another key is told by the root (§6.2, §6.3)', () => {
  const net = new UdpNetwork({ seed: 'collision' });
  const { leaves, planet } = buildTestnet(net, 1);
  assert.ok(runUntil(net, () => leaves[0].node.online, 10_000));
  const other = testIdentity(7);
  const impostorId = Identity.fromParts(leaves[0].node.address, other.publicKey, other.privateKey);
  const imp = new SimNode(net, 'imp', net.addHost('imp', { addresses: ['20.9.0.10'] }), impostorId, planet);
  assert.ok(runUntil(net, () => imp.events.some((e) => e.type === 'identity-collision'), 10_000));
  // The genuine holder of the address is unaffected.
  assert.equal(
    leaves[0].events.some((e) => e.type === 'identity-collision'),
    false,
  );
  assert.ok(leaves[0].node.online);
});

test('PUSH_DIRECT_PATHS: two trust-established leaves behind one NAT find their LAN path', () => {
  const net = new UdpNetwork({ seed: 'push' });
  const rootId = testIdentity(0);
  const planet = makePlanet([{ identity: rootId, endpoints: ['198.51.100.1/9993'] }]);
  new SimNode(net, 'root', net.addHost('root', { addresses: ['198.51.100.1'] }), rootId, planet, {
    role: 'root',
  });
  const nat = net.addNat('office', { publicIp: '40.0.0.1', type: 'port-restricted' });
  const a = new SimNode(
    net,
    'a',
    net.addHost('a', { addresses: ['192.168.7.10'], behind: nat }),
    testIdentity(1),
    planet,
  );
  const b = new SimNode(
    net,
    'b',
    net.addHost('b', { addresses: ['192.168.7.11'], behind: nat }),
    testIdentity(2),
    planet,
  );
  const lan = (s: string) => parseInetAddress(s) as InetAddress;
  a.node.setInterfaceAddresses([lan('192.168.7.10/9993')]);
  b.node.setInterfaceAddresses([lan('192.168.7.11/9993')]);
  assert.ok(runUntil(net, () => a.node.online && b.node.online, 20_000));
  a.say(b, 'x');
  b.say(a, 'y');
  assert.ok(runUntil(net, () => got(b, a, 'x') && got(a, b, 'y'), 10_000));
  // No hairpin on this NAT: RENDEZVOUS to the public address cannot work.
  net.clock.advance(5000);
  assert.equal(a.directTo(b), false);
  // VL2 would mark them trust-established once they share a network; then pushes flow.
  a.node.markTrustEstablished(b.node.address, net.clock.now());
  b.node.markTrustEstablished(a.node.address, net.clock.now());
  a.say(b, 'x2');
  b.say(a, 'y2');
  assert.ok(runUntil(net, () => a.directTo(b) && b.directTo(a), 20_000));
  assert.ok(a.peerInfo(b)?.paths.some((p) => p.active && p.address === '192.168.7.11/9993'));
  assert.ok((b.node.counters.received.PUSH_DIRECT_PATHS ?? 0) > 0);
});

test('OFFLINE when the root goes silent, ONLINE again when it returns', () => {
  const net = new UdpNetwork({ seed: 'offline' });
  const { root, leaves } = buildTestnet(net, 1);
  const [a] = leaves;
  assert.ok(runUntil(net, () => a.node.online, 10_000));
  net.cut(a.host, root.host);
  assert.ok(
    runUntil(net, () => !a.node.online, 60_000),
    'offline after the activity timeout',
  );
  assert.ok(a.events.some((e) => e.type === 'offline'));
  net.restore(a.host, root.host);
  assert.ok(
    runUntil(net, () => a.node.online, 30_000),
    'online again',
  );
});

test('orbit: a moon is fetched from its seed, persisted, and its root becomes an upstream (§7.2)', () => {
  const net = new UdpNetwork({ seed: 'moon' });
  const { leaves, planet } = buildTestnet(net, 1);
  const [a] = leaves;
  const seedId = testIdentity(9);
  const moon = World.create({
    type: WorldType.MOON,
    id: BigInt(seedId.address),
    timestamp: 1234,
    roots: [
      {
        identity: seedId.publicOnly(),
        stableEndpoints: [parseInetAddress('20.0.99.10/9993') as InetAddress],
      },
    ],
    signingKey: { publicKey: seedId.publicKey, privateKey: seedId.privateKey as Uint8Array },
  });
  const seedHost = net.addHost('seed', { addresses: ['20.0.99.10'] });
  const seed = new SimNode(net, 'seed', seedHost, seedId, planet, { moons: [moon] });
  assert.ok(runUntil(net, () => a.node.online && seed.node.online, 20_000));
  a.node.orbit(moon.id, seedId.address, net.clock.now());
  a.rearm();
  assert.ok(
    runUntil(net, () => a.node.moons.length === 1, 30_000),
    'moon obtained',
  );
  const ev = a.events.find(
    (e) => e.type === 'persist' && e.key === `moons.d/${moon.id.toString(16).padStart(16, '0')}.moon`,
  );
  assert.ok(ev);
  assert.ok(runUntil(net, () => a.peerInfo(seed)?.role === 'moon' && a.directTo(seed), 30_000));
  a.node.deorbit(moon.id);
  assert.equal(a.node.moons.length, 0);
  assert.equal(a.peerInfo(seed)?.role, 'leaf');
});

test('dual-stack root: a dual-stack leaf ends up with an IPv4 and an IPv6 path to it (§9.2)', () => {
  const net = new UdpNetwork({ seed: 'dual' });
  const rootId = testIdentity(0);
  const planet = makePlanet([
    { identity: rootId, endpoints: ['198.51.100.1/9993', '2001:db8:ffff::1/9993'] },
  ]);
  new SimNode(
    net,
    'root',
    net.addHost('root', { addresses: ['198.51.100.1', '2001:db8:ffff::1'] }),
    rootId,
    planet,
    {
      role: 'root',
      bindAddress: '::',
    },
  );
  // The leaf starts with IPv4 only, so it connects over IPv4; IPv6 arrives later (a new
  // interface address) and only the per-family probe of the connected root can find it.
  const host = net.addHost('leaf', { addresses: ['20.0.0.10'] });
  const leaf = new SimNode(net, 'leaf', host, testIdentity(1), planet, { bindAddress: '::' });
  const fams = () =>
    new Set(
      (leaf.node.peer(rootId.address)?.paths ?? [])
        .filter((p) => p.active)
        .map((p) => (p.address.includes(':') ? 6 : 4)),
    );
  assert.ok(runUntil(net, () => leaf.node.online, 10_000));
  assert.deepEqual([...fams()], [4]);
  net.moveHost(host, { addresses: ['20.0.0.10', '2001:db8:1::10'] });
  assert.ok(
    runUntil(net, () => fams().size === 2, 90_000),
    JSON.stringify(leaf.node.peer(rootId.address)),
  );
  assert.ok(leaf.node.online);
});
