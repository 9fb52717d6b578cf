import { Node } from '../src/core/node.ts';
import { udp4 } from '../src/core/vl2/test-frames.ts';
import { Vl2 } from '../src/core/vl2/vl2.ts';
import { formatNetworkId, macForAddress, macToBytes } from '../src/protocol/address.ts';
import { CertificateOfMembership } from '../src/protocol/credentials/index.ts';
import { defaultPlanet } from '../src/protocol/default-planet.ts';
import type { Identity } from '../src/protocol/identity.ts';
import { emptyNetworkConfig, encodeNetworkConfig } from '../src/protocol/netconf.ts';
import { encodeFrame, Verb } from '../src/protocol/verbs/index.ts';
import { VECTOR_A, VECTOR_B, vl1FixtureIdentity } from '../src/testing/vectors.ts';
import { Writer } from '../src/util/result.ts';
import { report, timePerCall } from './measure.ts';

const ME = VECTOR_A;
const CTRL = VECTOR_B;
const PEER = vl1FixtureIdentity(3);

let n = 0;
const random = (k: number) => Uint8Array.from({ length: k }, () => (n++ * 131) & 0xff);
const node = new Node(
  { identity: ME, planet: defaultPlanet(), random, now: 0 },
  { send: () => undefined, event: () => undefined },
);
node.addPeer(PEER);
node.sendToPeer = () => true; // VL2 cost only
const vl2 = new Vl2(node, { random, now: 0 });

function bench(label: string, nwid: bigint) {
  const net = vl2.network(nwid)!;
  net.port.on('frame', () => undefined);
  const ipPayload = udp4('10.1.0.2', '10.1.0.1', 40000, 443);
  const w = new Writer(64 + ipPayload.length);
  encodeFrame(w, { nwid, etherType: 0x0800, data: ipPayload });
  const payload = w.finish();
  const pkt = { peer: PEER.address, verb: Verb.FRAME, payload, packetId: 1n, hops: 0, now: 1000 };
  const before = net.port.counters.rxFrames;
  vl2.handle(pkt);
  if (net.port.counters.rxFrames !== before + 1)
    throw new Error(`${label}: frame not delivered ${JSON.stringify(net.drops)}`);
  report(
    `${label}: receive FRAME → port (${ipPayload.length} B)`,
    timePerCall(() => vl2.handle(pkt)),
    'µs',
  );
  const frame = new Uint8Array(14 + ipPayload.length);
  macToBytes(macForAddress(PEER.address, nwid), frame, 0);
  macToBytes(net.mac, frame, 6);
  frame[12] = 0x08;
  frame.set(ipPayload, 14);
  if (!net.port.send(frame)) throw new Error(`${label}: send refused ${JSON.stringify(net.drops)}`);
  report(
    `${label}: port.send → FRAME payload`,
    timePerCall(() => net.port.send(frame)),
    'µs',
  );
}

// Public: the IPv4 ad-hoc network (single ACCEPT rule).
const ADHOC = 0xff0a000000000001n;
vl2.join(ADHOC, 0);
bench('ad-hoc (public)', ADHOC);

// Private: our config carries a COM; the peer presented an agreeing one.
const NWID = (BigInt(CTRL.address) << 24n) | 1n;
const c = emptyNetworkConfig(NWID, ME.address);
c.timestamp = 1000;
c.rules = [{ not: false, or: false, type: 1 }];
c.staticIps = [{ family: 4, ip: Uint8Array.of(10, 1, 0, 1), port: 24 }];
const com = (who: Identity) =>
  CertificateOfMembership.create({
    networkId: NWID,
    timestamp: 1000,
    maxDelta: c.credentialTimeMaxDelta,
    issuedTo: who,
  }).sign(CTRL);
c.com = com(ME);
node.addPeer(CTRL);
const priv = vl2.join(NWID, 0, encodeNetworkConfig(c));
if (priv.status !== 'OK') throw new Error(`private network not configured: ${formatNetworkId(NWID)}`);
if (priv.member(PEER.address).addCom(NWID, com(PEER), (a) => node.peerIdentity(a)) !== 'accepted')
  throw new Error('peer COM refused');
bench('private (COM gate)', NWID);
