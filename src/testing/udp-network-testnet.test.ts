/**
 * Whole-network scenarios: a root and many leaves behind every kind of NAT, running a toy
 * version of ZeroTier's relay + RENDEZVOUS hole punching (protocol.md §6.6, §9.4) over the
 * in-memory network. The toy protocol is deliberately tiny; what is under test is the harness:
 * that NAT behaviours produce the textbook punching matrix, that relaying survives loss and cuts,
 * and that the whole run is deterministic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UdpAddress } from './udp-binding.ts';
import { type NatType, type SimUdpSocket, UdpNetwork, type UdpNetworkOptions } from './udp-network.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const ROOT: UdpAddress = { ip: '198.51.100.1', port: 9993 };
type Kind = NatType | 'public';

/** The root: learns each leaf's public endpoint from its HELLOs, relays, and sends RENDEZVOUS. */
function startRoot(net: UdpNetwork): { relayed: () => number } {
  const sock = net.addHost('root', { addresses: [ROOT.ip] }).bind(ROOT.port);
  const seen = new Map<string, UdpAddress>();
  const united = new Set<string>();
  let relayed = 0;
  const send = (msg: string, to: UdpAddress) => sock.send(enc.encode(msg), to);
  sock.onMessage = (data, from) => {
    const [verb, a, b, ...rest] = dec.decode(data).split(' ');
    if (verb === 'HELLO') seen.set(a, from);
    if (verb === 'RELAY') {
      const to = seen.get(b);
      if (!to) return;
      relayed++;
      send(`FROM ${a} ${rest.join(' ')}`, to);
      const key = [a, b].sort().join('|');
      const fromA = seen.get(a);
      if (!united.has(key) && fromA) {
        united.add(key); // like ZT_MIN_UNITE_INTERVAL: once per pair here
        send(`RDV ${b} ${to.ip} ${to.port}`, fromA);
        send(`RDV ${a} ${fromA.ip} ${fromA.port}`, to);
      }
    }
  };
  return { relayed: () => relayed };
}

/** A leaf: keepalive to the root, relayed messages, punching on RENDEZVOUS. */
class Leaf {
  readonly direct = new Map<string, UdpAddress>();
  readonly inbox: string[] = [];
  readonly sock: SimUdpSocket;
  constructor(
    readonly net: UdpNetwork,
    readonly name: string,
    ip: string,
    kind: Kind,
    natIp: string,
  ) {
    const behind = kind === 'public' ? undefined : net.addNat(`nat-${name}`, { type: kind, publicIp: natIp });
    this.sock = net.addHost(name, { addresses: [ip], behind }).bind(9993);
    this.sock.onMessage = (d, from) => this.receive(dec.decode(d), from);
    const hello = () => {
      this.send(`HELLO ${name}`, ROOT);
      net.clock.after(10_000, hello);
    };
    net.clock.after(net.random.fork(name).below(1000), hello);
  }
  send(msg: string, to: UdpAddress, ttl?: number): void {
    this.sock.send(enc.encode(msg), to, ttl ? { ttl } : undefined);
  }
  /** Sends via the direct path if there is one, else through the root. */
  message(to: string, text: string): void {
    const d = this.direct.get(to);
    if (d) this.send(`DIRECT ${this.name} ${text}`, d);
    else this.send(`RELAY ${this.name} ${to} ${text}`, ROOT);
  }
  private receive(msg: string, from: UdpAddress): void {
    const [verb, a, ...rest] = msg.split(' ');
    if (verb === 'FROM' || verb === 'DIRECT') this.inbox.push(`${a}:${rest.join(' ')}`);
    if (verb === 'RDV') {
      const to = { ip: rest[0], port: Number(rest[1]) };
      this.send('junk', to, 2); // opens our NAT toward the peer (§6.6), dies in the core
      for (let i = 0; i < 5; i++) this.net.clock.after(i * 200, () => this.send(`PUNCH ${this.name}`, to));
    }
    if (verb === 'PUNCH') {
      this.direct.set(a, from);
      this.send(`PUNCHOK ${this.name}`, from);
    }
    if (verb === 'PUNCHOK') this.direct.set(a, from);
  }
}

function buildNet(kinds: Kind[], opts: UdpNetworkOptions = {}) {
  const net = new UdpNetwork(opts);
  const root = startRoot(net);
  const leaves = kinds.map(
    (k, i) =>
      new Leaf(net, `l${i}`, k === 'public' ? `192.0.2.${i + 1}` : '10.0.0.2', k, `203.0.113.${i + 1}`),
  );
  net.run(2000); // every leaf has said HELLO
  return { net, root, leaves };
}

/** Textbook punchability: both sides need endpoint-independent mapping, except against an open side. */
function punchable(a: Kind, b: Kind): boolean {
  const open = (k: Kind) => k === 'public' || k === 'full-cone';
  if (a === 'symmetric' && b === 'symmetric') return false;
  if (a === 'symmetric') return open(b) || b === 'address-restricted';
  if (b === 'symmetric') return open(a) || a === 'address-restricted';
  return true;
}

test('hole punching matrix over NAT types matches RFC 4787 expectations; relay always works', () => {
  const kinds: Kind[] = ['public', 'full-cone', 'address-restricted', 'port-restricted', 'symmetric'];
  const { net, leaves } = buildNet(kinds, { defaults: { delayMs: 15, jitterMs: 10 } });
  for (const a of leaves) for (const b of leaves) if (a !== b) a.message(b.name, 'hi');
  net.run(net.clock.now() + 5000);
  for (let i = 0; i < kinds.length; i++) {
    for (let j = 0; j < kinds.length; j++) {
      if (i === j) continue;
      const A = leaves[i];
      const B = leaves[j];
      assert.ok(B.inbox.includes(`${A.name}:hi`), `relay ${kinds[i]} -> ${kinds[j]}`);
      const want = punchable(kinds[i], kinds[j]);
      assert.equal(A.direct.has(B.name), want, `direct ${kinds[i]} -> ${kinds[j]}`);
    }
  }
  // Direct paths carry traffic now (no more relaying for punchable pairs).
  for (const a of leaves) for (const b of leaves) if (a !== b) a.message(b.name, 'again');
  net.run(net.clock.now() + 1000);
  for (const a of leaves) for (const b of leaves) if (a !== b) assert.ok(b.inbox.includes(`${a.name}:again`));
  assert.ok(net.stats.dropped['nat-filter'] > 0, 'failed punches were filtered');
  assert.ok(net.stats.dropped.ttl > 0, 'TTL-2 junk died in the core');
});

test('a root and 24 leaves behind mixed NATs under loss: relay reaches everyone, cut falls back', () => {
  const types: Kind[] = ['public', 'full-cone', 'address-restricted', 'port-restricted', 'symmetric'];
  const kinds = Array.from({ length: 24 }, (_, i) => types[i % types.length]);
  const run = (seed: number) => {
    const { net, root, leaves } = buildNet(kinds, {
      seed,
      trace: true,
      defaults: { delayMs: 20, jitterMs: 20, loss: 0.01 },
    });
    // Every leaf messages every other leaf three times, a second apart (retries cover loss).
    for (let r = 0; r < 3; r++) {
      for (const a of leaves) for (const b of leaves) if (a !== b) a.message(b.name, `m${r}`);
      net.run(net.clock.now() + 1000);
    }
    net.run(net.clock.now() + 60_000); // keepalives keep NAT mappings alive meanwhile
    return { net, root, leaves };
  };
  const { net, root, leaves } = run(7);
  for (const a of leaves) {
    for (const b of leaves) {
      if (a === b) continue;
      assert.ok(
        b.inbox.some((m) => m.startsWith(`${a.name}:`)),
        `${a.name} (${kinds[leaves.indexOf(a)]}) -> ${b.name} (${kinds[leaves.indexOf(b)]})`,
      );
    }
  }
  assert.ok(root.relayed() > 0);
  assert.ok(net.stats.dropped.loss > 0);
  // Determinism of the whole run: same seed, same trace, event for event.
  const again = run(7).net;
  assert.equal(again.trace.length, net.trace.length);
  assert.deepEqual(again.trace, net.trace);
  assert.notDeepEqual(run(8).net.trace, net.trace);
  // Cut a direct pair: direct sends are dropped, and relaying through the root still works.
  const a = leaves[0];
  const b = leaves[1];
  assert.ok(a.direct.has(b.name));
  net.cut(a.name, b.name);
  a.message(b.name, 'lost');
  a.direct.delete(b.name);
  a.message(b.name, 'via-root');
  a.message(b.name, 'via-root');
  net.run(net.clock.now() + 1000);
  assert.ok(!b.inbox.includes(`${a.name}:lost`));
  assert.ok(b.inbox.includes(`${a.name}:via-root`));
  assert.ok(net.stats.dropped.cut >= 1);
});
