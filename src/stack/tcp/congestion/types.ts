/**
 * The contract of a congestion controller. Loss detection and recovery (SACK scoreboard, RACK-TLP,
 * NewReno partial ACKs) live in the sender; a controller only answers "how big is cwnd" as
 * acknowledgements and congestion events arrive (RFC 5681 §3, RFC 9438 §4).
 * All sizes are bytes, times ms.
 * @module
 */

/** A pluggable congestion controller. */
export interface CongestionControl {
  /** 'newreno' or 'cubic'. */
  readonly name: string;
  /** Congestion window (bytes). */
  cwnd: number;
  /** Slow-start threshold (bytes). */
  ssthresh: number;
  /** Appropriate Byte Counting limit L in segments (RFC 3465 §2.2): most cwnd growth per ACK in slow start. */
  abcLimit: number;
  /** New data was cumulatively or selectively acknowledged outside recovery. */
  onAck(acked: number, now: number, srtt: number, mss: number, appLimited: boolean): void;
  /** Entering fast recovery (RFC 6675 §5 / RFC 6582): `inflight` is the FlightSize at that moment. */
  onEnterRecovery(now: number, inflight: number, mss: number): void;
  /** Recovery ended (the recovery point was acknowledged). */
  onExitRecovery(now: number, mss: number): void;
  /** Retransmission timeout (RFC 5681 §3.1 eq. 4, cwnd to the loss window). */
  onRto(now: number, inflight: number, mss: number): void;
}

/** Initial window: IW10 (RFC 6928 §2), in bytes for a given MSS. */
export function initialWindow(mss: number): number {
  return Math.min(10 * mss, Math.max(2 * mss, 14600));
}
