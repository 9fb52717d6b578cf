/**
 * The addressing decisions VL2 makes about a frame besides the rules (pure functions over our
 * config and the frame's MACs):
 * - {@link classifyOutgoingFrame}: where a frame from the local stack goes — unicast to a member
 *   (MAC → address, §1.3), a multicast group (§1.4, the ARP special case), a bridge (§9.10), or
 *   nowhere (non-ARP broadcast without the broadcast flag, forged source MAC, …);
 * - {@link checkExtFrameAddressing}: the MAC checks on a received EXT_FRAME (§6.8), run after the
 *   inbound rules accepted with result 1 (a super-accept, result 2, bypasses them);
 * - {@link checkMulticastFrameAddressing}: the MAC checks on a received MULTICAST_FRAME (§6.15).
 * Reasons are short stable strings, for the caller's drop counters.
 * @module
 */

import { BROADCAST_MAC, type MulticastGroup, macForAddress, macFromBytes } from '../../protocol/address.ts';
import { isMulticastMac, outgoingMulticastGroup } from './frame-classify.ts';
import { NetworkMacs } from './network-macs.ts';

/** Netconf flag 0x2: enable broadcast (§8.2). */
const FLAG_ENABLE_BROADCAST = 0x2;
/** Specialist role bit: active bridge (§8.2 `S`). */
const ACTIVE_BRIDGE = 0x0000020000000000n;
const ADDRESS_MASK = 0xffffffffffn;
const ETH_HEADER = 14;

/** What the addressing checks need from our network config (a `NetworkConfig` fits). */
export interface AddressingConfig {
  readonly networkId: bigint;
  /** Our ZeroTier address. */
  readonly issuedTo: number;
  /** Netconf `f` flags (0x2 broadcast). */
  readonly flags: number;
  /** Netconf `ml` (0 disables multicast). */
  readonly multicastLimit: number;
  /** Netconf `S`: role bits OR'ed with addresses. */
  readonly specialists: readonly bigint[];
}

/** True if `address` is an active bridge on the network (§9.10). */
export function isBridge(config: AddressingConfig, address: number): boolean {
  const a = BigInt(address);
  for (const s of config.specialists) if ((s & ACTIVE_BRIDGE) !== 0n && (s & ADDRESS_MASK) === a) return true;
  return false;
}

/** Where an outgoing frame goes, or why it is dropped. */
export type OutgoingFrameClass =
  | { kind: 'unicast'; to: number; etherType: number; srcMac: number; dstMac: number }
  | { kind: 'multicast'; group: MulticastGroup; etherType: number; srcMac: number }
  | { kind: 'bridged'; dstMac: number; etherType: number; srcMac: number }
  | {
      kind: 'drop';
      reason: 'runt' | 'not-a-bridge' | 'broadcast-disabled' | 'to-self' | 'bad-destination';
    };

/**
 * Classifies a whole Ethernet frame sent by the local stack (§1.4, §9.10). A source MAC other
 * than ours needs us to be an active bridge. A multicast destination gives its group (an ARP
 * request to broadcast → (ff:ff:ff:ff:ff:ff, target IPv4); non-ARP broadcast dropped unless
 * the network enables broadcast). A destination with this network's ZeroTier first octet is a
 * member (its address from the MAC), anything else is bridged. Run NDP emulation
 * (`emulateNeighborAdvertisement`) before sending a multicast.
 *
 * `macs` (the network's precomputed MAC arithmetic, §1.3) spares the per-frame BigInt math; it
 * must be for `config.networkId`.
 */
export function classifyOutgoingFrame(
  config: AddressingConfig,
  frame: Uint8Array,
  macs: NetworkMacs = new NetworkMacs(config.networkId),
): OutgoingFrameClass {
  if (frame.length < ETH_HEADER) return { kind: 'drop', reason: 'runt' };
  const me = config.issuedTo;
  const dstMac = macFromBytes(frame, 0);
  const srcMac = macFromBytes(frame, 6);
  const etherType = (frame[12] << 8) | frame[13];
  if (srcMac !== macs.macOf(me) && !isBridge(config, me)) return { kind: 'drop', reason: 'not-a-bridge' };
  if (isMulticastMac(dstMac)) {
    const group = outgoingMulticastGroup(dstMac, etherType, frame.subarray(ETH_HEADER));
    if (group === null) return { kind: 'drop', reason: 'bad-destination' };
    if (dstMac === BROADCAST_MAC && group.adi === 0 && (config.flags & FLAG_ENABLE_BROADCAST) === 0)
      return { kind: 'drop', reason: 'broadcast-disabled' };
    return { kind: 'multicast', group, etherType, srcMac };
  }
  if (dstMac === 0) return { kind: 'drop', reason: 'bad-destination' };
  if (macs.isMemberMac(dstMac)) {
    const to = macs.addressOf(dstMac);
    if (to === me) return { kind: 'drop', reason: 'to-self' };
    return { kind: 'unicast', to, etherType, srcMac, dstMac };
  }
  return { kind: 'bridged', dstMac, etherType, srcMac };
}

/** Result of a receive-side addressing check: `null` = deliver, else the drop reason. */
export type AddressingVerdict =
  | null
  | 'bad-source-mac'
  | 'sender-not-a-bridge'
  | 'multicast-disabled'
  | 'not-for-us'
  | 'not-multicast';

/**
 * MAC checks of a received EXT_FRAME (§6.8), for a frame the inbound rules accepted with result 1
 * (skip them on result 2). `sender` is the VL1 sender; MACs are 48-bit numbers.
 * On success with a foreign source MAC the caller learns the route `srcMac → sender` (§9.10).
 */
export function checkExtFrameAddressing(
  config: AddressingConfig,
  sender: number,
  srcMac: number,
  dstMac: number,
): AddressingVerdict {
  const nwid = config.networkId;
  const ourMac = macForAddress(config.issuedTo, nwid);
  if (srcMac === 0 || srcMac === ourMac) return 'bad-source-mac';
  if (srcMac !== macForAddress(sender, nwid) && !isBridge(config, sender)) return 'sender-not-a-bridge';
  if (dstMac !== ourMac) {
    if (isMulticastMac(dstMac)) {
      if (config.multicastLimit === 0) return 'multicast-disabled';
    } else if (!isBridge(config, config.issuedTo)) return 'not-for-us';
  }
  return null;
}

/**
 * MAC checks of a received MULTICAST_FRAME (§6.15), before the inbound rules: multicast must be
 * enabled, the destination must be a multicast MAC, the source neither zero, multicast nor ours,
 * and a source other than MAC(sender) needs the sender to be an active bridge.
 */
export function checkMulticastFrameAddressing(
  config: AddressingConfig,
  sender: number,
  srcMac: number,
  dstMac: number,
): AddressingVerdict {
  const nwid = config.networkId;
  if (config.multicastLimit === 0) return 'multicast-disabled';
  if (!isMulticastMac(dstMac)) return 'not-multicast';
  if (srcMac === 0 || isMulticastMac(srcMac) || srcMac === macForAddress(config.issuedTo, nwid))
    return 'bad-source-mac';
  if (srcMac !== macForAddress(sender, nwid) && !isBridge(config, sender)) return 'sender-not-a-bridge';
  return null;
}
