/**
 * Retransmission timeout per RFC 6298: SRTT/RTTVAR smoothing (§2), Karn's algorithm is applied by
 * the caller (it only samples segments never retransmitted, or timestamp echoes, RFC 7323 §4),
 * exponential backoff (§5.5) and a clamp between `minRto` and `maxRto`.
 * @module
 */

/** RFC 6298 §2.1: initial RTO of one second. */
export const INITIAL_RTO_MS = 1000;

/** Smoothed RTT state for one connection. */
export class RttEstimator {
  /** Smoothed RTT (ms), 0 before the first sample. */
  srtt = 0;
  /** RTT variation (ms). */
  rttvar = 0;
  /** Lowest RTT seen (ms), `Infinity` before the first sample (RACK's min_RTT, RFC 8985 §6.1). */
  minRtt = Number.POSITIVE_INFINITY;
  /** Most recent sample (ms). */
  latest = 0;
  /** Current RTO (ms), backoff included. */
  rto = INITIAL_RTO_MS;
  /** How many times the RTO has been doubled since the last new sample. */
  backoffs = 0;

  constructor(
    readonly minRto: number,
    readonly maxRto: number,
  ) {}

  /** Feeds one RTT measurement `r` (ms). */
  sample(r: number): void {
    if (r < 0) return;
    if (r < 1) r = 1; // clock granularity G = 1 ms
    this.latest = r;
    if (r < this.minRtt) this.minRtt = r;
    if (this.srtt === 0) {
      // RFC 6298 §2.2
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      // RFC 6298 §2.3 with alpha = 1/8, beta = 1/4.
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.backoffs = 0;
    this.rto = this.base();
  }

  /** RTO without backoff. */
  base(): number {
    if (this.srtt === 0) return Math.max(this.minRto, Math.min(INITIAL_RTO_MS, this.maxRto));
    const v = this.srtt + Math.max(1, 4 * this.rttvar);
    return Math.min(this.maxRto, Math.max(this.minRto, v));
  }

  /** RFC 6298 §5.5: doubles the RTO after a timeout. */
  backoff(): void {
    this.backoffs++;
    this.rto = Math.min(this.maxRto, this.rto * 2);
  }
}
