/**
 * Multicast state of one network (protocol.md §9.7): which members LIKE which groups (learned from
 * MULTICAST_LIKE and gather results, expiring after 600 s), when we last gathered each group, and
 * outgoing multicast frames waiting for gather results (≤ 32 per group, 5 s).
 *
 * Also the groups WE subscribe to (§1.4): the host's groups (the Ethernet port's list) plus the
 * groups implied by the config — the ARP group of each assigned IPv4 address, the solicited-node
 * group of each IPv6 address, and broadcast when the network enables it. The implied groups are
 * announced even with no stack attached: reference nodes can only ARP us once we LIKE the ARP group
 * of our IPv4 address.
 * @module
 */

import {
  arpGroup,
  BROADCAST_GROUP,
  compareMulticastGroups,
  type MulticastGroup,
  solicitedNodeGroup,
} from '../../protocol/address.ts';
import type { NetworkConfig } from '../../protocol/netconf.ts';
import { broadcastEnabled } from '../../protocol/netconf.ts';

/** `ZT_MULTICAST_LIKE_EXPIRE` (§6.10, §9.1). */
export const MULTICAST_LIKE_EXPIRE = 600_000;
/** `ZT_MULTICAST_ANNOUNCE_PERIOD` (§9.1). */
export const MULTICAST_ANNOUNCE_PERIOD = 60_000;
/** `ZT_MULTICAST_EXPLICIT_GATHER_DELAY` (§9.1). */
export const MULTICAST_EXPLICIT_GATHER_DELAY = 60_000;
/** `ZT_MULTICAST_TRANSMIT_TIMEOUT` (§9.1): how long a frame waits for gather results. */
export const MULTICAST_TRANSMIT_TIMEOUT = 5_000;
/** Frames queued per group while gathering (§9.7). */
export const MULTICAST_QUEUE_LIMIT = 32;

/** A multicast frame waiting for more recipients. */
export interface PendingMulticast {
  readonly group: MulticastGroup;
  readonly srcMac: number;
  readonly etherType: number;
  readonly payload: Uint8Array;
  /** Recipients it was already sent to. */
  readonly sentTo: Set<number>;
  /** Max recipients (the network's `ml`). */
  readonly limit: number;
  readonly expires: number;
}

/** Key of a group in maps. */
export function groupKey(g: MulticastGroup): string {
  return `${g.mac}/${g.adi}`;
}

/** Groups implied by a config (§1.4): ARP per IPv4, solicited-node per IPv6, broadcast if enabled. */
export function configGroups(c: NetworkConfig): MulticastGroup[] {
  const out: MulticastGroup[] = [];
  if (broadcastEnabled(c)) out.push(BROADCAST_GROUP);
  for (const a of c.staticIps) out.push(a.family === 4 ? arpGroup(a.ip) : solicitedNodeGroup(a.ip));
  return out;
}

/** Sorted union without duplicates. */
export function mergeGroups(...lists: readonly (readonly MulticastGroup[])[]): MulticastGroup[] {
  const all = lists.flat().slice().sort(compareMulticastGroups);
  return all.filter((g, i) => i === 0 || compareMulticastGroups(all[i - 1], g) !== 0);
}

/** Members per group with the time of their last LIKE, plus gather bookkeeping. */
export class MulticastTable {
  private readonly groups = new Map<string, { group: MulticastGroup; members: Map<number, number> }>();
  private readonly lastGather = new Map<string, number>();
  private readonly pending = new Map<string, PendingMulticast[]>();

  /** Records that `member` LIKEs `group` at `now`; true if it was not known before. */
  like(group: MulticastGroup, member: number, now: number): boolean {
    const k = groupKey(group);
    let e = this.groups.get(k);
    if (!e) {
      e = { group: { mac: group.mac, adi: group.adi }, members: new Map() };
      this.groups.set(k, e);
    }
    const fresh = !e.members.has(member);
    e.members.set(member, now);
    return fresh;
  }

  /** Forgets `member` in `group` (ERROR UNWANTED_MULTICAST, §6.3). */
  unlike(group: MulticastGroup, member: number): void {
    this.groups.get(groupKey(group))?.members.delete(member);
  }

  /** Members of `group` not expired at `now`. */
  members(group: MulticastGroup, now: number): number[] {
    const e = this.groups.get(groupKey(group));
    if (!e) return [];
    const out: number[] = [];
    for (const [m, t] of e.members) if (now - t < MULTICAST_LIKE_EXPIRE) out.push(m);
    return out;
  }

  /** All members known in any group (for announcing to them). */
  allMembers(now: number): Set<number> {
    const out = new Set<number>();
    for (const e of this.groups.values())
      for (const [m, t] of e.members) if (now - t < MULTICAST_LIKE_EXPIRE) out.add(m);
    return out;
  }

  /** True (and records `now`) if an explicit gather for `group` is due (§9.7). */
  gatherDue(group: MulticastGroup, now: number, known: number): boolean {
    const k = groupKey(group);
    const last = this.lastGather.get(k);
    if (known > 0 && last !== undefined && now - last < MULTICAST_EXPLICIT_GATHER_DELAY) return false;
    this.lastGather.set(k, now);
    return true;
  }

  /** Queues a frame waiting for gather results (oldest dropped beyond the limit). */
  enqueue(p: PendingMulticast): void {
    const k = groupKey(p.group);
    let q = this.pending.get(k);
    if (!q) {
      q = [];
      this.pending.set(k, q);
    }
    if (q.length >= MULTICAST_QUEUE_LIMIT) q.shift();
    q.push(p);
  }

  /** Frames still waiting for `group` at `now`. */
  waiting(group: MulticastGroup, now: number): PendingMulticast[] {
    const q = this.pending.get(groupKey(group));
    if (!q) return [];
    return q.filter((p) => p.expires > now && p.sentTo.size < p.limit);
  }

  /** Drops expired members, gathers and pending frames. */
  expire(now: number): void {
    for (const [k, e] of this.groups) {
      for (const [m, t] of e.members) if (now - t >= MULTICAST_LIKE_EXPIRE) e.members.delete(m);
      if (e.members.size === 0) this.groups.delete(k);
    }
    for (const [k, q] of this.pending) {
      const keep = q.filter((p) => p.expires > now && p.sentTo.size < p.limit);
      if (keep.length === 0) this.pending.delete(k);
      else this.pending.set(k, keep);
    }
  }

  /** Earliest time a pending frame expires (for `nextDeadline`), or +∞. */
  nextExpiry(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const q of this.pending.values()) for (const p of q) t = Math.min(t, p.expires);
    return t;
  }
}
