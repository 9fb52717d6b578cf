/**
 * VL1 node core: `npm run bench vl1`.
 *
 * - receive → reassemble → dearmor (AES-GMAC-SIV) → dispatch of a FRAME from an established
 *   peer, handed to a no-op VL2 handler (packets/s for 100-byte and 1400-byte payloads);
 * - the same for a USER_MESSAGE (event to the host);
 * - a root relaying a packet between two leaves (receive → lookup → hop++ → send).
 *
 * Nodes are wired synchronously in-process (no simulator) and `now` is held constant so no
 * housekeeping runs inside the timed loops.
 */

import { readFileSync } from 'node:fs';
import { Node, type NodeIo } from '../src/core/node.ts';
import { assemblePacket } from '../src/core/outgoing.ts';
import { SymmetricKey } from '../src/protocol/armor.ts';
import { Identity } from '../src/protocol/identity.ts';
import { type InetAddress, inetAddressToString, parseInetAddress } from '../src/protocol/inet-address.ts';
import { Verb } from '../src/protocol/verbs/verb.ts';
import { World, WorldType } from '../src/protocol/world.ts';
import { SeededRandom } from '../src/testing/random.ts';
import { report, timePerCall } from './measure.ts';

const IDS: string[] = JSON.parse(
  readFileSync(new URL('../test/vl1/fixtures/identities.json', import.meta.url), 'utf8'),
).identities;
const id = (i: number) => {
  const d = Identity.fromString(IDS[i]);
  if (!d.ok) throw new Error(d.reason);
  return d.value;
};
const addr = (s: string) => parseInetAddress(s) as InetAddress;

const ROOT = id(0);
const A = id(1);
const B = id(2);
const EP = { root: '198.51.100.1/9993', a: '20.0.1.10/9993', b: '20.0.2.10/9993' };
const planet = World.create({
  type: WorldType.PLANET,
  id: 4242n,
  timestamp: 1,
  roots: [{ identity: ROOT.publicOnly(), stableEndpoints: [addr(EP.root)] }],
  signingKey: { publicKey: ROOT.publicKey, privateKey: ROOT.privateKey as Uint8Array },
});

// A synchronous in-process wire: datagrams are queued and delivered by pump().
const nodes = new Map<string, Node>();
const queue: { to: string; from: string; data: Uint8Array }[] = [];
let deliver = true;
let now = 1_000_000;
function io(self: string): NodeIo {
  return {
    send: (_s, to, data) => {
      if (deliver) queue.push({ to: inetAddressToString(to), from: self, data: data.slice() });
    },
    event: () => {},
  };
}
function pump(): void {
  while (queue.length > 0) {
    const d = queue.shift()!;
    nodes.get(d.to)?.receive(0, addr(d.from), d.data, now);
  }
}
const rng = new SeededRandom('bench');
function mk(identity: Identity, ep: string, role?: 'root'): Node {
  const n = new Node({ identity, planet, random: (k) => rng.bytes(k), now, role }, io(ep));
  n.addLocalSocket(0, addr(`0.0.0.0/9993`));
  nodes.set(ep, n);
  return n;
}
const root = mk(ROOT, EP.root, 'root');
const a = mk(A, EP.a);
const b = mk(B, EP.b);
for (let t = 0; t < 8; t++) {
  now += 2500;
  for (const n of [root, a, b]) n.poll(now);
  pump();
}
// Make A and B know each other (WHOIS via the root) and get direct.
a.sendUserMessage(B.address, 0x10000n, new Uint8Array(4), now);
pump();
for (let t = 0; t < 4; t++) {
  now += 1000;
  for (const n of [root, a, b]) n.poll(now);
  pump();
}
if (!a.online || !b.online || !root.peer(A.address)?.direct || !root.peer(B.address)?.direct)
  throw new Error('bench setup: nodes not connected');
deliver = false;

// ---- 1. receive → dearmor → dispatch at an established peer ---------------------------------
let frames = 0;
b.setVl2Handler(() => {
  frames++;
});
const keyAB = new SymmetricKey(A.agree(B) as Uint8Array);
const fromA = addr(EP.a);
function packet(verb: number, size: number, mtu?: number): Uint8Array {
  return assemblePacket(
    {
      packetId: rng.bytes(8),
      destination: B.address,
      source: A.address,
      verb,
      payload: new Uint8Array(size).fill(7),
      mtu,
    },
    keyAB,
    3,
  );
}
const dropsBefore = b.counters.totalDrops;
for (const size of [100, 1400]) {
  const tpl = packet(Verb.FRAME, size);
  const buf = new Uint8Array(tpl.length);
  const us = timePerCall(() => {
    buf.set(tpl);
    b.receive(0, fromA, buf, now);
  });
  report(`receive FRAME ${size} B, AES (established peer)`, 1e6 / us, 'pkt/s');
}
if (frames === 0 || b.counters.totalDrops > dropsBefore)
  throw new Error(`bench: frames not delivered ${JSON.stringify(b.counters.drops)}`);
{
  const tpl = packet(Verb.USER_MESSAGE, 108);
  const buf = new Uint8Array(tpl.length);
  const us = timePerCall(() => {
    buf.set(tpl);
    b.receive(0, fromA, buf, now);
  });
  report('receive USER_MESSAGE 100 B, AES', 1e6 / us, 'pkt/s');
}

// ---- 1b. the per-frame VL1 cost of a 2800-byte VL2 frame, send and receive ----------------------
// FRAME payload = nwid 8 + ethertype 2 + 2800 bytes (§6.7). `a` sends to `b` over its direct path
// (20.0.2.10: path MTU 1432, so two datagrams) and, separately, as if over loopback (MTU 10324:
// one datagram); the receive rows feed `b` the datagrams `a` produced.
{
  const payload = new Uint8Array(8 + 2 + 2800).fill(9);
  const peerB = a.peer(B.address);
  if (!peerB?.direct) throw new Error('bench: a has no direct path to b');
  let captured: Uint8Array[] = [];
  let capture = false;
  const sentBy = a.io.send;
  (a.io as { send: NodeIo['send'] }).send = (s, to, data, ttl) => {
    if (capture) captured.push(data.slice());
    sentBy(s, to, data, ttl);
  };
  const sendUs = timePerCall(() => a.sendToPeer(B.address, Verb.FRAME, payload, now), { batch: 20 });
  report('send FRAME 2810 B → 2 datagrams (MTU 1432), µs/frame', sendUs, 'µs');
  capture = true;
  a.sendToPeer(B.address, Verb.FRAME, payload, now);
  capture = false;
  const twoDatagrams = captured;
  captured = [];
  if (twoDatagrams.length !== 2) throw new Error(`bench: expected 2 datagrams, got ${twoDatagrams.length}`);
  const bufs = twoDatagrams.map((d) => new Uint8Array(d.length));
  const before = frames;
  const recvUs = timePerCall(
    () => {
      for (let i = 0; i < bufs.length; i++) {
        bufs[i].set(twoDatagrams[i]);
        b.receive(0, fromA, bufs[i], now);
      }
    },
    { batch: 20 },
  );
  if (frames === before) throw new Error('bench: 2-datagram frames not delivered');
  report('receive FRAME 2810 B ← 2 datagrams (reassembly), µs/frame', recvUs, 'µs');
  // One datagram: what a loopback path (MTU 10324) produces; `b` accepts it whatever the path.
  const one = packet(Verb.FRAME, payload.length, 10324);
  const buf1 = new Uint8Array(one.length);
  const before1 = frames;
  const recv1Us = timePerCall(
    () => {
      buf1.set(one);
      b.receive(0, fromA, buf1, now);
    },
    { batch: 20 },
  );
  if (frames === before1) throw new Error('bench: 1-datagram frames not delivered');
  report('receive FRAME 2810 B ← 1 datagram, µs/frame', recv1Us, 'µs');
}

// ---- 2. a root relaying between two leaves -------------------------------------------------------
{
  const keyRelay = new SymmetricKey(A.agree(B) as Uint8Array);
  const tpl = assemblePacket(
    {
      packetId: rng.bytes(8),
      destination: B.address,
      source: A.address,
      verb: Verb.FRAME,
      payload: new Uint8Array(1400),
    },
    keyRelay,
    3,
  );
  const buf = new Uint8Array(tpl.length);
  const before = root.counters.relayed;
  const us = timePerCall(() => {
    buf.set(tpl);
    root.receive(0, fromA, buf, now);
  });
  if (root.counters.relayed === before) throw new Error('bench: root did not relay');
  report('root relays a 1428 B packet (per packet)', us, 'µs');
  report('root relay rate', 1e6 / us, 'pkt/s');
}
