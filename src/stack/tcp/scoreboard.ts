/**
 * The retransmission queue and SACK scoreboard (RFC 6675 §2–4) in one ring of segment records,
 * stored as parallel typed arrays so sending a segment allocates nothing. Each record is one
 * transmitted segment: [start, end) stream offsets, last transmit time, and flags (SACKed, lost,
 * retransmitted). It also keeps the byte counts that make RFC 6675's `pipe` O(1):
 *   pipe = outstanding − sacked − lost + lostRetransmitted.
 *
 * Loss marking is driven from outside (RACK, RFC 8985 §6.2; the dupack rule; RTO), which
 * calls `markLost`; `nextToRetransmit` finds the first lost record not yet resent.
 * @module
 */

/** Record flag: covered by a SACK block. */
export const F_SACKED = 1;
/** Record flag: deemed lost (RACK, dupthresh or RTO) and awaiting or under retransmission. */
export const F_LOST = 2;
/** Record flag: retransmitted since it was marked lost (counts in pipe again). */
export const F_RETRANS = 4;
/** Record flag: retransmitted at least once (Karn: no RTT sample from it). */
export const F_EVER_RETRANS = 8;
/** Record flag: carries our FIN (its last sequence number is the FIN). */
export const F_FIN = 16;

/** A ring of transmitted-segment records with SACK/loss state. */
export class Scoreboard {
  start: Float64Array;
  end: Float64Array;
  xmit: Float64Array;
  flags: Uint8Array;
  private head = 0;
  /** Records held. */
  count = 0;
  /** Bytes (sequence space) of records marked SACKed. */
  sackedBytes = 0;
  /** Bytes of records marked lost and not SACKed. */
  lostBytes = 0;
  /** Bytes of lost records retransmitted since being marked (they are in flight again). */
  retransBytes = 0;
  /** Highest SACKed end offset seen (0 when none). */
  highSacked = 0;
  /** Hint: no record before this index needs retransmission. */
  private retransHint = 0;

  constructor(initial = 0) {
    this.start = new Float64Array(initial);
    this.end = new Float64Array(initial);
    this.xmit = new Float64Array(initial);
    this.flags = new Uint8Array(initial);
  }

  /** Physical slot of logical record `i`. */
  slot(i: number): number {
    const s = this.head + i;
    const cap = this.flags.length;
    return s >= cap ? s - cap : s;
  }

  private grow(): void {
    const cap = Math.max(16, this.flags.length * 2);
    const ns = new Float64Array(cap);
    const ne = new Float64Array(cap);
    const nx = new Float64Array(cap);
    const nf = new Uint8Array(cap);
    for (let i = 0; i < this.count; i++) {
      const s = this.slot(i);
      ns[i] = this.start[s];
      ne[i] = this.end[s];
      nx[i] = this.xmit[s];
      nf[i] = this.flags[s];
    }
    this.start = ns;
    this.end = ne;
    this.xmit = nx;
    this.flags = nf;
    this.head = 0;
  }

  /** Appends a newly sent segment. */
  push(start: number, end: number, now: number, fin: boolean): void {
    if (this.count === this.flags.length) this.grow();
    const s = this.slot(this.count);
    this.start[s] = start;
    this.end[s] = end;
    this.xmit[s] = now;
    this.flags[s] = fin ? F_FIN : 0;
    this.count++;
  }

  private forget(f: number, len: number): void {
    if (f & F_SACKED) this.sackedBytes -= len;
    else if (f & F_LOST) {
      this.lostBytes -= len;
      if (f & F_RETRANS) this.retransBytes -= len;
    }
  }

  /**
   * Removes what a cumulative ACK to `off` covers (a partially covered head record is trimmed).
   * Returns the xmit time of the newest removed record that was never retransmitted (an RTT
   * sample, Karn's rule), or -1.
   */
  ackTo(off: number): number {
    let sampleT = -1;
    while (this.count > 0) {
      const s = this.head;
      const st = this.start[s];
      const en = this.end[s];
      if (st >= off) break;
      const f = this.flags[s];
      if (en <= off) {
        this.forget(f, en - st);
        if (!(f & F_EVER_RETRANS)) sampleT = this.xmit[s];
        this.head++;
        if (this.head === this.flags.length) this.head = 0;
        this.count--;
        if (this.retransHint > 0) this.retransHint--;
      } else {
        // Partial: keep the rest (the peer took part of a segment, e.g. after an MSS change).
        const cut = off - st;
        if (f & F_SACKED) this.sackedBytes -= cut;
        else if (f & F_LOST) {
          this.lostBytes -= cut;
          if (f & F_RETRANS) this.retransBytes -= cut;
        }
        this.start[s] = off;
        break;
      }
    }
    if (this.count === 0) {
      this.head = 0;
      this.highSacked = 0;
      this.retransHint = 0;
    }
    return sampleT;
  }

  /** First logical index whose record ends after `off` (binary search: records are in offset order). */
  private firstEndingAfter(off: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.end[this.slot(mid)] <= off) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Marks records wholly inside [l, r) as SACKed (RFC 2018 §4: receivers SACK whole segments).
   * Returns the newest xmit time among newly SACKed records (for RACK), or -1.
   */
  markSacked(l: number, r: number, out: { newlySacked: number; rackXmit: number; rackEnd: number }): void {
    for (let i = this.firstEndingAfter(l); i < this.count; i++) {
      const s = this.slot(i);
      const st = this.start[s];
      const en = this.end[s];
      if (st >= r) break;
      if (st < l || en > r) continue;
      const f = this.flags[s];
      if (f & F_SACKED) continue;
      const len = en - st;
      if (f & F_LOST) {
        this.lostBytes -= len;
        if (f & F_RETRANS) this.retransBytes -= len;
      }
      this.flags[s] = (f & ~(F_LOST | F_RETRANS)) | F_SACKED;
      this.sackedBytes += len;
      out.newlySacked += len;
      if (en > this.highSacked) this.highSacked = en;
      const x = this.xmit[s];
      if (x > out.rackXmit || (x === out.rackXmit && en > out.rackEnd)) {
        out.rackXmit = x;
        out.rackEnd = en;
      }
    }
  }

  /** Marks logical record `i` lost (no-op when SACKed or already lost and not yet resent). */
  markLost(i: number): void {
    const s = this.slot(i);
    const f = this.flags[s];
    if (f & F_SACKED) return;
    const len = this.end[s] - this.start[s];
    if (f & F_LOST) {
      if (!(f & F_RETRANS)) return;
      // Lost again after a retransmission (RACK may decide the retransmission is lost too).
      this.retransBytes -= len;
      this.flags[s] = f & ~F_RETRANS;
    } else {
      this.flags[s] = f | F_LOST;
      this.lostBytes += len;
    }
    if (i < this.retransHint) this.retransHint = i;
  }

  /** RTO (RFC 8985 §6.3 / RFC 6675 §5.1): every record not SACKed is lost and must be resent. */
  markAllLost(): void {
    for (let i = 0; i < this.count; i++) this.markLost(i);
    this.retransHint = 0;
  }

  /** Logical index of the first lost record not yet retransmitted, or -1. */
  nextToRetransmit(): number {
    for (let i = this.retransHint; i < this.count; i++) {
      const f = this.flags[this.slot(i)];
      if (f & F_LOST && !(f & (F_RETRANS | F_SACKED))) {
        this.retransHint = i;
        return i;
      }
    }
    this.retransHint = this.count;
    return -1;
  }

  /** Records that logical record `i` was retransmitted at `now`. */
  retransmitted(i: number, now: number): void {
    const s = this.slot(i);
    const f = this.flags[s];
    if (f & F_LOST && !(f & F_RETRANS)) this.retransBytes += this.end[s] - this.start[s];
    // A probe retransmission (TLP) of a record not marked lost does not change pipe.
    this.flags[s] = (f & F_LOST ? f | F_RETRANS : f) | F_EVER_RETRANS;
    this.xmit[s] = now;
  }

  /**
   * Splits logical record `i` at offset `at` (start < at < end) into two records with the same
   * flags and transmit time; the FIN, if any, stays with the second. Used when the path MTU
   * shrank and a segment must be resent in smaller pieces (RFC 1191 §6.5). O(n): a rare path.
   */
  split(i: number, at: number): void {
    if (this.count === this.flags.length) this.grow();
    const s = this.slot(i);
    if (!(at > this.start[s] && at < this.end[s])) return;
    for (let k = this.count; k > i + 1; k--) {
      const d = this.slot(k);
      const from = this.slot(k - 1);
      this.start[d] = this.start[from];
      this.end[d] = this.end[from];
      this.xmit[d] = this.xmit[from];
      this.flags[d] = this.flags[from];
    }
    const n = this.slot(i + 1);
    this.start[n] = at;
    this.end[n] = this.end[s];
    this.xmit[n] = this.xmit[s];
    this.flags[n] = this.flags[s];
    this.end[s] = at;
    this.flags[s] &= ~F_FIN;
    this.count++;
  }

  /** Drops every record (connection closing). */
  clear(): void {
    this.count = 0;
    this.head = 0;
    this.sackedBytes = 0;
    this.lostBytes = 0;
    this.retransBytes = 0;
    this.highSacked = 0;
    this.retransHint = 0;
  }
}
