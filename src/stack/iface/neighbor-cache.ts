/**
 * The neighbour cache shared by ARP (RFC 826, RFC 1122 §2.3.2) and NDP (RFC 4861 §7.3): IP address →
 * MAC, with reachability timeouts, re-probing of stale entries and a bounded queue of frames waiting for
 * resolution (RFC 1122 §2.3.2.2 asks for at least one; we keep a few per neighbour).
 *
 * States (a simplified RFC 4861 §7.3.2 machine, used for both families):
 * - `incomplete`: probing (broadcast/multicast) every `retransMs`, up to `maxProbes`; then the queued
 *   frames are dropped through `onFailed` and the entry is removed.
 * - `reachable`: confirmed less than `reachableMs` ago.
 * - `stale`: still used; the first use starts unicast probing (`probe` state). Unused stale entries are
 *   removed after `staleMs`.
 * - `probe`: still used while unicast-probing; removed after `maxProbes` unanswered probes.
 *
 * Sans-I/O: times are passed in; `nextDeadline()` says when `poll` must run.
 * @module
 */

import type { IpAddress } from '../types.ts';

/** Tunables (defaults follow Linux: base_reachable_time 30 s, retrans 1 s, 3 probes). */
export interface NeighborCacheOptions {
  reachableMs?: number;
  staleMs?: number;
  retransMs?: number;
  maxProbes?: number;
  /** Frames queued per unresolved neighbour (oldest dropped beyond it); default 64, a 64 KiB datagram at MTU 1280. */
  maxPending?: number;
  /** Entries kept at most; beyond it the oldest entry is evicted. */
  maxEntries?: number;
}

/** What the cache asks its owner to do. */
export interface NeighborCacheHooks {
  /** Send a resolution request for `ip`; `unicastMac` is set when re-probing a known neighbour. */
  probe(ip: IpAddress, unicastMac: Uint8Array | null): void;
  /** Resolution failed: the frames queued for `ip` are dropped (the owner counts them, may send ICMP). */
  failed(ip: IpAddress, pending: Uint8Array[]): void;
}

/** One cache entry (exported for tests and introspection). */
export interface NeighborEntry {
  readonly ip: IpAddress;
  mac: Uint8Array | null;
  state: 'incomplete' | 'reachable' | 'stale' | 'probe';
  /** When the current state's timer fires. */
  deadline: number;
  probes: number;
  pending: Uint8Array[];
}

/** A neighbour cache for one address family. Keys are from `ipKey` (number for IPv4, hex for IPv6). */
export class NeighborCache {
  private readonly entries = new Map<number | string, NeighborEntry>();
  private readonly reachableMs: number;
  private readonly staleMs: number;
  private readonly retransMs: number;
  private readonly maxProbes: number;
  private readonly maxPending: number;
  private readonly maxEntries: number;
  /** A lower bound of every entry's deadline (may be early; never late). */
  private earliest = Number.POSITIVE_INFINITY;
  /** Frames dropped because a pending queue overflowed. */
  pendingOverflow = 0;

  constructor(
    private readonly hooks: NeighborCacheHooks,
    opts: NeighborCacheOptions = {},
  ) {
    this.reachableMs = opts.reachableMs ?? 30_000;
    this.staleMs = opts.staleMs ?? 60_000;
    this.retransMs = opts.retransMs ?? 1_000;
    this.maxProbes = opts.maxProbes ?? 3;
    this.maxPending = opts.maxPending ?? 64;
    this.maxEntries = opts.maxEntries ?? 1024;
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /** The entry for `key` (introspection/tests). */
  get(key: number | string): NeighborEntry | undefined {
    return this.entries.get(key);
  }

  private arm(e: NeighborEntry, deadline: number): void {
    e.deadline = deadline;
    if (deadline < this.earliest) this.earliest = deadline;
  }

  /** The MAC to use for `key` now, or null when it must be resolved (then call {@link enqueue}). */
  lookup(key: number | string, now: number): Uint8Array | null {
    const e = this.entries.get(key);
    if (!e || e.mac === null) return null;
    if (e.state === 'reachable' && now >= e.deadline) {
      e.state = 'stale';
      this.arm(e, now + this.staleMs);
    }
    if (e.state === 'stale') {
      // RFC 4861 §7.3.3: using a stale entry starts verification; we probe by unicast at once.
      e.state = 'probe';
      e.probes = 1;
      this.arm(e, now + this.retransMs);
      this.hooks.probe(e.ip, e.mac);
    }
    return e.mac;
  }

  /**
   * Queues `frame` until `ip` resolves; starts resolution (one probe now) when there is no entry.
   * Returns false when the frame was dropped (queue full).
   */
  enqueue(key: number | string, ip: IpAddress, frame: Uint8Array, now: number): boolean {
    let e = this.entries.get(key);
    if (!e) {
      this.makeRoom();
      e = { ip: ip.slice(), mac: null, state: 'incomplete', deadline: 0, probes: 1, pending: [] };
      this.entries.set(key, e);
      this.arm(e, now + this.retransMs);
      this.hooks.probe(e.ip, null);
    }
    if (e.pending.length >= this.maxPending) {
      // RFC 4861 §7.2.2 says the newest should replace the oldest when the queue overflows.
      e.pending.shift();
      this.pendingOverflow++;
      e.pending.push(frame);
      return false;
    }
    e.pending.push(frame);
    return true;
  }

  /**
   * Records that `ip` is at `mac` (from an ARP packet, NS source option or NA). Creates an entry only when
   * `create` (the packet was addressed to us, RFC 826 "merge" rule / RFC 4861 §7.2.3). Returns the frames that
   * were waiting (the caller writes the destination MAC into them and sends them).
   */
  update(key: number | string, ip: IpAddress, mac: Uint8Array, now: number, create: boolean): Uint8Array[] {
    let e = this.entries.get(key);
    if (!e) {
      if (!create) return [];
      this.makeRoom();
      e = { ip: ip.slice(), mac: null, state: 'reachable', deadline: 0, probes: 0, pending: [] };
      this.entries.set(key, e);
    }
    e.mac = mac.slice(0, 6);
    e.state = 'reachable';
    e.probes = 0;
    this.arm(e, now + this.reachableMs);
    if (e.pending.length === 0) return [];
    const p = e.pending;
    e.pending = [];
    return p;
  }

  /** Removes an entry (address removed, conflict...). */
  delete(key: number | string): void {
    this.entries.delete(key);
  }

  private makeRoom(): void {
    if (this.entries.size < this.maxEntries) return;
    // Evict the oldest-created entry: O(1) (Map keeps insertion order), so a flood of spoofed senders
    // costs constant work per packet.
    const victim = this.entries.keys().next().value;
    if (victim === undefined) return;
    const e = this.entries.get(victim)!;
    this.entries.delete(victim);
    if (e.pending.length) this.hooks.failed(e.ip, e.pending);
  }

  /** Runs timers due at `now`: re-probes, state changes, failures and garbage collection. */
  poll(now: number): void {
    if (now < this.earliest) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [k, e] of this.entries) {
      if (now >= e.deadline) {
        switch (e.state) {
          case 'incomplete':
          case 'probe':
            if (e.probes < this.maxProbes) {
              e.probes++;
              e.deadline = now + this.retransMs;
              this.hooks.probe(e.ip, e.state === 'probe' ? e.mac : null);
            } else {
              this.entries.delete(k);
              if (e.pending.length) this.hooks.failed(e.ip, e.pending);
              continue;
            }
            break;
          case 'reachable':
            e.state = 'stale';
            e.deadline = now + this.staleMs;
            break;
          case 'stale':
            this.entries.delete(k);
            continue;
        }
      }
      if (e.deadline < earliest) earliest = e.deadline;
    }
    this.earliest = earliest;
  }

  /** When `poll` must next run, or Infinity. */
  nextDeadline(): number {
    return this.earliest;
  }
}
