/**
 * Bounded fragment reassembly for IPv4 (RFC 791 §3.2, RFC 815) and IPv6 (RFC 8200 §4.5).
 *
 * Bounds (the attack surface of reassembly, cf. CVE-2018-5391 "FragmentSmack"):
 * - memory: at most `maxBytes` of fragment data held in total (the oldest datagram is evicted first);
 * - count: at most `maxDatagrams` datagrams in progress;
 * - size: a datagram may not exceed `maxDatagramLen` bytes of payload (65535 minus a header);
 * - pieces: at most `maxFragments` fragments per datagram (tiny overlapping-free fragments would otherwise
 *   make each insertion a long scan: FreeBSD caps this at 16, we allow 128, enough for 64 KiB at MTU 576);
 * - time: a datagram not complete `timeoutMs` after its first fragment is dropped (RFC 8200 §4.5: 60 s;
 *   Linux uses 30 s for both families, which we follow).
 * Overlapping fragments drop the whole datagram (RFC 5722 for IPv6; Linux does the same for IPv4); an exact
 * duplicate is ignored.
 * @module
 */

/** Tunables. */
export interface ReassemblyOptions {
  maxBytes?: number;
  maxDatagrams?: number;
  maxDatagramLen?: number;
  maxFragments?: number;
  timeoutMs?: number;
}

interface Fragment {
  offset: number;
  data: Uint8Array;
}

interface Pending {
  key: string;
  deadline: number;
  frags: Fragment[];
  /** Payload length, known once the last fragment (more = false) arrived; else -1. */
  total: number;
  received: number;
  /** Caller-supplied context of the offset-0 fragment (for example its header, to quote in an ICMP error). */
  firstContext: Uint8Array | null;
}

/** Result of adding one fragment. */
export type ReassemblyResult =
  | { readonly status: 'complete'; readonly packet: Uint8Array; readonly firstContext: Uint8Array | null }
  | { readonly status: 'pending' }
  | { readonly status: 'dropped'; readonly reason: string };

/** A datagram that timed out (for an ICMP Time Exceeded "reassembly", RFC 792 / RFC 4443 §3.3 code 1). */
export interface ExpiredDatagram {
  readonly key: string;
  readonly firstContext: Uint8Array | null;
}

/** Reassembles fragments of one family. Keys identify datagrams (src, dst, protocol, identification). */
export class Reassembler {
  private readonly maxBytes: number;
  private readonly maxDatagrams: number;
  private readonly maxDatagramLen: number;
  private readonly maxFragments: number;
  private readonly timeoutMs: number;
  /** Insertion order is age order: Map iteration gives the oldest first. */
  private readonly pending = new Map<string, Pending>();
  /** Bytes of fragment data currently held. */
  bytesHeld = 0;

  constructor(opts: ReassemblyOptions = {}) {
    this.maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
    this.maxDatagrams = opts.maxDatagrams ?? 256;
    this.maxDatagramLen = opts.maxDatagramLen ?? 65535 - 20;
    this.maxFragments = opts.maxFragments ?? 128;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Datagrams in progress. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Adds a fragment: `offset` in bytes of the payload, `more` = more-fragments flag, `data` its payload bytes
   * (copied). On completion returns the payload in a fresh buffer with `headerRoom` free bytes in front, so the
   * caller can write a rebuilt header there. `context` is kept from the offset-0 fragment.
   */
  add(
    key: string,
    offset: number,
    more: boolean,
    data: Uint8Array,
    now: number,
    headerRoom: number,
    context: Uint8Array | null = null,
  ): ReassemblyResult {
    const end = offset + data.length;
    if (end > this.maxDatagramLen) return this.dropKey(key, 'too-long');
    if (more && (data.length === 0 || data.length % 8 !== 0)) return this.dropKey(key, 'bad-fragment-length');
    let p = this.pending.get(key);
    if (!p) {
      if (this.pending.size >= this.maxDatagrams) this.evictOldest();
      p = { key, deadline: now + this.timeoutMs, frags: [], total: -1, received: 0, firstContext: null };
      this.pending.set(key, p);
    }
    if (!more) {
      if (p.total >= 0 && p.total !== end) return this.dropKey(key, 'inconsistent-length');
      p.total = end;
    }
    if (p.total >= 0 && end > p.total) return this.dropKey(key, 'beyond-end');
    if (p.frags.length >= this.maxFragments) return this.dropKey(key, 'too-many-fragments');
    // Insert sorted by offset, rejecting overlaps. Scan from the end: fragments mostly arrive in order.
    let i = p.frags.length;
    while (i > 0 && p.frags[i - 1].offset >= offset) i--;
    const prev = i > 0 ? p.frags[i - 1] : null;
    const next = i < p.frags.length ? p.frags[i] : null;
    if (next && next.offset === offset && next.data.length === data.length) return { status: 'pending' };
    if ((prev && prev.offset + prev.data.length > offset) || (next && next.offset < end))
      return this.dropKey(key, 'overlap');
    while (this.bytesHeld + data.length > this.maxBytes && this.pending.size > 1) {
      const oldest = this.pending.keys().next().value as string;
      if (oldest === key) break;
      this.remove(oldest);
    }
    if (this.bytesHeld + data.length > this.maxBytes) return this.dropKey(key, 'memory');
    p.frags.splice(i, 0, { offset, data: data.slice() });
    p.received += data.length;
    this.bytesHeld += data.length;
    if (offset === 0 && context) p.firstContext = context.slice();
    if (p.total < 0 || p.received !== p.total) return { status: 'pending' };
    // No overlaps and full byte count: the fragments tile [0, total) exactly.
    const packet = new Uint8Array(headerRoom + p.total);
    for (const f of p.frags) packet.set(f.data, headerRoom + f.offset);
    const firstContext = p.firstContext;
    this.remove(key);
    return { status: 'complete', packet, firstContext };
  }

  private remove(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    for (const f of p.frags) this.bytesHeld -= f.data.length;
    this.pending.delete(key);
  }

  private dropKey(key: string, reason: string): ReassemblyResult {
    this.remove(key);
    return { status: 'dropped', reason };
  }

  private evictOldest(): void {
    const oldest = this.pending.keys().next().value;
    if (oldest !== undefined) this.remove(oldest);
  }

  /** Drops datagrams whose time is up and returns them. */
  poll(now: number): ExpiredDatagram[] {
    const out: ExpiredDatagram[] = [];
    for (const p of this.pending.values()) {
      // Deadlines grow with insertion order (same timeout for all), so stop at the first live one.
      if (p.deadline > now) break;
      out.push({ key: p.key, firstContext: p.firstContext });
      this.remove(p.key);
    }
    return out;
  }

  /** The earliest deadline, or Infinity. */
  nextDeadline(): number {
    const first = this.pending.values().next().value;
    return first ? first.deadline : Number.POSITIVE_INFINITY;
  }
}
