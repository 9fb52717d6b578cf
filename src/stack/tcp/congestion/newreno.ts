/**
 * NewReno window arithmetic: slow start with Appropriate Byte Counting (RFC 3465, L = 2 SMSS),
 * congestion avoidance of one SMSS per window (RFC 5681 §3.1), ssthresh = max(FlightSize/2,
 * 2 SMSS) on loss (RFC 5681 eq. 4, RFC 6582 §3.2 step 2), loss window of one SMSS after RTO.
 * @module
 */

import { type CongestionControl, initialWindow } from './types.ts';

/** RFC 5681 / 6582 congestion control. */
export class NewReno implements CongestionControl {
  readonly name = 'newreno';
  cwnd: number;
  ssthresh = Number.MAX_SAFE_INTEGER;
  /** ABC limit L in segments (RFC 3465 §2.2). */
  abcLimit = 2;
  private acc = 0;

  constructor(mss: number) {
    this.cwnd = initialWindow(mss);
  }

  onAck(acked: number, _now: number, _srtt: number, mss: number, appLimited: boolean): void {
    if (appLimited) return; // RFC 7661 spirit: do not grow a window the sender is not using
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, this.abcLimit * mss);
      return;
    }
    this.acc += acked;
    if (this.acc >= this.cwnd) {
      this.acc -= this.cwnd;
      this.cwnd += mss;
    }
  }

  onEnterRecovery(_now: number, inflight: number, mss: number): void {
    this.ssthresh = Math.max(Math.floor(inflight / 2), 2 * mss);
    this.cwnd = this.ssthresh;
    this.acc = 0;
  }

  onExitRecovery(_now: number, _mss: number): void {
    this.cwnd = this.ssthresh;
  }

  onRto(_now: number, inflight: number, mss: number): void {
    this.ssthresh = Math.max(Math.floor(inflight / 2), 2 * mss);
    this.cwnd = mss;
    this.acc = 0;
  }
}
