import { Node } from '../src/core/node.ts';
import type { Vl2Packet } from '../src/core/node-types.ts';
import { ipv4 } from '../src/core/vl2/test-frames.ts';
import { Vl2 } from '../src/core/vl2/vl2.ts';
import { macForAddress, macToBytes } from '../src/protocol/address.ts';
import { CertificateOfMembership } from '../src/protocol/credentials/index.ts';
import { defaultPlanet } from '../src/protocol/default-planet.ts';
import type { Identity } from '../src/protocol/identity.ts';
import { emptyNetworkConfig, encodeNetworkConfig } from '../src/protocol/netconf.ts';
import { VECTOR_A, VECTOR_B, vl1FixtureIdentity } from '../src/testing/vectors.ts';
import { report, timePerCall } from './measure.ts';

const A_ID = VECTOR_A;
const CTRL = VECTOR_B;
const B_ID = vl1FixtureIdentity(3);

let seq = 0;
const random = (k: number) => {
  const b = new Uint8Array(k);
  for (let i = 0; i < k; i++) b[i] = (seq++ * 131) & 0xff;
  return b;
};

/** One side: a VL1 node whose sends go straight to the other side's VL2 handler. */
function side(me: Identity, other: Identity) {
  const node = new Node(
    { identity: me, planet: defaultPlanet(), random, now: 0 },
    { send: () => undefined, event: () => undefined },
  );
  node.addPeer(other);
  node.addPeer(CTRL);
  const vl2 = new Vl2(node, { random, now: 0, defer: (fn) => fn() });
  return { node, vl2 };
}
const a = side(A_ID, B_ID);
const b = side(B_ID, A_ID);
let clock = 1000;
const wire = (to: { vl2: Vl2 }, from: Identity) => {
  // A reused packet object, as VL1 hands VL2 (payload valid only during the call).
  const pkt = {
    peer: from.address,
    verb: 0,
    payload: new Uint8Array(0) as Uint8Array,
    packetId: 1n,
    hops: 0,
    now: 0,
  };
  return (_addr: number, verb: number, payload: Uint8Array): boolean => {
    pkt.verb = verb;
    pkt.payload = payload;
    pkt.now = clock;
    to.vl2.handle(pkt as Vl2Packet);
    return true;
  };
};
a.node.sendToPeer = wire(b, A_ID);
b.node.sendToPeer = wire(a, B_ID);

/** A TCP segment from A to B: IPv4 + TCP header + payload filling the 2800-byte MTU. */
function tcpFrame(nwid: bigint): Uint8Array {
  const tcp = new Uint8Array(2800 - 20);
  tcp[0] = 0x9c;
  tcp[1] = 0x40; // sport 40000
  tcp[3] = 80;
  tcp[12] = 0x50; // data offset 5
  tcp[13] = 0x10; // ACK
  const ipPkt = ipv4('10.1.0.1', '10.1.0.2', 6, tcp);
  const f = new Uint8Array(14 + ipPkt.length);
  macToBytes(macForAddress(B_ID.address, nwid), f, 0);
  macToBytes(macForAddress(A_ID.address, nwid), f, 6);
  f[12] = 0x08;
  f.set(ipPkt, 14);
  return f;
}

function flood(label: string, nwid: bigint): void {
  const na = a.vl2.network(nwid)!;
  const nb = b.vl2.network(nwid)!;
  let got = 0;
  nb.port.attach((f) => {
    got += f.length;
  });
  const frame = tcpFrame(nwid);
  if (!na.port.send(frame) || got !== frame.length)
    throw new Error(
      `${label}: frame not delivered: A ${JSON.stringify(na.drops)} B ${JSON.stringify(nb.drops)}`,
    );
  const us = timePerCall(
    () => {
      clock++;
      na.port.send(frame);
    },
    { ms: 1500, batch: 1000 },
  );
  if (nb.port.counters.rxFrames !== na.port.counters.txFrames)
    throw new Error(
      `${label}: ${na.port.counters.txFrames} frames sent, ${nb.port.counters.rxFrames} delivered`,
    );
  report(`${label}: A port.send → B port (2800 B)`, us, 'µs/frame');
}

const ADHOC = 0xff0a000000000001n;
a.vl2.join(ADHOC, 0);
b.vl2.join(ADHOC, 0);
flood('ad-hoc (public)', ADHOC);

// Private: each side's config carries its COM; each has the other's (agreeing) COM.
const NWID = (BigInt(CTRL.address) << 24n) | 1n;
const com = (who: Identity) =>
  CertificateOfMembership.create({
    networkId: NWID,
    timestamp: 1000,
    maxDelta: 7_200_000,
    issuedTo: who,
  }).sign(CTRL);
for (const [s, me, other] of [
  [a, A_ID, B_ID],
  [b, B_ID, A_ID],
] as const) {
  const c = emptyNetworkConfig(NWID, me.address);
  c.timestamp = 1000;
  c.credentialTimeMaxDelta = 7_200_000;
  c.rules = [{ not: false, or: false, type: 1 }];
  c.staticIps = [{ family: 4, ip: Uint8Array.of(10, 1, 0, me === A_ID ? 1 : 2), port: 24 }];
  c.com = com(me);
  const n = s.vl2.join(NWID, 0, encodeNetworkConfig(c));
  if (n.status !== 'OK') throw new Error('private network not configured');
  if (n.member(other.address).addCom(NWID, com(other), (x) => s.node.peerIdentity(x)) !== 'accepted')
    throw new Error('COM refused');
}
flood('private (COM gate)', NWID);
