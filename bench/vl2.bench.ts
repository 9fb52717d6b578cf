/**
 * VL2 data-path costs that run once per Ethernet frame: the rules filter (outbound and inbound,
 * with the common single-ACCEPT config, a 15-rule port policy, ownership checks and the
 * capability path), NDP emulation of an NS, and the Ethernet port's send/deliver overhead.
 * Run: `npm run bench vl2`.
 */

import { emulateNeighborAdvertisement } from '../src/core/vl2/ndp-emulation.ts';
import { filterIncoming, filterOutgoing } from '../src/core/vl2/rules-filter.ts';
import { ip, neighborSolicitation, tcp4, udp4 } from '../src/core/vl2/test-frames.ts';
import { EthernetPort } from '../src/link/ethernet-port.ts';
import { macForAddress, macToBytes, sixPlaneAddress, sixPlaneInet } from '../src/protocol/address.ts';
import { CertificateOfOwnership } from '../src/protocol/credentials/coo.ts';
import { emptyNetworkConfig } from '../src/protocol/netconf.ts';
import { Characteristics, type Rule } from '../src/protocol/rules.ts';
import { report, timePerCall } from './measure.ts';

const NWID = 0x8056c2e21c000001n;
const ME = 0x2d1d262d72;
const PEER = 0x1122334455;
const R = (type: number, v: Record<string, unknown> = {}, not = false): Rule =>
  ({ not, or: false, type, ...v }) as Rule;

const frame = udp4('10.147.17.1', '10.147.17.2', 40000, 443);
const ack = tcp4('10.147.17.1', '10.147.17.2', 40000, 443, 0x10);
const f = {
  ztSource: ME,
  ztDest: PEER,
  macSource: macForAddress(ME, NWID),
  macDest: macForAddress(PEER, NWID),
  etherType: 0x0800,
  frame,
};
const fin = { ...f, ztSource: PEER, ztDest: ME, macSource: f.macDest, macDest: f.macSource };

const accept = emptyNetworkConfig(NWID, ME);
accept.rules = [R(1)];
report(
  'filterOutgoing, rules = [ACCEPT]',
  timePerCall(() => filterOutgoing(accept, null, f)),
  'µs',
);
report(
  'filterIncoming, rules = [ACCEPT]',
  timePerCall(() => filterIncoming(accept, null, fin)),
  'µs',
);

// A port policy in the spirit of the ad-hoc networks (§1.2): 15 rules, the frame matches late.
const policy = emptyNetworkConfig(NWID, ME);
const ports = (p: number) => R(40, { start: p, end: p + 10 });
policy.rules = [
  R(37, { etherType: 0x0806 }),
  R(1),
  R(36, { ipProtocol: 1 }),
  R(1),
  R(36, { ipProtocol: 6 }),
  ports(22),
  R(1),
  R(36, { ipProtocol: 17 }),
  ports(53),
  R(1),
  R(41, { mask: Characteristics.TCP_SYN }, true),
  R(36, { ipProtocol: 6 }),
  R(1),
  R(36, { ipProtocol: 17 }),
  R(1),
];
report(
  'filterOutgoing, 15-rule port policy (UDP, 14th rule)',
  timePerCall(() => filterOutgoing(policy, null, f)),
  'µs',
);
report(
  'filterOutgoing, 15-rule port policy (TCP ACK)',
  timePerCall(() => filterOutgoing(policy, null, { ...f, frame: ack })),
  'µs',
);

// Sender IP authenticated: inbound against a presented COO with 3 IPs.
const coo = new CertificateOfOwnership({ networkId: NWID, timestamp: 1, id: 1, issuedTo: PEER })
  .addIp(ip('10.147.17.9'))
  .addIp(ip('fd00::9'))
  .addIp(ip('10.147.17.2'));
const auth = emptyNetworkConfig(NWID, ME);
auth.rules = [R(41, { mask: Characteristics.SENDER_IP_AUTHENTICATED }), R(1), R(0)];
const presented = { tags: [], capabilities: [], coos: [coo] };
const spoof = { ...fin, frame: udp4('10.147.17.2', '10.147.17.1', 1, 2) };
report(
  'filterIncoming, sender-IP-authenticated via COO',
  timePerCall(() => filterIncoming(auth, presented, spoof)),
  'µs',
);

// Capability path: base rules do not match, the 4th of the sender's capabilities accepts.
const capCfg = emptyNetworkConfig(NWID, ME);
capCfg.rules = [R(40, { start: 1, end: 10 }), R(1)];
const caps = [1, 2, 3, 4].map((id) => ({
  id,
  rules: [R(40, { start: 400 + id * 10 - 10, end: 400 + id * 10 }), R(1)],
}));
const capPeer = { tags: [], capabilities: caps, coos: [] };
report(
  'filterIncoming, 4 capabilities (last accepts)',
  timePerCall(() => filterIncoming(capCfg, capPeer, fin)),
  'µs',
);

// NDP emulation of an NS for a 6PLANE neighbour.
const ndpCfg = { networkId: NWID, issuedTo: ME, flags: 0x4, staticIps: [sixPlaneInet(NWID, ME)] };
const target = sixPlaneAddress(NWID, PEER);
const nsPayload = neighborSolicitation(
  'fc9c:56c2:e32d:1d26:2d72::1',
  'ff02::1:ff00:1',
  target,
  macToBytes(f.macSource),
);
const ns = new Uint8Array(14 + nsPayload.length);
ns.set([0x33, 0x33, 0xff, 0, 0, 1], 0);
ns.set(macToBytes(f.macSource), 6);
ns.set([0x86, 0xdd], 12);
ns.set(nsPayload, 14);
if (!emulateNeighborAdvertisement(ndpCfg, ns)) throw new Error('ndp');
report(
  'emulateNeighborAdvertisement (NS → 86-byte NA)',
  timePerCall(() => emulateNeighborAdvertisement(ndpCfg, ns)),
  'µs',
);
report(
  'emulateNeighborAdvertisement (not an NS: fast reject)',
  timePerCall(() => emulateNeighborAdvertisement(ndpCfg, frame)),
  'µs',
);

// Ethernet port: send (to a sink) + deliver (to a receiver) of a 1514-byte frame.
const port = new EthernetPort({ networkId: NWID, mac: f.macSource, send: () => true });
port.attach(() => {});
const big = new Uint8Array(1514);
report(
  'EthernetPort.send + deliver (1514 B)',
  timePerCall(() => {
    port.send(big);
    port.deliver(big);
  }),
  'µs',
);
const payload = new Uint8Array(1500);
report(
  'EthernetPort.deliverParts (header + 1500 B copy)',
  timePerCall(() => port.deliverParts(f.macSource, f.macDest, 0x0800, payload)),
  'µs',
);
