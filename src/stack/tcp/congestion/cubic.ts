/**
 * CUBIC (RFC 9438): window growth W_cubic(t) = C·(t − K)³ + W_max (§4.2) with C = 0.4 and
 * β_cubic = 0.7 (§4.6), the Reno-friendly estimate W_est (§4.3), fast convergence (§4.7), and
 * slow start with ABC below ssthresh. Windows are computed in segments, as in the RFC, and
 * stored in bytes.
 * @module
 */

import { type CongestionControl, initialWindow } from './types.ts';

const C = 0.4;
const BETA = 0.7;
// RFC 9438 §4.3: alpha_cubic = 3 (1 − β) / (1 + β).
const ALPHA = (3 * (1 - BETA)) / (1 + BETA);

/** RFC 9438 congestion control. */
export class Cubic implements CongestionControl {
  readonly name = 'cubic';
  cwnd: number;
  ssthresh = Number.MAX_SAFE_INTEGER;
  /** ABC limit L in segments (RFC 3465 §2.2). */
  abcLimit = 2;
  /** W_max in segments. */
  private wMax = 0;
  /** Previous W_max (fast convergence). */
  private wLastMax = 0;
  /** Start of the current congestion-avoidance epoch (ms), -1 when none. */
  private epoch = -1;
  private k = 0;
  /** Reno-friendly estimate in segments. */
  private wEst = 0;
  /** cwnd in segments at the start of the epoch (W_max origin when there was no loss yet). */
  private originPoint = 0;
  private acc = 0;

  constructor(mss: number) {
    this.cwnd = initialWindow(mss);
  }

  onAck(acked: number, now: number, srtt: number, mss: number, appLimited: boolean): void {
    if (appLimited) return;
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, this.abcLimit * mss);
      return;
    }
    const cwndSeg = this.cwnd / mss;
    if (this.epoch < 0) {
      this.epoch = now;
      if (cwndSeg < this.wMax) {
        this.k = Math.cbrt((this.wMax - cwndSeg) / C);
        this.originPoint = this.wMax;
      } else {
        this.k = 0;
        this.originPoint = cwndSeg;
      }
      this.wEst = cwndSeg;
      this.acc = 0;
    }
    const t = (now - this.epoch + srtt) / 1000;
    const d = t - this.k;
    const target = Math.max(cwndSeg, Math.min(this.originPoint + C * d * d * d, 1.5 * cwndSeg));
    // §4.3: W_est grows by alpha per window of acknowledged segments.
    this.wEst += (ALPHA * acked) / this.cwnd;
    let incSeg: number;
    if (this.wEst > target) incSeg = ((this.wEst - cwndSeg) * acked) / this.cwnd;
    else incSeg = ((target - cwndSeg) * acked) / this.cwnd;
    this.acc += incSeg * mss;
    if (this.acc >= 1) {
      const whole = Math.floor(this.acc);
      this.cwnd += whole;
      this.acc -= whole;
    }
  }

  private reduce(mss: number): void {
    const cwndSeg = this.cwnd / mss;
    // §4.7 fast convergence.
    if (cwndSeg < this.wLastMax) this.wMax = (cwndSeg * (1 + BETA)) / 2;
    else this.wMax = cwndSeg;
    this.wLastMax = cwndSeg;
    this.epoch = -1;
  }

  onEnterRecovery(_now: number, _inflight: number, mss: number): void {
    this.reduce(mss);
    this.ssthresh = Math.max(Math.floor(this.cwnd * BETA), 2 * mss);
    this.cwnd = this.ssthresh;
  }

  onExitRecovery(_now: number, _mss: number): void {
    this.cwnd = this.ssthresh;
  }

  onRto(_now: number, _inflight: number, mss: number): void {
    this.reduce(mss);
    this.ssthresh = Math.max(Math.floor(this.cwnd * BETA), 2 * mss);
    this.cwnd = mss;
  }
}
