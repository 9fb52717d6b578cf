/**
 * ARP of the interface (RFC 826, RFC 5227): learning neighbours from requests and replies, answering
 * requests for our addresses, defending an address another host claims, and building the requests,
 * replies and announcements we send. The interface owns the state; this module holds the rules.
 * @module
 */

import { equalBytes } from '../../util/bytes.ts';
import type { IpAddress } from '../types.ts';
import { ARP_LEN, ARP_REPLY, ARP_REQUEST, emitArp, parseArp } from '../wire/arp.ts';
import {
  BROADCAST_MAC,
  ETH_HEADER_LEN,
  ETHERTYPE_ARP,
  isGroupMac,
  writeEthernetHeader,
} from '../wire/ethernet.ts';
import { IPV4_ANY, ipv4Key, isUnspecified } from '../wire/ip-address.ts';
import type { LayerCounters } from './counters.ts';
import type { NeighborCache } from './neighbor-cache.ts';
import type { RoutingTable } from './routes.ts';

/** RFC 5227 §1.1 DEFEND_INTERVAL: at most one defence of an address per 10 s. */
const DEFEND_INTERVAL_MS = 10_000;
/** The all-zero MAC: the target hardware address of requests and announcements. */
export const ZERO_MAC = new Uint8Array(6);

/** What the ARP rules need from the interface. */
export interface ArpHost {
  readonly mac: Uint8Array;
  readonly table: RoutingTable;
  readonly cache: NeighborCache;
  readonly counters: LayerCounters;
  /** When we last defended each IPv4 address (key: `ipv4Key`) against a conflicting ARP (RFC 5227 §2.4). */
  readonly defended: Map<number, number>;
  /** The interface clock. */
  now(): number;
  /** The source address the interface would use towards `dst`. */
  sourceFor(dst: IpAddress): IpAddress | null;
  /** Sends frames that waited for a neighbour now resolved to `mac`. */
  flush(frames: Uint8Array[], mac: Uint8Array): void;
  /** Sends one frame. */
  emitFrame(f: Uint8Array): void;
}

/** Handles a received ARP packet (the Ethernet payload). */
export function ingressArp(h: ArpHost, b: Uint8Array) {
  const c = h.counters;
  const r = parseArp(b);
  if (!r.ok) return c.drop(r.reason);
  const a = r.value;
  if (equalBytes(a.senderMac, h.mac)) return c.drop('own-source');
  c.in++;
  const senderKey = ipv4Key(a.senderIp);
  if (h.table.isLocalKey(senderKey)) {
    // Someone else claims our address. RFC 5227 §2.4(b): defend once per DEFEND_INTERVAL with an
    // announcement, so the other hosts' caches point back at us; beyond that, only count it.
    c.drop('address-conflict');
    const last = h.defended.get(senderKey) ?? Number.NEGATIVE_INFINITY;
    if (h.now() - last >= DEFEND_INTERVAL_MS) {
      h.defended.set(senderKey, h.now());
      sendArp(h, ARP_REQUEST, a.senderIp, ZERO_MAC, a.senderIp, BROADCAST_MAC);
    }
    return;
  }
  const forUs = h.table.isLocalKey(ipv4Key(a.targetIp));
  // RFC 826 "merge": refresh an existing entry; create one only when the packet is for us. A sender of
  // 0.0.0.0 is an RFC 5227 probe and says nothing about where an address lives.
  if (!isUnspecified(a.senderIp) && !isGroupMac(a.senderMac))
    h.flush(h.cache.update(senderKey, a.senderIp, a.senderMac, h.now(), forUs), a.senderMac);
  if (forUs && a.operation === ARP_REQUEST)
    sendArp(h, ARP_REPLY, a.targetIp, a.senderMac, a.senderIp, a.senderMac);
}

/** Sends an ARP packet from our MAC to `ethDst`. */
export function sendArp(
  h: ArpHost,
  op: number,
  senderIp: Uint8Array,
  targetMac: Uint8Array,
  targetIp: Uint8Array,
  ethDst: Uint8Array,
) {
  const f = new Uint8Array(ETH_HEADER_LEN + ARP_LEN);
  writeEthernetHeader(f, 0, ethDst, h.mac, ETHERTYPE_ARP);
  emitArp({ operation: op, senderMac: h.mac, senderIp, targetMac, targetIp }, f, ETH_HEADER_LEN);
  h.counters.out++;
  h.emitFrame(f);
}

/** Sends a request for `ip`: broadcast, or unicast to re-probe a known neighbour. */
export function sendArpRequest(h: ArpHost, ip: IpAddress, unicastMac: Uint8Array | null): void {
  const src = h.sourceFor(ip) ?? IPV4_ANY;
  sendArp(h, ARP_REQUEST, src, ZERO_MAC, ip, unicastMac ?? BROADCAST_MAC);
}

/** Announces our address `address` (gratuitous ARP request, RFC 5227 §3). */
export function announceArp(h: ArpHost, address: IpAddress): void {
  sendArp(h, ARP_REQUEST, address, ZERO_MAC, address, BROADCAST_MAC);
}
