/**
 * IPv6 NDP emulation (protocol.md §9.11). On networks with netconf flag 0x4, addresses of the
 * RFC4193 (`/88`) and 6PLANE (`/40`) schemes embed the owner's ZeroTier address, so the MAC of
 * any such address is known without asking: when the local stack multicasts a Neighbor
 * Solicitation for one of them, the node does NOT send it but answers it itself with a
 * synthesized Neighbor Advertisement, injected back into the local stack.
 *
 * Pure function over the outgoing frame and our config; the caller (the network's send path)
 * delivers the returned frame to the Ethernet port and drops the NS.
 * @module
 */

import { macForAddress, macToBytes } from '../../protocol/address.ts';
import type { InetAddress } from '../../protocol/inet-address.ts';
import { finishChecksum, pseudoHeaderSum, sumWords } from '../../stack/wire/checksum.ts';

/** Netconf flag 0x4 (§8.2). */
const FLAG_NDP_EMULATION = 0x4;

const ETH_HEADER = 14;
/** Length of the synthesized IPv6 packet (Ethernet payload): 40 IPv6 + 32 ICMPv6 (§9.11). */
export const EMULATED_NA_LENGTH = 72;
/** Length of the whole synthesized Ethernet frame. */
export const EMULATED_NA_FRAME_LENGTH = ETH_HEADER + EMULATED_NA_LENGTH;
/** Smallest Ethernet payload examined: IPv6 header + ICMPv6 header + NS target (§9.11: "length ≥ 64"). */
const MIN_NS_PAYLOAD = 40 + 8 + 16;

/** Offsets in the Ethernet payload (IPv6 packet) of the NS and of the NA we build. */
const P = {
  NEXT_HEADER: 6,
  SRC: 8,
  DST: 24,
  ICMP_TYPE: 40,
  ICMP_CHECKSUM: 42,
  NA_FLAGS: 44,
  TARGET: 48,
  OPTION: 64,
  OPTION_MAC: 66,
} as const;

const ICMPV6 = 58;
const NS = 135;
const NA = 136;
/** NA flags: Solicited (0x40) + Override (0x20) in the first byte (RFC 4861 §4.4). */
const NA_FLAGS_SOLICITED_OVERRIDE = 0x60;
/** Target link-layer address option, length 1 (8 bytes) (RFC 4861 §4.6.1). */
const OPT_TARGET_LLADDR = 2;

/** What NDP emulation needs from our network config (a `NetworkConfig` fits). */
export interface NdpEmulationConfig {
  readonly networkId: bigint;
  /** Our ZeroTier address. */
  readonly issuedTo: number;
  /** Netconf `f` flags (0x4 enables emulation). */
  readonly flags: number;
  /** Our assigned addresses (`port` = prefix bits). */
  readonly staticIps: readonly InetAddress[];
}

/** A synthesized Neighbor Advertisement. */
export interface EmulatedAdvertisement {
  /** The whole Ethernet frame (86 bytes) to deliver to the local stack; its payload is the 72-byte NA. */
  frame: Uint8Array;
  /** ZeroTier address embedded in the solicited target. */
  peerAddress: number;
  /** MAC of that node on this network (48-bit number), the NA's source MAC and advertised address. */
  peerMac: number;
}

/**
 * If `frame` (a whole outgoing Ethernet frame) is an NS that NDP emulation answers, the
 * synthesized NA; else null. Conditions (§9.11): flag 0x4; multicast destination MAC; IPv6 with
 * next header 58 at byte 6 (no extension headers); ICMPv6 type 135; payload ≥ 64 bytes; the NS
 * target shares the first 11 bytes with our RFC4193 `/88` address (`fd…99 93`) or the first 5 with
 * our 6PLANE `/40` address (`fc` + folded nwid); the embedded address is non-zero and not ours.
 *
 * The NA: Ethernet src = MAC(peer), dst = the NS sender's MAC, type 0x86dd; IPv6 `60 00 00 00`,
 * payload length 32, next header 58, hop limit 255, src = the NS target, dst = OUR address of that
 * scheme (not the NS source); ICMPv6 136/0 with checksum, flags S|O, target, option 2 with MAC(peer).
 */
export function emulateNeighborAdvertisement(
  config: NdpEmulationConfig,
  frame: Uint8Array,
): EmulatedAdvertisement | null {
  if ((config.flags & FLAG_NDP_EMULATION) === 0) return null;
  if (frame.length < ETH_HEADER + MIN_NS_PAYLOAD) return null;
  if ((frame[0] & 1) === 0) return null; // NS are multicast to the solicited-node group
  if (frame[12] !== 0x86 || frame[13] !== 0xdd) return null;
  const p = ETH_HEADER;
  if (frame[p + P.NEXT_HEADER] !== ICMPV6 || frame[p + P.ICMP_TYPE] !== NS) return null;
  const t = p + P.TARGET; // NS target in the frame
  const match = matchOwnPrefix(config, frame, t);
  if (match === null) return null;
  const { mine, peer } = match;
  if (peer === 0 || peer === config.issuedTo) return null;

  const peerMac = macForAddress(peer, config.networkId);
  const out = new Uint8Array(EMULATED_NA_FRAME_LENGTH);
  out.set(frame.subarray(6, 12), 0); // to the NS sender
  macToBytes(peerMac, out, 6);
  out[12] = 0x86;
  out[13] = 0xdd;
  const na = out.subarray(ETH_HEADER);
  na[0] = 0x60; // version 6, traffic class 0, flow 0
  na[4] = 0;
  na[5] = 32; // payload length
  na[P.NEXT_HEADER] = ICMPV6;
  na[7] = 255; // hop limit (RFC 4861 requires 255)
  na.set(frame.subarray(t, t + 16), P.SRC);
  na.set(mine, P.DST);
  na[P.ICMP_TYPE] = NA;
  na[P.NA_FLAGS] = NA_FLAGS_SOLICITED_OVERRIDE;
  na.set(frame.subarray(t, t + 16), P.TARGET);
  na[P.OPTION] = OPT_TARGET_LLADDR;
  na[P.OPTION + 1] = 1;
  macToBytes(peerMac, na, P.OPTION_MAC);
  const sum = pseudoHeaderSum(na.subarray(P.SRC, P.SRC + 16), na.subarray(P.DST, P.DST + 16), ICMPV6, 32);
  const ck = finishChecksum(sumWords(na, P.ICMP_TYPE, EMULATED_NA_LENGTH, sum));
  na[P.ICMP_CHECKSUM] = ck >> 8;
  na[P.ICMP_CHECKSUM + 1] = ck & 0xff;
  return { frame: out, peerAddress: peer, peerMac };
}

/**
 * Finds our assigned address whose scheme prefix the target at `frame[t..t+16)` shares, in
 * config order (as 1.14 scans its static IPs), and the ZeroTier address embedded in the target.
 */
function matchOwnPrefix(
  config: NdpEmulationConfig,
  frame: Uint8Array,
  t: number,
): { mine: Uint8Array; peer: number } | null {
  const nwid = config.networkId;
  const folded = Number((nwid ^ (nwid >> 32n)) & 0xffffffffn);
  for (const a of config.staticIps) {
    if (a.family !== 6 || a.ip.length !== 16) continue;
    const my = a.ip;
    if (a.port === 88 && my[0] === 0xfd && my[9] === 0x99 && my[10] === 0x93) {
      if (samePrefix(my, frame, t, 11)) return { mine: my, peer: readAddress(frame, t + 11) };
    } else if (
      a.port === 40 &&
      my[0] === 0xfc &&
      ((my[1] << 24) | (my[2] << 16) | (my[3] << 8) | my[4]) >>> 0 === folded
    ) {
      if (samePrefix(my, frame, t, 5)) return { mine: my, peer: readAddress(frame, t + 5) };
    }
  }
  return null;
}

function samePrefix(my: Uint8Array, frame: Uint8Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (my[i] !== frame[off + i]) return false;
  return true;
}

function readAddress(b: Uint8Array, off: number): number {
  return (
    b[off] * 0x100000000 + (((b[off + 1] << 24) | (b[off + 2] << 16) | (b[off + 3] << 8) | b[off + 4]) >>> 0)
  );
}
