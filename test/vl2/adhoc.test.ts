/**
 * Ad-hoc networks between our nodes (protocol.md §1.2): no controller; each node synthesizes the
 * config. Two leaves and a root (our VL1 nodes on the in-memory network, each with a Vl2) exchange
 * Ethernet frames through their EthernetPorts: an ARP request travels as a multicast to the ARP
 * group of the target (§1.4) found through the root's gather answer (§6.14), the reply as FRAME.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arpRequest, neighborSolicitation, tcp6, udp4, udp6 } from '../../src/core/vl2/test-frames.ts';
import {
  adHocIpv4Address,
  adHocPortRangeNetworkId,
  macForAddress,
  macToBytes,
  sixPlaneAddress,
} from '../../src/protocol/address.ts';
import { formatIp } from '../../src/stack/wire/ip-address.ts';
import { UdpNetwork } from '../../src/testing/udp-network.ts';
import { buildTestnet } from '../vl1/harness.ts';
import { ethFrame, runUntil, Vl2Node } from './harness.ts';

function setup(seed: string) {
  const net = new UdpNetwork({ seed });
  const tn = buildTestnet(net, 2);
  const root = new Vl2Node(tn.root, net);
  const [a, b] = tn.leaves.map((l) => new Vl2Node(l, net));
  const all = [root, a, b];
  assert.ok(
    runUntil(net, all, () => a.sim.node.online && b.sim.node.online, 30_000),
    'leaves online',
  );
  return { net, root, a, b, all };
}

describe('ad-hoc IPv4 network ff0a000000000001 (10.x.y.z/8, single ACCEPT)', () => {
  const NWID = 0xff0a000000000001n;
  const { net, a, b, all } = setup('vl2-adhoc-ipv4');
  const na = a.vl2.join(NWID, net.clock.now());
  const nb = b.vl2.join(NWID, net.clock.now());
  const rxA: Uint8Array[] = [];
  const rxB: Uint8Array[] = [];
  na.port.on('frame', (f) => rxA.push(Uint8Array.from(f)));
  nb.port.on('frame', (f) => rxB.push(Uint8Array.from(f)));
  const ipA = formatIp(adHocIpv4Address(10, a.address));
  const ipB = formatIp(adHocIpv4Address(10, b.address));

  it('configures itself at once: OK, name, MTU 2800, the 10.x.y.z/8 and 6PLANE addresses', () => {
    assert.equal(na.status, 'OK');
    const info = na.info();
    assert.equal(info.name, 'adhoc-10.0.0.0');
    assert.equal(info.mtu, 2800);
    assert.equal(info.type, 'PUBLIC');
    assert.ok(info.addresses.includes(`${ipA}/8`), info.addresses.join());
    assert.ok(info.addresses.some((x) => x.startsWith('fc') && x.endsWith('/40')));
    assert.equal(na.port.status, 'OK');
    assert.equal(na.port.addresses.length, 2);
    assert.ok(a.events.some((e) => e.type === 'network' && e.network.status === 'OK'));
  });

  it('an ARP request from a reaches b’s port as a broadcast (multicast via the root’s gather answer)', () => {
    // Let the LIKEs for the ARP groups reach the root.
    runUntil(net, all, () => false, 2_000);
    const arp = arpRequest(macToBytes(na.mac), ipA, ipB);
    assert.equal(na.port.send(ethFrame(0xffffffffffff, na.mac, 0x0806, arp)), true);
    assert.ok(
      runUntil(net, all, () => rxB.length > 0, 10_000),
      `b got the ARP (drops a ${JSON.stringify(na.drops)} b ${JSON.stringify(nb.drops)})`,
    );
    const f = rxB[0];
    assert.deepEqual([...f.subarray(0, 6)], [255, 255, 255, 255, 255, 255]);
    assert.deepEqual(f.subarray(6, 12), macToBytes(na.mac));
    assert.deepEqual(f.subarray(14), arp);
    assert.equal(rxA.length, 0, 'not echoed back to the sender');
  });

  it('b answers with a unicast frame that reaches a as FRAME', () => {
    const payload = udp4(ipB, ipA, 4000, 5000);
    const frame = ethFrame(macForAddress(a.address, NWID), nb.mac, 0x0800, payload);
    assert.equal(nb.port.send(frame), true);
    assert.ok(
      runUntil(net, all, () => rxA.length > 0, 5_000),
      'a got the frame',
    );
    assert.deepEqual(rxA[0], frame);
    assert.ok((b.sim.node.counters.sent.FRAME ?? 0) >= 1, JSON.stringify(b.sim.node.counters.sent));
  });

  it('leave closes the port and forgets the config', () => {
    assert.equal(a.vl2.leave(NWID, net.clock.now()), true);
    assert.equal(na.port.closed, true);
    assert.equal(a.vl2.network(NWID), undefined);
    assert.ok(a.events.some((e) => e.type === 'persist' && e.data === null));
  });
});

describe('ad-hoc port-range network ff 1f90 1f90 000000 (IPv6 only, TCP/UDP port 8080)', () => {
  const NWID = adHocPortRangeNetworkId(8080, 8080);
  const { net, a, b, all } = setup('vl2-adhoc-ports');
  const na = a.vl2.join(NWID, net.clock.now());
  const nb = b.vl2.join(NWID, net.clock.now());
  const rxB: Uint8Array[] = [];
  nb.port.on('frame', (f) => rxB.push(Uint8Array.from(f)));
  const ip6 = (x: number) => formatIp(sixPlaneAddress(NWID, x));
  const send = (payload: Uint8Array, etherType = 0x86dd) =>
    na.port.send(ethFrame(macForAddress(b.address, NWID), na.mac, etherType, payload));

  it('is configured with only a 6PLANE address and multicast disabled', () => {
    assert.equal(na.info().name, 'adhoc-1f90-1f90');
    assert.deepEqual(na.info().addresses, [`${ip6(a.address)}/40`]);
    assert.equal(na.info().multicastLimit, 0);
  });

  it('the 14 rules: a TCP SYN to 8080 passes, a SYN to 22 is dropped, IPv4 is dropped', () => {
    assert.equal(send(tcp6(ip6(a.address), ip6(b.address), 40000, 8080, 0x02)), true);
    assert.ok(
      runUntil(net, all, () => rxB.length === 1, 5_000),
      'SYN to 8080 delivered',
    );
    assert.equal(send(tcp6(ip6(a.address), ip6(b.address), 40000, 22, 0x02)), false);
    assert.equal(send(udp4('10.0.0.1', '10.0.0.2', 1, 2), 0x0800), false);
    assert.equal(na.drops['tx-rules'], 2);
    assert.equal(send(udp6(ip6(a.address), ip6(b.address), 1, 8080)), true);
    assert.ok(
      runUntil(net, all, () => rxB.length === 2, 5_000),
      'UDP to 8080 delivered',
    );
    runUntil(net, all, () => false, 1_000);
    assert.equal(rxB.length, 2);
  });

  it('NDP emulation: an NS for b’s 6PLANE address is answered on a’s port with b’s MAC, and not sent', () => {
    const target = sixPlaneAddress(NWID, b.address);
    const rxA: Uint8Array[] = [];
    na.port.on('frame', (f) => rxA.push(Uint8Array.from(f)));
    const ns = neighborSolicitation(ip6(a.address), 'ff02::1:ff00:1', target, macToBytes(na.mac));
    const sentBefore = a.sim.node.counters.sent.MULTICAST_FRAME ?? 0;
    assert.equal(na.port.send(ethFrame(0x3333ff000001, na.mac, 0x86dd, ns)), true);
    assert.equal(rxA.length, 1);
    const f = rxA[0];
    assert.deepEqual(f.subarray(0, 6), macToBytes(na.mac));
    assert.deepEqual(f.subarray(6, 12), macToBytes(macForAddress(b.address, NWID)));
    assert.equal(f[14 + 40], 136, 'ICMPv6 neighbor advertisement');
    assert.equal(a.sim.node.counters.sent.MULTICAST_FRAME ?? 0, sentBefore);
  });
});
