import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  macForAddress,
  macToBytes,
  rfc4193Address,
  rfc4193Inet,
  sixPlaneAddress,
  sixPlaneInet,
} from '../../protocol/address.ts';
import { Stack } from '../../stack/stack.ts';
import { parseIcmpv6 } from '../../stack/wire/icmpv6.ts';
import { formatIp } from '../../stack/wire/ip-address.ts';
import { parseNeighborMessage } from '../../stack/wire/ndp.ts';
import {
  EMULATED_NA_FRAME_LENGTH,
  emulateNeighborAdvertisement,
  type NdpEmulationConfig,
} from './ndp-emulation.ts';
import { neighborSolicitation } from './test-frames.ts';

// Appendix B example: nwid 8056c2e21c000001, address 2d1d262d72.
const NWID = 0x8056c2e21c000001n;
const ME = 0x2d1d262d72;
const PEER = 0x1122334455;
const ME_MAC = macToBytes(macForAddress(ME, NWID));
const PEER_MAC = macForAddress(PEER, NWID);

const cfg: NdpEmulationConfig = {
  networkId: NWID,
  issuedTo: ME,
  flags: 0x4,
  staticIps: [rfc4193Inet(NWID, ME), sixPlaneInet(NWID, ME)],
};

/** A whole Ethernet frame carrying an NS for `target`, as our stack would send it. */
function nsFrame(target: Uint8Array, src: Uint8Array, opts: { dstMac?: Uint8Array } = {}): Uint8Array {
  const payload = neighborSolicitation(
    formatIp(src),
    `ff02::1:ff${target[13].toString(16).padStart(2, '0')}:${((target[14] << 8) | target[15]).toString(16)}`,
    target,
    ME_MAC,
  );
  const f = new Uint8Array(14 + payload.length);
  f.set(opts.dstMac ?? new Uint8Array([0x33, 0x33, 0xff, target[13], target[14], target[15]]), 0);
  f.set(ME_MAC, 6);
  f[12] = 0x86;
  f[13] = 0xdd;
  f.set(payload, 14);
  return f;
}

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

/** Independent RFC 1071 sum over the IPv6 pseudo-header (RFC 8200 §8.1) and the ICMPv6 message. */
function referenceChecksum(src: Uint8Array, dst: Uint8Array, icmp: Uint8Array): number {
  const ph = new Uint8Array(40 + icmp.length);
  ph.set(src, 0);
  ph.set(dst, 16);
  new DataView(ph.buffer).setUint32(32, icmp.length);
  ph[39] = 58;
  ph.set(icmp, 40);
  ph[42] = 0; // checksum field counted as zero
  ph[43] = 0;
  let s = 0;
  for (let i = 0; i < ph.length; i += 2) s += (ph[i] << 8) | (ph[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

describe('NDP emulation (§9.11)', () => {
  it('6PLANE target: the exact 86-byte frame (72-byte NA) with a correct checksum', () => {
    const mine = sixPlaneAddress(NWID, ME);
    const target = sixPlaneAddress(NWID, PEER);
    const na = emulateNeighborAdvertisement(cfg, nsFrame(target, mine));
    assert.ok(na);
    assert.equal(na.peerAddress, PEER);
    assert.equal(na.peerMac, PEER_MAC);
    assert.equal(na.frame.length, EMULATED_NA_FRAME_LENGTH);
    const peerMac = macToBytes(PEER_MAC);
    // Hand-assembled from §9.11 (checksum field filled from the independent sum below).
    const expected = new Uint8Array(86);
    expected.set(ME_MAC, 0); // to the NS sender
    expected.set(peerMac, 6);
    expected.set([0x86, 0xdd], 12);
    expected.set(hex('60000000 0020 3a ff'), 14);
    expected.set(target, 22); // src = the NS target
    expected.set(mine, 38); // dst = our own 6PLANE address
    expected.set(hex('88 00 0000 60000000'), 54);
    expected.set(target, 62);
    expected.set([2, 1], 78);
    expected.set(peerMac, 80);
    const ck = referenceChecksum(target, mine, expected.subarray(54));
    expected[56] = ck >> 8;
    expected[57] = ck & 0xff;
    assert.deepEqual(na.frame, expected);
    // The stack's own ICMPv6 parser accepts the checksum and the NA body.
    const icmp = parseIcmpv6(na.frame.subarray(54), target, mine);
    assert.ok(icmp.ok);
    assert.equal(icmp.value.type, 136);
    const body = parseNeighborMessage(icmp.value.body, 2);
    assert.ok(body.ok);
    assert.deepEqual(body.value.lladdr, peerMac);
  });

  it('RFC4193 target: answered with our RFC4193 address as destination', () => {
    const mine = rfc4193Address(NWID, ME);
    const target = rfc4193Address(NWID, PEER);
    const na = emulateNeighborAdvertisement(cfg, nsFrame(target, mine));
    assert.ok(na);
    assert.equal(na.peerAddress, PEER);
    assert.deepEqual(na.frame.subarray(22, 38), target);
    assert.deepEqual(na.frame.subarray(38, 54), mine);
    assert.ok(parseIcmpv6(na.frame.subarray(54), target, mine).ok);
  });

  it('6PLANE: any address in the peer /80 maps to the peer (only the /40 and the embedded address count)', () => {
    const target = sixPlaneAddress(NWID, PEER);
    target[15] = 0x42;
    target[12] = 0x99;
    const na = emulateNeighborAdvertisement(cfg, nsFrame(target, sixPlaneAddress(NWID, ME)));
    assert.equal(na?.peerAddress, PEER);
  });

  it('does nothing when it must not', () => {
    const mine = sixPlaneAddress(NWID, ME);
    const peer6 = sixPlaneAddress(NWID, PEER);
    const good = nsFrame(peer6, mine);
    assert.ok(emulateNeighborAdvertisement(cfg, good));
    // flag off
    assert.equal(emulateNeighborAdvertisement({ ...cfg, flags: 0 }, good), null);
    // our own address
    assert.equal(emulateNeighborAdvertisement(cfg, nsFrame(mine, mine)), null);
    // a target outside our prefixes
    const other = Uint8Array.from(peer6);
    other[3] ^= 1;
    assert.equal(emulateNeighborAdvertisement(cfg, nsFrame(other, mine)), null);
    // a target in the 6PLANE prefix when only RFC4193 is assigned
    assert.equal(emulateNeighborAdvertisement({ ...cfg, staticIps: [rfc4193Inet(NWID, ME)] }, good), null);
    // an embedded address of zero
    assert.equal(emulateNeighborAdvertisement(cfg, nsFrame(sixPlaneAddress(NWID, 0), mine)), null);
    // unicast NS (reachability probe): sent normally
    assert.equal(
      emulateNeighborAdvertisement(cfg, nsFrame(peer6, mine, { dstMac: macToBytes(PEER_MAC) })),
      null,
    );
    // not an NS (an NA type byte), or truncated
    const na = Uint8Array.from(good);
    na[14 + 40] = 136;
    assert.equal(emulateNeighborAdvertisement(cfg, na), null);
    assert.equal(emulateNeighborAdvertisement(cfg, good.subarray(0, 14 + 63)), null);
    for (let n = 0; n < good.length; n++) emulateNeighborAdvertisement(cfg, good.subarray(0, n)); // never throws
  });

  it('end to end: our stack resolves a 6PLANE neighbour through the emulated NA', () => {
    const mine = sixPlaneAddress(NWID, ME);
    const peer6 = sixPlaneAddress(NWID, PEER);
    const out: Uint8Array[] = [];
    const stack = new Stack({
      mac: ME_MAC,
      addresses: [{ address: mine, prefixLength: 40 }],
      onFrame: (f) => out.push(f),
    });
    stack.poll(0);
    out.length = 0;
    const sock = stack.udp.open(6);
    assert.equal(sock.send(new Uint8Array([1, 2, 3]), peer6, 9999), true);
    stack.poll(1);
    const ns = out.find((f) => emulateNeighborAdvertisement(cfg, f) !== null);
    assert.ok(ns, 'the stack sent an NS for the peer');
    const na = emulateNeighborAdvertisement(cfg, ns);
    assert.ok(na);
    out.length = 0;
    stack.receiveFrame(na.frame, 2);
    stack.poll(2);
    const udp = out.find((f) => f[12] === 0x86 && f[13] === 0xdd && f[14 + 6] === 17);
    assert.ok(udp, 'the queued datagram left once the NA arrived');
    assert.deepEqual(udp.subarray(0, 6), macToBytes(PEER_MAC));
  });
});
