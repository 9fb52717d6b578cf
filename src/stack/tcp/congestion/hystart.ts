/**
 * HyStart++ delay-based slow-start exit (RFC 9406), simplified: per round trip it tracks the
 * minimum RTT; once a round's minimum (over at least 8 samples) exceeds the previous round's by
 * max(4 ms, min(16 ms, previous/8)) (§4.2), the queue at the bottleneck is building and slow start
 * ends there (ssthresh = cwnd) instead of overshooting into loss. The conservative slow start
 * phase of §4.3 is folded into congestion avoidance, as the original HyStart did.
 * @module
 */

const N_RTT_SAMPLE = 8;
const MIN_RTT_THRESH = 4;
const MAX_RTT_THRESH = 16;
const MIN_RTT_DIVISOR = 8;

/** Slow-start exit detector for one connection. */
export class HyStart {
  private roundEnd = 0;
  private lastRoundMinRtt = Number.POSITIVE_INFINITY;
  private currentRoundMinRtt = Number.POSITIVE_INFINITY;
  private samples = 0;
  /** True once slow start was ended by delay (for counters and tests). */
  exited = false;

  /**
   * Feeds one RTT sample taken while in slow start; `una`/`nxt` are SND.UNA/SND.NXT offsets.
   * Returns true when slow start should end now.
   */
  onRtt(rtt: number, una: number, nxt: number): boolean {
    if (una >= this.roundEnd) {
      // §4.2: a new round starts when the ACK passes the end of the previous one.
      this.lastRoundMinRtt = this.currentRoundMinRtt;
      this.currentRoundMinRtt = Number.POSITIVE_INFINITY;
      this.samples = 0;
      this.roundEnd = nxt;
    }
    if (rtt < this.currentRoundMinRtt) this.currentRoundMinRtt = rtt;
    this.samples++;
    if (this.samples < N_RTT_SAMPLE || this.lastRoundMinRtt === Number.POSITIVE_INFINITY) return false;
    const thresh = Math.max(MIN_RTT_THRESH, Math.min(MAX_RTT_THRESH, this.lastRoundMinRtt / MIN_RTT_DIVISOR));
    if (this.currentRoundMinRtt >= this.lastRoundMinRtt + thresh) {
      this.exited = true;
      return true;
    }
    return false;
  }
}
