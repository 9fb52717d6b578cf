/**
 * Hostile input at a node's `receive` (issue 3 "Must show"): packets from unknown identities,
 * forged MACs, bad HELLOs (wrong address, old protocol, identity failing its proof of work,
 * identity collision), oversized and bogus fragments, unexpected OKs, relay abuse and garbage
 * are dropped and counted per reason — and `receive` never throws (fast-check fuzz).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DropReason } from '../../src/core/counters.ts';
import { Node, type NodeEvent } from '../../src/core/node.ts';
import { assembleHello, assemblePacket } from '../../src/core/outgoing.ts';
import { SymmetricKey } from '../../src/protocol/armor.ts';
import { fragmentPacket } from '../../src/protocol/fragment.ts';
import { Identity } from '../../src/protocol/identity.ts';
import { type InetAddress, parseInetAddress } from '../../src/protocol/inet-address.ts';
import { PKT_FLAGS } from '../../src/protocol/packet.ts';
import { encodeOk } from '../../src/protocol/verbs/ok.ts';
import { encodePushDirectPaths } from '../../src/protocol/verbs/push-direct-paths.ts';
import { encodeRendezvous } from '../../src/protocol/verbs/rendezvous.ts';
import { Verb } from '../../src/protocol/verbs/verb.ts';
import { SeededRandom } from '../../src/testing/random.ts';
import { readU40 } from '../../src/util/bytes.ts';
import { Writer } from '../../src/util/result.ts';
import { makePlanet, testIdentity } from './harness.ts';

const ROOT = testIdentity(0);
const LEAF = testIdentity(1);
const OTHER = testIdentity(2);
const ROOT_EP = '198.51.100.1/9993';
const planet = makePlanet([{ identity: ROOT, endpoints: [ROOT_EP] }]);
const addr = (s: string): InetAddress => parseInetAddress(s) as InetAddress;

function leafNode(seed = 'drops') {
  const rng = new SeededRandom(seed);
  const sent: { to: InetAddress; data: Uint8Array; ttl?: number }[] = [];
  const events: NodeEvent[] = [];
  const node = new Node(
    { identity: LEAF, planet, random: (n) => rng.bytes(n), now: 1000 },
    { send: (_s, to, data, ttl) => sent.push({ to, data: data.slice(), ttl }), event: (e) => events.push(e) },
  );
  node.addLocalSocket(0, addr('0.0.0.0/9993'));
  return { node, sent, events, rng };
}

const keyBetween = (a: Identity, b: Identity) => new SymmetricKey(a.agree(b) as Uint8Array);
const pid = (rng: SeededRandom) => rng.bytes(8);

function hello(
  from: Identity,
  to: number,
  key: SymmetricKey,
  rng: SeededRandom,
  mutate?: (p: Uint8Array) => void,
) {
  const p = assembleHello(
    {
      packetId: pid(rng),
      identity: from,
      destination: to,
      timestamp: 5000,
      to: addr('20.0.0.1/9993'),
      planetId: planet.id,
      planetTimestamp: BigInt(planet.timestamp),
      moons: [],
    },
    key,
  );
  mutate?.(p);
  return p;
}

/** A packet `source → destination` carrying `verb` and `payload`, armored with `key` and `cipher`. */
function packet(
  rng: SeededRandom,
  source: Identity,
  destination: Identity,
  verb: number,
  payload: Uint8Array,
  cipher: 0 | 1 | 3,
  key: SymmetricKey,
): Uint8Array {
  const spec = {
    packetId: pid(rng),
    destination: destination.address,
    source: source.address,
    verb,
    payload,
  };
  return assemblePacket(spec, key, cipher);
}

function expectDrop(node: Node, reason: DropReason, fn: () => void): void {
  const before = node.counters.dropped(reason);
  fn();
  assert.ok(
    node.counters.dropped(reason) > before,
    `expected a '${reason}' drop; drops: ${JSON.stringify(node.counters.drops)}`,
  );
}

test('packets from unknown identities are parked for WHOIS, then dropped after 5 s', () => {
  const { node, rng } = leafNode();
  const key = keyBetween(OTHER, LEAF);
  const pkt = packet(rng, OTHER, LEAF, Verb.ECHO, new Uint8Array(4), 1, key);
  expectDrop(node, 'unknown-source', () => node.receive(0, addr('20.1.1.1/9993'), pkt, 1000));
  expectDrop(node, 'rx-park-timeout', () => node.poll(7000));
  // A flood of unknown sources stays bounded (32 parked).
  for (let i = 0; i < 40; i++) {
    const p = pkt.slice();
    p[17] = i; // another source address
    node.receive(0, addr('20.1.1.1/9993'), p, 8000);
  }
  assert.equal(node.counters.dropped('rx-park-evicted'), 8);
});

test('forged MACs and corrupted packets from a known peer: mac-failed', () => {
  const { node, rng } = leafNode();
  const key = keyBetween(ROOT, LEAF);
  for (const cipher of [0, 1, 3] as const) {
    const pkt = packet(rng, ROOT, LEAF, Verb.NOP, new Uint8Array(10), cipher, key);
    pkt[pkt.length - 1] ^= 1;
    expectDrop(node, 'mac-failed', () => node.receive(0, addr(ROOT_EP), pkt, 1000));
  }
  // Right MAC under another key (an impostor sending as the root).
  const forged = packet(rng, ROOT, LEAF, Verb.NOP, new Uint8Array(10), 3, keyBetween(OTHER, LEAF));
  expectDrop(node, 'mac-failed', () => node.receive(0, addr(ROOT_EP), forged, 1000));
  assert.equal(node.counters.received.NOP, undefined, 'nothing was accepted');
});

test('bad HELLOs: wrong address, old protocol, failing identity, collision, rate limit', () => {
  const { node, rng, sent } = leafNode();
  const kO = keyBetween(OTHER, LEAF);
  // Header source differs from the identity's address.
  expectDrop(node, 'bad-hello-address', () =>
    node.receive(
      0,
      addr('20.2.0.1/9993'),
      hello(OTHER, LEAF.address, kO, rng, (p) => (p[17] ^= 1)),
      1000,
    ),
  );
  // Protocol version 3 (< 4).
  expectDrop(node, 'bad-hello-protocol', () =>
    node.receive(
      0,
      addr('20.2.1.1/9993'),
      hello(OTHER, LEAF.address, kO, rng, (p) => (p[28] = 3)),
      1000,
    ),
  );
  // An identity whose address is not derived from its key (proof of work fails, §2.3).
  const fake = Identity.fromParts(0x1122334455, OTHER.publicKey, OTHER.privateKey);
  expectDrop(node, 'bad-hello-identity', () =>
    node.receive(0, addr('20.2.2.1/9993'), hello(fake, LEAF.address, keyBetween(fake, LEAF), rng), 1000),
  );
  // Same /24 within 2 s: the expensive validation is rate limited (§9.2).
  expectDrop(node, 'identity-rate-limited', () =>
    node.receive(0, addr('20.2.2.9/9993'), hello(OTHER, LEAF.address, kO, rng), 1500),
  );
  assert.equal(node.peer(OTHER.address), undefined);
  // Later it is accepted.
  node.receive(0, addr('20.2.2.9/9993'), hello(OTHER, LEAF.address, kO, rng), 4000);
  assert.ok(node.peer(OTHER.address));
  // The root's address with another identity: IDENTITY_COLLISION back, packet dropped.
  const impostor = Identity.fromParts(ROOT.address, OTHER.publicKey, OTHER.privateKey);
  const n = sent.length;
  expectDrop(node, 'identity-collision', () =>
    node.receive(
      0,
      addr('20.3.0.1/9993'),
      hello(impostor, LEAF.address, keyBetween(impostor, LEAF), rng),
      9000,
    ),
  );
  assert.equal(sent.length, n + 1, 'one ERROR sent');
  // A HELLO with a broken MAC never costs a validation.
  expectDrop(node, 'mac-failed', () =>
    node.receive(
      0,
      addr('20.4.0.1/9993'),
      hello(OTHER, LEAF.address, kO, rng, (p) => (p[40] ^= 0x80)),
      9000,
    ),
  );
});

test('OK(HELLO) with an absurd echoed timestamp is counted and does not poison latency', () => {
  const { node, rng, sent } = leafNode();
  node.poll(1000); // HELLO to the root
  const h = sent.find((s) => s.data[27] === Verb.HELLO);
  assert.ok(h);
  const key = keyBetween(ROOT, LEAF);
  const w = new Writer(64);
  encodeOk(w, {
    inReVerb: Verb.HELLO,
    inRePacketId: new DataView(h.data.buffer, h.data.byteOffset).getBigUint64(0),
    kind: 'HELLO',
    body: {
      timestamp: 999_999_999n,
      protocolVersion: 12,
      versionMajor: 1,
      versionMinor: 14,
      versionRevision: 1,
      source: addr('20.0.0.1/9993'),
    },
  });
  const ok = packet(rng, ROOT, LEAF, Verb.OK, w.finish(), 3, key);
  expectDrop(node, 'bad-hello-timestamp', () => node.receive(0, addr(ROOT_EP), ok, 1100));
  assert.equal(node.online, true, 'the OK itself is authentic and accepted');
  assert.equal(node.peer(ROOT.address)?.latency, -1);
});

test('unexpected OKs are dropped (expecting-reply filter, §9.1)', () => {
  const { node, rng } = leafNode();
  const w = new Writer(32);
  encodeOk(w, {
    inReVerb: Verb.ECHO,
    inRePacketId: 0x0102030405060708n,
    kind: 'ECHO',
    body: new Uint8Array(0),
  });
  const ok = packet(rng, ROOT, LEAF, Verb.OK, w.finish(), 3, keyBetween(ROOT, LEAF));
  expectDrop(node, 'unexpected-ok', () => node.receive(0, addr(ROOT_EP), ok, 1000));
  assert.equal(node.peer(ROOT.address)?.paths.length, 0, 'no path learned from an unexpected OK');
});

test('oversized, bogus and duplicate fragments; oversized datagrams; too-short junk', () => {
  const { node, rng } = leafNode();
  const key = keyBetween(ROOT, LEAF);
  const big = packet(rng, ROOT, LEAF, Verb.NOP, new Uint8Array(5000), 3, key);
  const frags = fragmentPacket(big);
  assert.ok(frags.length > 2);
  // totalFragments 8 > 7.
  const f8 = frags[1].slice();
  f8[14] = (8 << 4) | 1;
  expectDrop(node, 'fragment-bad-fragment', () => node.receive(0, addr(ROOT_EP), f8, 1000));
  // Duplicate fragment.
  node.receive(0, addr(ROOT_EP), frags[1], 1000);
  expectDrop(node, 'fragment-duplicate', () => node.receive(0, addr(ROOT_EP), frags[1], 1000));
  // Fragments adding up to more than 10024 bytes.
  const id = rng.bytes(8);
  const mk = (no: number) => {
    const f = new Uint8Array(16 + 1800);
    f.set(id, 0);
    f.set(frags[1].subarray(8, 13), 8);
    f[13] = 0xff;
    f[14] = (7 << 4) | no;
    return f;
  };
  expectDrop(node, 'fragment-too-large', () => {
    for (let i = 1; i < 7; i++) node.receive(0, addr(ROOT_EP), mk(i), 1000);
  });
  expectDrop(node, 'too-long', () => node.receive(0, addr(ROOT_EP), new Uint8Array(10025), 1000));
  expectDrop(node, 'too-short', () => node.receive(0, addr(ROOT_EP), new Uint8Array(13), 1000));
  expectDrop(node, 'fragment-timeout', () => node.poll(10_000));
  // The real packet still reassembles and authenticates when whole.
  for (const f of [...frags].reverse()) node.receive(0, addr(ROOT_EP), f.slice(), 20_000);
  assert.equal(node.counters.received.NOP, 1);
});

test('relay rules: leaves do not relay, roots stop at 3 hops', () => {
  const { node, rng } = leafNode();
  const pkt = packet(rng, ROOT, OTHER, Verb.NOP, new Uint8Array(4), 3, keyBetween(ROOT, OTHER));
  expectDrop(node, 'not-relaying', () => node.receive(0, addr(ROOT_EP), pkt, 1000));
  const rootNode = new Node(
    { identity: ROOT, planet, random: (n) => rng.bytes(n), now: 1000, role: 'root' },
    { send: () => {}, event: () => {} },
  );
  rootNode.addLocalSocket(0, addr('0.0.0.0/9993'));
  const hops3 = pkt.slice();
  hops3[PKT_FLAGS] |= 3;
  expectDrop(rootNode, 'hops-exceeded', () => rootNode.receive(0, addr('20.0.0.1/9993'), hops3, 1000));
  expectDrop(rootNode, 'relay-no-path', () => rootNode.receive(0, addr('20.0.0.1/9993'), pkt.slice(), 1000));
});

test('fuzz: receive never throws, on garbage or on mutations of valid packets', () => {
  const { node, rng } = leafNode('fuzz');
  const key = keyBetween(ROOT, LEAF);
  const valid = [
    packet(rng, ROOT, LEAF, Verb.ECHO, new Uint8Array(20), 3, key),
    packet(rng, ROOT, LEAF, Verb.RENDEZVOUS, new Uint8Array(13), 1, key),
    hello(OTHER, LEAF.address, keyBetween(OTHER, LEAF), rng),
    ...fragmentPacket(packet(rng, ROOT, LEAF, Verb.USER_MESSAGE, new Uint8Array(3000), 3, key)),
  ];
  let now = 1000;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 1600 }),
        fc
          .tuple(
            fc.nat(valid.length - 1),
            fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
          )
          .map(([i, muts]) => {
            const p = valid[i].slice();
            for (const [at, b] of muts) p[at % p.length] = b;
            return p;
          }),
        // Header of a packet addressed to us with a random tail: exercises every verb path.
        fc
          .tuple(
            fc.integer({ min: 0, max: 31 }),
            fc.integer({ min: 0, max: 7 }),
            fc.uint8Array({ maxLength: 200 }),
          )
          .map(([verb, cipher, tail]) => {
            const p = new Uint8Array(28 + tail.length);
            p.set(valid[0].subarray(0, 18));
            p[18] = cipher << 3;
            p[27] = verb;
            p.set(tail, 28);
            return p;
          }),
      ),
      fc.boolean(),
      (d, tick) => {
        now += 37;
        node.receive(0, addr(tick ? ROOT_EP : '20.9.9.9/4444'), d, now);
        if (tick) node.poll(now);
      },
    ),
    { numRuns: 1500, seed: 42 },
  );
  assert.equal(node.counters.dropped('internal-error'), 0, JSON.stringify(node.counters.drops));
  assert.ok(node.counters.totalDrops > 1000);
});

test('rate limits and trust rules: WHOIS, ECHO, PUSH_DIRECT_PATHS, HELLO replies; RENDEZVOUS/OK(WHOIS) only from upstreams', () => {
  const { node, rng } = leafNode('limits');
  // OTHER becomes a known (leaf) peer through its HELLO.
  node.receive(0, addr('20.5.0.1/9993'), hello(OTHER, LEAF.address, keyBetween(OTHER, LEAF), rng), 1000);
  assert.ok(node.peer(OTHER.address));
  const kO = keyBetween(OTHER, LEAF);
  const from = addr('20.5.0.1/9993');
  const pkt = (verb: number, payload: Uint8Array) => packet(rng, OTHER, LEAF, verb, payload, 3, kO);
  // WHOIS: one per 100 ms per peer at a non-root (§6.5).
  const whois = () => pkt(Verb.WHOIS, Uint8Array.of(0x11, 0x22, 0x33, 0x44, 0x55));
  node.receive(0, from, whois(), 2000);
  expectDrop(node, 'whois-rate-limited', () => node.receive(0, from, whois(), 2050));
  // ECHO: one OK(ECHO) per ~166 ms per path (§6.9).
  node.receive(0, from, pkt(Verb.ECHO, new Uint8Array(4)), 3000);
  expectDrop(node, 'echo-rate-limited', () => node.receive(0, from, pkt(Verb.ECHO, new Uint8Array(4)), 3100));
  // PUSH_DIRECT_PATHS: more than 8 in 30 s are ignored (§6.16).
  const push = new Writer(32);
  encodePushDirectPaths(push, {
    paths: [{ flags: 0, extension: new Uint8Array(0), address: addr('20.6.0.1/9993') }],
  });
  const pushBytes = push.finish();
  for (let i = 0; i < 8; i++) node.receive(0, from, pkt(Verb.PUSH_DIRECT_PATHS, pushBytes), 4000 + i);
  expectDrop(node, 'push-rate-limited', () =>
    node.receive(0, from, pkt(Verb.PUSH_DIRECT_PATHS, pushBytes), 4100),
  );
  // HELLO replies: a replayed-HELLO flood is answered at most 10 times a second.
  const h = hello(OTHER, LEAF.address, kO, rng);
  expectDrop(node, 'hello-rate-limited', () => {
    for (let i = 0; i < 12; i++) node.receive(0, from, h.slice(), 5000);
  });
  // A leaf may not send us RENDEZVOUS, nor answer WHOIS (§6.4, §6.6).
  const rv = new Writer(16);
  encodeRendezvous(rv, { flags: 0, address: ROOT.address, peer: addr('20.7.0.1/9993') });
  expectDrop(node, 'untrusted-rendezvous', () =>
    node.receive(0, from, pkt(Verb.RENDEZVOUS, rv.finish()), 6000),
  );
  assert.equal(node.counters.dropped('internal-error'), 0);
});

test('WHOIS: queued sends wait for the identity; OK(WHOIS) is trusted only from an upstream', () => {
  const { node, rng, sent } = leafNode('whois');
  const kR = keyBetween(ROOT, LEAF);
  const idOf = (d: Uint8Array) => new DataView(d.buffer, d.byteOffset).getBigUint64(0);
  // Connect to the root: answer our HELLO with OK(HELLO) so a path is learned.
  node.poll(1000);
  const h = sent.find((x) => x.data[27] === Verb.HELLO);
  assert.ok(h);
  const okh = new Writer(64);
  encodeOk(okh, {
    inReVerb: Verb.HELLO,
    inRePacketId: idOf(h.data),
    kind: 'HELLO',
    body: { timestamp: 1000n, protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1 },
  });
  node.receive(0, addr(ROOT_EP), packet(rng, ROOT, LEAF, Verb.OK, okh.finish(), 3, kR), 1010);
  assert.ok(node.online);
  // Sending to an unknown address queues the packet and WHOISes it via the root.
  const target = testIdentity(4);
  const n0 = sent.length;
  assert.ok(node.sendUserMessage(target.address, 0x10000n, new TextEncoder().encode('queued'), 1100));
  assert.equal(sent.length, n0 + 1, 'only the WHOIS went out');
  const whoisWireId = idOf(sent[n0].data);
  const okw = new Writer(128);
  encodeOk(okw, {
    inReVerb: Verb.WHOIS,
    inRePacketId: whoisWireId,
    kind: 'WHOIS',
    body: { identities: [target.publicOnly()] },
  });
  const body = okw.finish();
  // A leaf quoting our WHOIS is not believed.
  node.receive(0, addr('20.5.0.1/9993'), hello(OTHER, LEAF.address, keyBetween(OTHER, LEAF), rng), 1150);
  expectDrop(node, 'untrusted-whois-reply', () =>
    node.receive(
      0,
      addr('20.5.0.1/9993'),
      packet(rng, OTHER, LEAF, Verb.OK, body, 3, keyBetween(OTHER, LEAF)),
      1200,
    ),
  );
  assert.equal(node.peer(target.address), undefined);
  // The root's answer is; the queued USER_MESSAGE then leaves (relayed through the root).
  const n1 = sent.length;
  node.receive(0, addr(ROOT_EP), packet(rng, ROOT, LEAF, Verb.OK, body, 3, kR), 1300);
  assert.ok(node.peer(target.address));
  const out = sent.slice(n1);
  assert.equal(out.length, 1);
  assert.equal(readU40(out[0].data, 8), target.address, 'addressed to the target');
  assert.equal(
    (out[0].data[18] >> 3) & 7,
    1,
    'cipher 1: the protocol version of the target is not known yet (§4.5)',
  );
  assert.equal(out[0].to.port, 9993, 'sent to the root (relay)');
});

test('a leaf relays only for trust-established paths (§3.4)', () => {
  const sent: { to: InetAddress; data: Uint8Array }[] = [];
  const rng = new SeededRandom('trust');
  const node = new Node(
    { identity: LEAF, planet, random: (n) => rng.bytes(n), now: 1000 },
    { send: (_s, to, data) => sent.push({ to, data: data.slice() }), event: () => {} },
  );
  node.addLocalSocket(0, addr('0.0.0.0/9993'));
  // OTHER says HELLO from 20.5.0.1; we confirm with HELLO and it answers OK: a direct path.
  const from = addr('20.5.0.1/9993');
  node.receive(0, from, hello(OTHER, LEAF.address, keyBetween(OTHER, LEAF), rng), 1000);
  const confirm = sent.filter((x) => x.data[27] === Verb.HELLO).at(-1);
  assert.ok(confirm);
  const okh = new Writer(64);
  encodeOk(okh, {
    inReVerb: Verb.HELLO,
    inRePacketId: new DataView(confirm.data.buffer, confirm.data.byteOffset).getBigUint64(0),
    kind: 'HELLO',
    body: { timestamp: 1000n, protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1 },
  });
  node.receive(0, from, packet(rng, OTHER, LEAF, Verb.OK, okh.finish(), 3, keyBetween(OTHER, LEAF)), 1010);
  assert.equal(node.peer(OTHER.address)?.direct, true);
  // A packet from OTHER's path for the root: not relayed until VL2 marks OTHER trusted.
  const forRoot = () => packet(rng, OTHER, ROOT, Verb.NOP, new Uint8Array(4), 3, keyBetween(OTHER, ROOT));
  expectDrop(node, 'not-relaying', () => node.receive(0, from, forRoot(), 1100));
  node.markTrustEstablished(OTHER.address, 1100);
  const before = node.counters.relayed;
  // Now it would be relayed — but we have no path to the root yet: counted as such.
  expectDrop(node, 'relay-no-path', () => node.receive(0, from, forRoot(), 1200));
  assert.equal(node.counters.relayed, before);
  // After the trust window (600 s) it is refused again.
  expectDrop(node, 'not-relaying', () => node.receive(0, from, forRoot(), 1100 + 600_000));
});

test('RENDEZVOUS from the root: a 4-byte TTL-2 junk datagram, then ECHO to the named address (§6.6)', () => {
  const { node, rng, sent } = leafNode('rdv');
  node.receive(0, addr('20.5.0.1/9993'), hello(OTHER, LEAF.address, keyBetween(OTHER, LEAF), rng), 1000);
  const rv = new Writer(16);
  encodeRendezvous(rv, { flags: 0, address: OTHER.address, peer: addr('40.1.2.3/4567') });
  const n0 = sent.length;
  node.receive(
    0,
    addr(ROOT_EP),
    packet(rng, ROOT, LEAF, Verb.RENDEZVOUS, rv.finish(), 3, keyBetween(ROOT, LEAF)),
    1100,
  );
  const out = sent.slice(n0).filter((s) => s.to.port === 4567);
  assert.equal(out.length, 2, JSON.stringify(out.map((o) => [o.data.length, o.ttl])));
  assert.equal(out[0].data.length, 4);
  assert.equal(out[0].ttl, 2);
  assert.equal(out[1].ttl, undefined);
  assert.equal(readU40(out[1].data, 8), OTHER.address);
  assert.equal((out[1].data[18] >> 3) & 7, 3, 'ECHO under AES: OTHER announced protocol 12 in its HELLO');
  // Unusable addresses (loopback is allowed for embedded nodes, multicast is not) are refused.
  const bad = new Writer(16);
  encodeRendezvous(bad, { flags: 0, address: OTHER.address, peer: addr('224.0.0.1/4567') });
  expectDrop(node, 'unusable-address', () =>
    node.receive(
      0,
      addr(ROOT_EP),
      packet(rng, ROOT, LEAF, Verb.RENDEZVOUS, bad.finish(), 3, keyBetween(ROOT, LEAF)),
      1200,
    ),
  );
});
