/**
 * Neighbor Discovery messages of the interface (RFC 4861): answering Neighbor Solicitations for our
 * addresses, learning from Advertisements, obeying Redirects, and building the NS/NA we send. The
 * interface owns the state (neighbour cache, routing table); this module holds the protocol rules.
 * @module
 */

import type { IpAddress } from '../types.ts';
import { isGroupMac, multicastMacFor } from '../wire/ethernet.ts';
import { emitIcmpv6, ICMPV6 } from '../wire/icmpv6.ts';
import {
  IPV6_ALL_NODES,
  ipEqual,
  ipKey,
  isLinkLocalV6,
  isUnspecified,
  solicitedNode,
} from '../wire/ip-address.ts';
import {
  emitNeighborMessage,
  NA_FLAG_OVERRIDE,
  NA_FLAG_SOLICITED,
  type NeighborMessage,
  OPT_SOURCE_LLADDR,
  OPT_TARGET_LLADDR,
  parseNeighborMessage,
} from '../wire/ndp.ts';
import type { LayerCounters } from './counters.ts';
import type { NeighborCache } from './neighbor-cache.ts';
import type { RoutingTable } from './routes.ts';

/** What the NDP rules need from the interface. */
export interface NdpHost {
  readonly mac: Uint8Array;
  readonly table: RoutingTable;
  readonly cache: NeighborCache;
  readonly counters: LayerCounters;
  /** The interface clock. */
  now(): number;
  /** Source MAC of the frame being processed. */
  rxSrcMac(): Uint8Array;
  /** The source address the interface would use towards `dst`. */
  sourceFor(dst: IpAddress): IpAddress | null;
  /** Sends an ICMPv6 message with hop limit 255 to `dstMac`. */
  sendIcmpv6(src: IpAddress, dst: IpAddress, msg: Uint8Array, dstMac: Uint8Array): void;
  /** Sends frames that waited for a neighbour now resolved to `mac`. */
  flush(frames: Uint8Array[], mac: Uint8Array): void;
}

/**
 * The checks every NDP message starts with (RFC 4861 §7.1.1, §7.1.2, §8.1): hop limit 255 (so it cannot
 * come from off-link) and code 0. Counts the drop and returns false when one fails.
 */
function hopLimitAndCodeOk(h: NdpHost, code: number, hopLimit: number): boolean {
  if (hopLimit !== 255) {
    h.counters.drop('bad-hop-limit');
    return false;
  }
  if (code !== 0) {
    h.counters.drop('bad-code');
    return false;
  }
  return true;
}

/**
 * Validates an NS or NA (hop limit, code, body and options, a unicast target) and returns its target and
 * link-layer option; null (the drop counted) when it is invalid.
 */
function checkedNeighborMessage(
  h: NdpHost,
  code: number,
  body: Uint8Array,
  hopLimit: number,
  option: number,
): NeighborMessage | null {
  if (!hopLimitAndCodeOk(h, code, hopLimit)) return null;
  const r = parseNeighborMessage(body, option);
  if (!r.ok) {
    h.counters.drop(r.reason);
    return null;
  }
  if (r.value.target[0] === 0xff) {
    h.counters.drop('multicast-target');
    return null;
  }
  return r.value;
}

/** Handles a Neighbor Solicitation (RFC 4861 §7.1.1 validation, §7.2.3–7.2.4 processing). */
export function handleNs(
  h: NdpHost,
  src: Uint8Array,
  dst: Uint8Array,
  code: number,
  body: Uint8Array,
  hopLimit: number,
) {
  const c = h.counters;
  const m = checkedNeighborMessage(h, code, body, hopLimit, OPT_SOURCE_LLADDR);
  if (m === null) return;
  const { target, lladdr } = m;
  const fromUnspecified = isUnspecified(src);
  if (fromUnspecified && (lladdr || !(dst[0] === 0xff && dst[11] === 1 && dst[12] === 0xff)))
    return c.drop('bad-dad-probe');
  if (!h.table.isLocalKey(ipKey(target))) return c.drop('not-our-target');
  c.in++;
  if (fromUnspecified) {
    // Someone is checking whether our address is free (DAD): defend it to all nodes (RFC 4861 §7.2.4).
    sendNa(h, target, IPV6_ALL_NODES, multicastMacFor(IPV6_ALL_NODES), NA_FLAG_OVERRIDE);
    return;
  }
  if (lladdr && !isGroupMac(lladdr)) h.flush(h.cache.update(ipKey(src), src, lladdr, h.now(), true), lladdr);
  // A unicast NS (reachability probe) may carry no source option: answer the frame's sender.
  sendNa(h, target, src, lladdr ?? h.rxSrcMac().slice(), NA_FLAG_SOLICITED | NA_FLAG_OVERRIDE);
}

/** Handles a Neighbor Advertisement (RFC 4861 §7.1.2 validation, §7.2.5 processing). */
export function handleNa(
  h: NdpHost,
  dst: Uint8Array,
  code: number,
  flags: number,
  body: Uint8Array,
  hopLimit: number,
) {
  const c = h.counters;
  const m = checkedNeighborMessage(h, code, body, hopLimit, OPT_TARGET_LLADDR);
  if (m === null) return;
  const { target, lladdr } = m;
  if (dst[0] === 0xff && flags & NA_FLAG_SOLICITED) return c.drop('solicited-to-multicast');
  c.in++;
  if (h.table.isLocalKey(ipKey(target))) return c.drop('address-conflict');
  // An NA with no entry is discarded (the cache's update does that); without a target link-layer option, the
  // MAC of the frame is the best we have (the sender is the target on a link like ZeroTier's).
  const mac = lladdr ?? h.rxSrcMac().slice();
  if (isGroupMac(mac)) return c.drop('group-lladdr');
  h.flush(h.cache.update(ipKey(target), target, mac, h.now(), false), mac);
}

/** Handles a Redirect (RFC 4861 §8.1 validation, §8.3 processing): a host route and, if given, the target's MAC. */
export function handleRedirect(
  h: NdpHost,
  src: Uint8Array,
  code: number,
  body: Uint8Array,
  hopLimit: number,
) {
  const c = h.counters;
  if (!hopLimitAndCodeOk(h, code, hopLimit)) return;
  if (!isLinkLocalV6(src)) return c.drop('redirect-not-link-local');
  if (body.length < 32) return c.drop('truncated');
  const target = body.slice(0, 16);
  // The options (target link-layer address, redirected header) follow the destination: parse them with the
  // destination in the "target" slot of the neighbour-message layout.
  const r = parseNeighborMessage(body.subarray(16), OPT_TARGET_LLADDR);
  if (!r.ok) return c.drop(r.reason);
  const dest = r.value.target;
  if (dest[0] === 0xff) return c.drop('multicast-target');
  if (!isLinkLocalV6(target) && !ipEqual(target, dest)) return c.drop('redirect-bad-target');
  const current = h.table.nextHop(dest);
  if (!current || !ipEqual(current, src)) return c.drop('redirect-not-from-gateway');
  c.in++;
  h.table.addRedirect(dest, target);
  const mac = r.value.lladdr;
  if (mac && !isGroupMac(mac)) h.flush(h.cache.update(ipKey(target), target, mac, h.now(), true), mac);
}

/** Sends an NS for `target`: multicast to its solicited-node group, or unicast to re-probe a known neighbour. */
export function sendNs(h: NdpHost, target: IpAddress, unicastMac: Uint8Array | null): void {
  const src = h.sourceFor(target);
  if (!src) return;
  const dst = unicastMac ? target : solicitedNode(target);
  const body = emitNeighborMessage(target, OPT_SOURCE_LLADDR, h.mac);
  h.counters.out++;
  h.sendIcmpv6(
    src,
    dst,
    emitIcmpv6(ICMPV6.NEIGHBOR_SOLICITATION, 0, 0, body, src, dst),
    unicastMac ?? multicastMacFor(dst),
  );
}

/** Sends an NA for our `target` address (from that address, with our MAC as the target option). */
export function sendNa(
  h: NdpHost,
  target: IpAddress,
  dst: IpAddress,
  dstMac: Uint8Array,
  flags: number,
): void {
  const body = emitNeighborMessage(target, OPT_TARGET_LLADDR, h.mac);
  h.counters.out++;
  h.sendIcmpv6(target, dst, emitIcmpv6(ICMPV6.NEIGHBOR_ADVERTISEMENT, 0, flags, body, target, dst), dstMac);
}
