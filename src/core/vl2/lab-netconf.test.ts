// The VL2 pieces run over the REAL configs a 1.14.1 controller sent in lab-capture-1
// (test/vectors/lab-capture-1-netconf.json, manifest.json): NDP emulation answers for the other
// member with the manifest's MAC, and the real COO authenticates the member's own IPv4.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { macForAddress, macToBytes, parseMac } from '../../protocol/address.ts';
import { decodeNetworkConfig, type NetworkConfig } from '../../protocol/netconf.ts';
import { Characteristics, type Rule } from '../../protocol/rules.ts';
import { parseIp } from '../../stack/wire/ip-address.ts';
import { emulateNeighborAdvertisement } from './ndp-emulation.ts';
import { filterIncoming, filterOutgoing } from './rules-filter.ts';
import { arpRequest, neighborSolicitation, udp4 } from './test-frames.ts';

const root = new URL('../../../test/vectors/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('lab-capture-1-netconf.json', root), 'utf8'));
const manifest = JSON.parse(readFileSync(new URL('lab-capture-1/manifest.json', root), 'utf8'));
const A = 0x4038cf9d1e;
const C = 0x70705d3875;

function config(addr: string): NetworkConfig {
  const d = decodeNetworkConfig(Buffer.from(vectors.netconf[addr], 'hex'));
  assert.ok(d.ok);
  return d.value;
}

describe('VL2 over the lab controller’s real netconf', () => {
  const a = config('4038cf9d1e');
  const nwid = a.networkId;

  it('NDP emulation on a answers an NS for c’s 6PLANE and RFC4193 addresses with c’s MAC', () => {
    const macA = macToBytes(parseMac(manifest.nodes.a.mac) as number);
    const macC = parseMac(manifest.nodes.c.mac) as number;
    assert.equal(macForAddress(C, nwid), macC);
    for (const [mine, target] of [
      [manifest.nodes.a.sixplane, manifest.nodes.c.sixplane],
      [manifest.nodes.a.rfc4193, manifest.nodes.c.rfc4193],
    ]) {
      const t = parseIp(target) as Uint8Array;
      const payload = neighborSolicitation(mine, 'ff02::1:ff00:1', t, macA);
      const f = new Uint8Array(14 + payload.length);
      f.set([0x33, 0x33, 0xff, t[13], t[14], t[15]], 0);
      f.set(macA, 6);
      f.set([0x86, 0xdd], 12);
      f.set(payload, 14);
      const na = emulateNeighborAdvertisement(a, f);
      assert.ok(na, target);
      assert.equal(na.peerAddress, C);
      assert.equal(na.peerMac, macC);
      assert.deepEqual(na.frame.subarray(0, 6), macA);
      assert.deepEqual(na.frame.subarray(14 + 24, 14 + 40), parseIp(mine));
    }
  });

  it('the real rules (a single ACCEPT) pass frames both ways', () => {
    const f = {
      ztSource: A,
      ztDest: C,
      macSource: macForAddress(A, nwid),
      macDest: macForAddress(C, nwid),
      etherType: 0x0800,
      frame: udp4(manifest.nodes.a.ipv4, manifest.nodes.c.ipv4, 1, 2),
    };
    assert.equal(filterOutgoing(a, null, f).accept, 1);
    const c = config('70705d3875');
    const back = { ...f, ztSource: A, ztDest: C };
    assert.equal(filterIncoming(c, null, back).accept, 1);
  });

  it('a’s real COO authenticates its own IPv4 (outbound) and, presented, on c (inbound)', () => {
    const owned: Rule[] = [
      { not: false, or: false, type: 41, mask: Characteristics.SENDER_IP_AUTHENTICATED },
      { not: false, or: false, type: 1 },
    ];
    const mine = udp4(manifest.nodes.a.ipv4, manifest.nodes.c.ipv4, 1, 2);
    const spoofed = udp4('10.147.17.99', manifest.nodes.c.ipv4, 1, 2);
    const f = {
      ztSource: A,
      ztDest: C,
      macSource: macForAddress(A, nwid),
      macDest: macForAddress(C, nwid),
      etherType: 0x0800,
    };
    const strict = { ...a, rules: owned };
    assert.equal(filterOutgoing(strict, null, { ...f, frame: mine }).accept, 1);
    assert.equal(filterOutgoing(strict, null, { ...f, frame: spoofed }).accept, 0);
    const c = { ...config('70705d3875'), rules: owned };
    const presented = { tags: [], capabilities: [], coos: a.certificatesOfOwnership };
    assert.equal(filterIncoming(c, presented, { ...f, frame: mine }).accept, 1);
    assert.equal(filterIncoming(c, presented, { ...f, frame: spoofed }).accept, 0);
    assert.equal(filterIncoming(c, null, { ...f, frame: mine }).accept, 0);
    // ARP from a's own IPv4 is authenticated through the ARP sender address.
    const arp = arpRequest(macToBytes(macForAddress(A, nwid)), manifest.nodes.a.ipv4, manifest.nodes.c.ipv4);
    assert.equal(
      filterIncoming(c, presented, { ...f, etherType: 0x0806, macDest: 0xffffffffffff, frame: arp }).accept,
      1,
    );
  });
});
