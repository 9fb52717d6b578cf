/**
 * Segment arrival for an existing connection: RFC 9293 §3.10.7.3 (SYN-SENT) and §3.10.7.4 (the
 * synchronized states), with RFC 5961 (RST/SYN/ACK hardening), RFC 7323 (PAWS, timestamps, RTT),
 * RFC 2018/6675 (SACK), RFC 8985 (RACK loss detection) and RFC 6582 (NewReno without SACK).
 *
 * Heads up: read RFC 9293 §3.10.7 before changing the order of the checks below; the order is
 * the specification.
 * @module
 */

import { ACK_FLAG, FIN, RST, SYN, type TcpOptions } from '../wire/tcp.ts';
import { EV_CONNECT, EV_DATA, EV_DRAIN, EV_END, type TcpConnection } from './connection.ts';
import type { TcpCounters } from './options.ts';
import { armTlp, sendAck, sendSyn, type TxContext, transmit } from './output.ts';
import { rackDetectLoss } from './rack.ts';
import { seqDiff, seqLe, seqLt } from './seq.ts';

/** A parsed incoming segment (one reusable instance per layer). */
export class SegmentIn {
  buf: Uint8Array = new Uint8Array(0);
  seq = 0;
  ack = 0;
  flags = 0;
  window = 0;
  dataStart = 0;
  dataLen = 0;
  opts!: TcpOptions;
}

/** What input needs from the layer beyond output. */
export interface RxContext extends TxContext {
  readonly counters: TcpCounters;
  /** Options the layer offers (for SYN-ACK retransmission in simultaneous open). */
  readonly offerTs: boolean;
  readonly offerSack: boolean;
  readonly offerWs: boolean;
  readonly msl: number;
  readonly delayedAck: number;
  readonly finWait2Timeout: number;
  /** RFC 5961 §7 rate limit: returns false when the budget for this second is spent. */
  challengeAllowed(now: number): boolean;
  /** Forget `c` (its 4-tuple is free again). */
  release(c: TcpConnection): void;
  /** Sends <SEQ=seq><CTL=RST> (no ACK) for `c`'s 4-tuple. */
  sendBareReset(c: TcpConnection, seq: number): void;
  /** Congestion controller name for this layer's new connections. */
  readonly ccName: 'cubic' | 'newreno';
  /**
   * The "every second segment" ACK of `c` may wait for the host's flush (TcpLayerOptions.deferAcks):
   * returns true when it will be sent from there, false when it must go now.
   */
  deferAck(c: TcpConnection): boolean;
}

const SACK_OUT = { newlySacked: 0, rackXmit: -1, rackEnd: 0 };

/** Applies negotiated options from the peer's SYN or SYN-ACK (RFC 7323 §2.2, §3.2; RFC 2018 §2). */
export function applySynOptions(ctx: RxContext, c: TcpConnection, o: TcpOptions, ourWs: number): void {
  // RFC 9293 §3.7.1: default send MSS 536 (IPv4) / 1220 (IPv6) when the option is absent.
  const defMss = c.remoteAddress.length === 16 ? 1220 : 536;
  const peerMss = o.mss > 0 ? o.mss : defMss;
  c.peerMss = peerMss;
  if (o.windowScale >= 0 && ctx.offerWs && ourWs >= 0) {
    c.sndWscale = o.windowScale;
    c.rcvWscale = ourWs;
    c.wsOk = true;
  } else {
    c.sndWscale = 0;
    c.rcvWscale = 0;
    c.wsOk = false;
  }
  c.tsOk = ctx.offerTs && o.hasTimestamp;
  if (c.tsOk) c.tsRecent = o.tsVal;
  c.sackOk = ctx.offerSack && o.sackPermitted;
  // Data per segment = min(their MSS, ours) minus the options we put in every segment (RFC 6691).
  c.setMss(Math.min(peerMss, c.advMss) - (c.tsOk ? 12 : 0), ctx.ccName);
}

/** Processes one segment for connection `c` (not LISTEN). */
export function segmentArrives(ctx: RxContext, c: TcpConnection, seg: SegmentIn, now: number): void {
  c.segmentsReceived++;
  if (c.state === 'SynSent') {
    synSent(ctx, c, seg, now);
    return;
  }
  const flags = seg.flags;
  const o = seg.opts;
  const segLen = seg.dataLen + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);
  const rcvNxt = c.rcvNxt;
  const rcvNxtSeq = c.rcvSeq(rcvNxt);
  const seqOff = rcvNxt + seqDiff(seg.seq, rcvNxtSeq);

  // RFC 7323 §5.3 PAWS: a segment with an older timestamp is a duplicate from an earlier wrap.
  // Exception (as Linux's tcp_disordered_ack): a pure ACK at RCV.NXT merely overtaken by a later
  // ACK is no old duplicate; dropping it would lose its SACK blocks on reordering paths.
  const pureAck = seg.dataLen === 0 && !(flags & (SYN | FIN)) && seg.seq === c.rcvSeq(c.rcvNxt);
  if (
    c.tsOk &&
    o.hasTimestamp &&
    !(flags & RST) &&
    seqLt(o.tsVal, c.tsRecent) &&
    !(pureAck && seqDiff(c.tsRecent, o.tsVal) < 1000)
  ) {
    ctx.counters.drop('paws');
    c.ackNow = true;
    transmit(ctx, c, now);
    return;
  }

  // Our SYN-ACK was lost: the peer retransmitted its SYN (RFC 9293 §3.10.7.4 would challenge it).
  if (c.state === 'SynReceived' && flags & SYN && !(flags & (ACK_FLAG | RST)) && seg.seq === c.irs) {
    sendSyn(ctx, c, now, c.tsOk, c.sackOk, c.wsOk);
    return;
  }

  // Simultaneous open (RFC 9293 figure 8, line 6): our SYN-ACK crossed theirs. Its SYN is old, but
  // its ACK of our SYN completes the handshake; we ACK their SYN-ACK.
  if (c.state === 'SynReceived' && flags & SYN && flags & ACK_FLAG && !(flags & RST) && seg.seq === c.irs) {
    if (seqDiff(seg.ack, c.iss) !== 1) {
      ctx.sendBareReset(c, seg.ack);
      return;
    }
    if (c.rtt.backoffs === 0) c.rtt.sample(now - c.unackedSince);
    established(c, now);
    c.sndWnd = seg.window; // a SYN's window is not scaled
    c.maxSndWnd = Math.max(c.maxSndWnd, c.sndWnd);
    c.sndWl1 = seg.seq;
    c.sndWl2 = seg.ack;
    c.ackNow = true;
    transmit(ctx, c, now);
    return;
  }

  // First: sequence number acceptability (RFC 9293 §3.10.7.4, the four cases).
  const wnd = Math.max(0, c.rcvAdvEdge - rcvNxt);
  let acceptable: boolean;
  if (segLen === 0) acceptable = wnd === 0 ? seqOff === rcvNxt : seqOff >= rcvNxt && seqOff < rcvNxt + wnd;
  else if (wnd === 0)
    acceptable = seqOff === rcvNxt; // ACK/RST/FIN-bearing segments still processed, data trimmed
  else
    acceptable =
      (seqOff >= rcvNxt && seqOff < rcvNxt + wnd) ||
      (seqOff + segLen - 1 >= rcvNxt && seqOff + segLen - 1 < rcvNxt + wnd);
  if (!acceptable) {
    if (!(flags & RST)) {
      ctx.counters.drop('out-of-window');
      // RFC 2883 §4.1.1: report a duplicate of data already received in a D-SACK block.
      if (seg.dataLen > 0 && seqOff < rcvNxt && rcvNxt - seqOff < 0x40000000) {
        c.dsackL = seqOff;
        c.dsackR = Math.min(seqOff + seg.dataLen, c.recvBuf.endOff);
        if (c.dsackR <= c.dsackL) c.dsackL = c.dsackR = -1;
      }
      if (c.state === 'TimeWait' && flags & FIN) c.stateTimerAt = now + 2 * ctx.msl; // retransmitted FIN
      c.ackNow = true;
      transmit(ctx, c, now);
    } else ctx.counters.drop('rst-out-of-window');
    return;
  }

  // RFC 7323 §4.3: remember the timestamp to echo.
  if (c.tsOk && o.hasTimestamp && seqLe(seg.seq, c.rcvSeq(c.lastAckSent)) && !seqLt(o.tsVal, c.tsRecent)) {
    c.tsRecent = o.tsVal;
  }

  // Second: RST (RFC 5961 §3.2: exact match resets, anything else in window gets a challenge ACK).
  if (flags & RST) {
    ctx.counters.resetsReceived++;
    if (seqOff !== rcvNxt) {
      challengeAck(ctx, c, now);
      return;
    }
    ctx.release(c);
    if (c.state === 'SynReceived' && c.listener) c.finish(null);
    else if (c.state === 'SynReceived') c.finish('ECONNREFUSED');
    else if (c.state === 'Closing' || c.state === 'LastAck' || c.state === 'TimeWait') {
      c.state = 'Closed';
      c.finish(null);
    } else c.finish('ECONNRESET');
    return;
  }

  // Fourth: SYN in a synchronized state (RFC 5961 §4.2: challenge ACK, whatever its sequence).
  if (flags & SYN) {
    challengeAck(ctx, c, now);
    return;
  }

  // Fifth: ACK.
  if (!(flags & ACK_FLAG)) {
    ctx.counters.drop('no-ack');
    return;
  }
  const ackOff = c.sndUna + seqDiff(seg.ack, c.sndSeq(c.sndUna));
  if (c.state === 'SynReceived') {
    if (ackOff <= c.sndUna || ackOff > c.sndNxt) {
      ctx.sendBareReset(c, seg.ack);
      return;
    }
    // First RTT sample from the handshake (Karn: only if the SYN-ACK was not retransmitted).
    if (c.rtt.backoffs === 0) c.rtt.sample(now - c.unackedSince);
    established(c, now);
    c.sndWnd = seg.window * 2 ** c.sndWscale;
    c.maxSndWnd = Math.max(c.maxSndWnd, c.sndWnd);
    c.sndWl1 = seg.seq;
    c.sndWl2 = seg.ack;
  }
  if (ackOff > c.sndNxt) {
    // RFC 9293: ACK of something not yet sent: ACK, drop.
    ctx.counters.drop('ack-unsent');
    c.ackNow = true;
    transmit(ctx, c, now);
    return;
  }
  if (ackOff < c.sndUna - Math.max(c.maxSndWnd, 65535)) {
    // RFC 5961 §5.2: too old to be believable.
    ctx.counters.drop('ack-too-old');
    challengeAck(ctx, c, now);
    return;
  }
  if (c.keepAlive) {
    c.keepaliveAt = now + c.keepAliveDelay;
    c.keepaliveProbes = 0;
  }
  processAck(ctx, c, seg, ackOff, now);
  if ((c.state as string) === 'Closed') return;

  // Seventh: segment text.
  if (seg.dataLen > 0) {
    if (c.state === 'Established' || c.state === 'FinWait1' || c.state === 'FinWait2') {
      if (c.appClosed) {
        // Data for an application that closed: RFC 9293 §3.10.7.4 / RFC 2525 §2.17, as Linux.
        ctx.sendBareReset(c, c.sndSeq(c.sndNxt));
        ctx.counters.resetsSent++;
        ctx.release(c);
        c.finish(null);
        return;
      }
      receiveData(ctx, c, seg, seqOff);
    } else ctx.counters.drop('data-after-fin');
  }

  // Eighth: FIN (possibly out of order: remembered until the data before it arrives).
  if (flags & FIN) {
    const finAt = seqOff + seg.dataLen;
    if (finAt <= c.recvBuf.baseOff + c.recvBuf.capacity && c.rcvFinOff < 0) c.rcvFinOff = finAt;
    if (c.state === 'TimeWait') {
      c.stateTimerAt = now + 2 * ctx.msl;
      c.ackNow = true;
    }
  }
  if (c.rcvFinOff >= 0 && !c.finReceived && c.recvBuf.endOff === c.rcvFinOff) finArrived(ctx, c, now);
  if (c.ackPending > 0 && c.delackAt === Number.POSITIVE_INFINITY && !c.ackNow) {
    c.delackAt = ctx.delayedAck > 0 ? now + ctx.delayedAck : now;
    if (ctx.delayedAck <= 0) c.ackNow = true;
  }
  transmit(ctx, c, now);
}

function challengeAck(ctx: RxContext, c: TcpConnection, now: number): void {
  if (!ctx.challengeAllowed(now)) {
    ctx.counters.drop('challenge-ack-limit');
    return;
  }
  ctx.counters.challengeAcks++;
  sendAck(ctx, c, now);
}

function established(c: TcpConnection, now: number): void {
  c.state = 'Established';
  c.sndUna = 1;
  c.sb.clear();
  c.retransAt = Number.POSITIVE_INFINITY;
  c.connectDeadline = Number.POSITIVE_INFINITY;
  c.stateTimerAt = Number.POSITIVE_INFINITY;
  if (c.keepAlive) c.keepaliveAt = now + c.keepAliveDelay;
  if (c.shutdownRequested && c.finOff >= 0) c.state = 'FinWait1';
  c.emit(EV_CONNECT);
}

function synSent(ctx: RxContext, c: TcpConnection, seg: SegmentIn, now: number): void {
  const flags = seg.flags;
  let ackOk = false;
  if (flags & ACK_FLAG) {
    // RFC 9293 §3.10.7.3: ISS < SEG.ACK <= SND.NXT.
    const d = seqDiff(seg.ack, c.iss);
    if (d <= 0 || d > c.sndNxt) {
      if (!(flags & RST)) ctx.sendBareReset(c, seg.ack);
      ctx.counters.drop('bad-ack-syn-sent');
      return;
    }
    ackOk = true;
  }
  if (flags & RST) {
    ctx.counters.resetsReceived++;
    if (ackOk) {
      ctx.release(c);
      c.finish('ECONNREFUSED');
    } else ctx.counters.drop('rst-no-ack');
    return;
  }
  if (!(flags & SYN)) {
    ctx.counters.drop('no-syn');
    return;
  }
  c.irs = seg.seq;
  // Receive offsets: 0 is the peer's SYN, data starts at 1 (RecvBuffer.baseOff = 1).
  c.rcvAdvEdge = 1;
  applySynOptions(ctx, c, seg.opts, c.rcvWscale);
  // Unscaled window in SYN segments (RFC 7323 §2.2).
  c.sndWnd = seg.window;
  c.maxSndWnd = c.sndWnd;
  c.sndWl1 = seg.seq;
  c.sndWl2 = seg.ack;
  if (ackOk) {
    if (c.rtt.backoffs === 0 && c.unackedSince > 0) c.rtt.sample(now - c.unackedSince);
    else if (c.tsOk && seg.opts.tsEcr !== 0) c.rtt.sample(((now + c.tsOffset) >>> 0) - seg.opts.tsEcr);
    established(c, now);
    c.ackNow = true;
    if (seg.dataLen > 0) receiveData(ctx, c, seg, 1);
    transmit(ctx, c, now);
    return;
  }
  // Simultaneous open (RFC 9293 §3.5, figure 8): SYN-RECEIVED, send SYN-ACK for our ISS.
  c.state = 'SynReceived';
  sendSyn(ctx, c, now, c.tsOk, c.sackOk, c.wsOk);
}

/** The ACK part of segment processing (RFC 9293 §3.10.7.4 "fifth", RFC 5681, RFC 6675, RFC 8985). */
function processAck(ctx: RxContext, c: TcpConnection, seg: SegmentIn, ackOff: number, now: number): void {
  const o = seg.opts;
  const sb = c.sb;
  const unaBefore = c.sndUna;
  const sackedBefore = sb.sackedBytes;
  const prevWnd = c.sndWnd;
  // Window update (RFC 9293 §3.10.7.4: SND.WL1 < SEG.SEQ, or equal and SND.WL2 =< SEG.ACK).
  const d1 = seqDiff(seg.seq, c.sndWl1);
  if (d1 > 0 || (d1 === 0 && seqDiff(seg.ack, c.sndWl2) >= 0)) {
    c.sndWnd = seg.window * 2 ** c.sndWscale;
    c.sndWl1 = seg.seq;
    c.sndWl2 = seg.ack;
    if (c.sndWnd > c.maxSndWnd) c.maxSndWnd = c.sndWnd;
    if (c.sndWnd > 0) c.persistBackoff = 0;
  }
  // SACK blocks (RFC 2018 §4, RFC 6675 §4): only blocks above SND.UNA and within what we sent.
  let newlySacked = 0;
  if (c.sackOk && o.sackCount > 0) {
    SACK_OUT.newlySacked = 0;
    SACK_OUT.rackXmit = -1;
    SACK_OUT.rackEnd = 0;
    const unaSeq = c.sndSeq(c.sndUna);
    for (let k = 0; k < o.sackCount; k++) {
      const l = c.sndUna + seqDiff(o.sack[k * 2], unaSeq);
      const r = c.sndUna + seqDiff(o.sack[k * 2 + 1], unaSeq);
      if (k === 0 && r > l && isDsack(c, o, l, r, ackOff)) {
        dsackReceived(ctx, c, r - l, now);
        continue;
      }
      if (r <= l || r > c.sndNxt || l < ackOff) continue; // bogus: ignored
      sb.markSacked(l, r, SACK_OUT);
    }
    newlySacked = SACK_OUT.newlySacked;
    if (SACK_OUT.rackXmit >= 0) rackUpdate(c, SACK_OUT.rackXmit, SACK_OUT.rackEnd, now);
  }

  if (ackOff > c.sndUna) {
    const acked = ackOff - c.sndUna;
    const sampleT = sb.ackTo(ackOff);
    // RTT: timestamps when negotiated (RFC 7323 §4), else Karn-safe record time (RFC 6298 §3).
    let rttSample = -1;
    if (c.tsOk && o.hasTimestamp && o.tsEcr !== 0) {
      const r = ((now + c.tsOffset) >>> 0) - o.tsEcr;
      if (r >= 0 && r < 0x7fffffff) rttSample = r;
    } else if (sampleT >= 0) rttSample = now - sampleT;
    if (rttSample >= 0) {
      c.rtt.sample(rttSample);
      // RFC 9406: leave slow start when the RTT shows a queue building, before it overflows.
      // Not on reordering paths: there, hole-filling ACKs echo old timestamps and inflate the
      // samples, which would end slow start far too early.
      if (
        c.cc.cwnd < c.cc.ssthresh &&
        !c.inRecovery &&
        !c.reorderingSeen &&
        c.hystart.onRtt(rttSample, ackOff, c.sndNxt)
      ) {
        c.cc.ssthresh = c.cc.cwnd;
        ctx.counters.slowStartExits++;
      }
    }
    if (sampleT >= 0) rackUpdate(c, sampleT, ackOff, now);
    else if (c.rackRtt === 0 && c.rtt.srtt > 0) c.rackRtt = c.rtt.srtt;

    // Free acknowledged data (and note our FIN being acknowledged).
    const dataEnd = c.finOff >= 0 ? Math.min(ackOff, c.finOff) : ackOff;
    if (dataEnd > c.sndBufOff) {
      c.sendBuf.consume(dataEnd - c.sndBufOff);
      c.sndBufOff = dataEnd;
    }
    c.sndUna = ackOff;
    c.bytesAcked += acked;
    c.dupAcks = 0;
    c.extraSend = 0;
    c.tlpOut = false;
    c.unackedSince = now;
    if (c.needDrain && c.sendBuf.length <= c.sendBuf.capacity >> 1) {
      c.needDrain = false;
      c.emit(EV_DRAIN);
    }
    // Recovery bookkeeping (RFC 6582 §3.2 steps 5–6 for partial and full ACKs).
    if (c.inRecovery) {
      if (ackOff >= c.recoveryPoint) {
        c.inRecovery = false;
        c.cc.onExitRecovery(now, c.mss);
        if (c.undoBytes === 0) {
          // Nothing had to be retransmitted: every "lost" segment arrived, the recovery was
          // caused by reordering alone. Restore the window (RFC 8985 §9.3 discussion, Linux undo).
          c.undoBytes = -1;
          ctx.counters.undos++;
          if (c.priorCwnd > c.cc.cwnd) c.cc.cwnd = c.priorCwnd;
          if (c.priorSsthresh > c.cc.ssthresh) c.cc.ssthresh = c.priorSsthresh;
        }
        // RFC 8985 §6.2 step 4: after 16 recoveries without D-SACK, reo_wnd_mult returns to 1.
        if (c.reoWndPersist > 0 && --c.reoWndPersist === 0) c.reoWndMult = 1;
      } else if (!c.sackOk && sb.count > 0) {
        sb.markLost(0); // partial ACK: the next hole is lost too
      }
    } else {
      const appLimited = c.sndNxt - c.sndUna + acked < c.cc.cwnd / 2;
      c.cc.onAck(acked, now, c.rtt.srtt || 100, c.mss, appLimited);
    }
    // RFC 6298 §5.2/5.3: stop or restart the retransmission timer.
    if (c.sndNxt > c.sndUna) {
      c.retransKind = 'rto';
      c.retransAt = now + c.rtt.rto;
      armTlp(c, now);
    } else {
      c.retransAt = Number.POSITIVE_INFINITY;
      c.rtt.rto = c.rtt.base();
    }
    if (c.finOff >= 0 && ackOff > c.finOff) ourFinAcked(ctx, c, now);
  } else if (
    ackOff === c.sndUna &&
    seg.dataLen === 0 &&
    !(seg.flags & FIN) &&
    c.sndNxt > c.sndUna &&
    (c.sndWnd === prevWnd || newlySacked > 0)
  ) {
    // A duplicate ACK (RFC 5681 §2).
    c.dupAcks++;
    if (!c.sackOk && !c.inRecovery) {
      if (c.dupAcks === 3 && c.sndUna >= c.recoveryPoint) {
        // RFC 6582 §3.2 step 2: fast retransmit, enter recovery.
        sb.markLost(0);
        enterRecovery(ctx, c, now);
      } else if (c.dupAcks < 3) {
        c.extraSend = c.dupAcks * c.mss; // limited transmit, RFC 3042
      }
    }
  }
  if (c.sackOk && (sb.sackedBytes > 0 || sb.lostBytes > 0)) {
    const lostBefore = sb.lostBytes;
    rackDetectLoss(c, now);
    if (c.sackOk && c.extraSend === 0 && c.dupAcks > 0 && c.dupAcks < 3 && !c.inRecovery) {
      c.extraSend = c.dupAcks * c.mss; // limited transmit (RFC 3042), also with SACK
    }
    if (sb.lostBytes > lostBefore && !c.inRecovery && c.sndUna >= c.recoveryPoint) enterRecovery(ctx, c, now);
  }
  if (c.inRecovery) {
    // RFC 6937 PRR: DeliveredData = ΔSND.UNA + ΔSACKed.
    const delivered = c.sndUna - unaBefore + (sb.sackedBytes - sackedBefore);
    if (delivered > 0) proportionalRateReduction(c, delivered);
  }
}

/**
 * Proportional Rate Reduction (RFC 6937 §3, with the SSRB bound): during recovery, each ACK lets
 * out data in proportion to what was delivered, so the window comes down to ssthresh smoothly
 * instead of stalling and then bursting. Expressed as cwnd = pipe + sndcnt, as Linux does.
 */
function proportionalRateReduction(c: TcpConnection, delivered: number): void {
  c.prrDelivered += delivered;
  const pipe = c.pipe();
  const ssthresh = c.cc.ssthresh;
  let sndcnt: number;
  if (pipe > ssthresh) sndcnt = Math.ceil((c.prrDelivered * ssthresh) / c.recoverFs) - c.prrOut;
  else sndcnt = Math.min(ssthresh - pipe, Math.max(c.prrDelivered - c.prrOut, delivered) + c.mss);
  if (sndcnt < 0) sndcnt = 0;
  c.cc.cwnd = pipe + sndcnt;
}

function enterRecovery(ctx: RxContext, c: TcpConnection, now: number): void {
  c.inRecovery = true;
  c.recoveryPoint = c.sndNxt;
  c.extraSend = 0;
  // Remember the window so a recovery later shown spurious (D-SACK) can be undone.
  c.priorCwnd = c.cc.cwnd;
  c.priorSsthresh = c.cc.ssthresh;
  c.undoBytes = 0;
  c.prrDelivered = 0;
  c.prrOut = 0;
  c.recoverFs = Math.max(1, c.sndNxt - c.sndUna);
  c.cc.onEnterRecovery(now, c.sndNxt - c.sndUna, c.mss);
  // RFC 6937: the first retransmission goes out at once, whatever the new window says.
  c.forceRetransmit = true;
  ctx.counters.fastRetransmits++;
}

/**
 * RFC 2883 §4: the first SACK block is a D-SACK when it lies below the cumulative ACK or inside
 * the second block.
 */
function isDsack(c: TcpConnection, o: TcpOptions, l: number, r: number, ackOff: number): boolean {
  if (r <= ackOff) return true;
  if (o.sackCount < 2) return false;
  const unaSeq = c.sndSeq(c.sndUna);
  const l2 = c.sndUna + seqDiff(o.sack[2], unaSeq);
  const r2 = c.sndUna + seqDiff(o.sack[3], unaSeq);
  return l >= l2 && r <= r2;
}

/**
 * A D-SACK: the peer received something twice, so a retransmission was spurious (or the network
 * duplicated). RFC 8985 §6.2 step 4: widen the reordering window (at most once per round trip,
 * kept for 16 recoveries); and when every byte retransmitted in the last recovery proves
 * spurious, restore the window it cut (the Eifel response, RFC 4015, as Linux's undo does).
 */
function dsackReceived(ctx: RxContext, c: TcpConnection, bytes: number, now: number): void {
  ctx.counters.dsacks++;
  c.reorderingSeen = true;
  if (c.reoWndBumpAt < 0 || now - c.reoWndBumpAt >= (c.rtt.srtt || 1)) {
    c.reoWndMult = Math.min(c.reoWndMult + 1, 16);
    c.reoWndBumpAt = now;
  }
  c.reoWndPersist = 16;
  if (c.undoBytes > 0) {
    c.undoBytes -= bytes;
    if (c.undoBytes <= 0) {
      c.undoBytes = -1;
      ctx.counters.undos++;
      if (c.priorCwnd > c.cc.cwnd) c.cc.cwnd = c.priorCwnd;
      if (c.priorSsthresh > c.cc.ssthresh) c.cc.ssthresh = c.priorSsthresh;
      if (c.inRecovery) {
        c.inRecovery = false;
        c.recoveryPoint = c.sndUna;
      }
    }
  }
}

/** RFC 8985 §6.2 step 2: remember the most recently sent segment known delivered. */
function rackUpdate(c: TcpConnection, xmit: number, end: number, now: number): void {
  if (xmit > c.rackXmit || (xmit === c.rackXmit && end > c.rackEnd)) {
    c.rackXmit = xmit;
    c.rackEnd = end;
    c.rackRtt = Math.max(1, now - xmit);
  }
}

function receiveData(ctx: RxContext, c: TcpConnection, seg: SegmentIn, seqOff: number): void {
  const rb = c.recvBuf;
  let start = seg.dataStart;
  let off = seqOff;
  let len = seg.dataLen;
  const nxt = rb.endOff;
  if (off < nxt) {
    const cut = nxt - off;
    c.dsackL = off; // RFC 2883 §4.1.1: the duplicate part, reported once
    c.dsackR = Math.min(nxt, off + len);
    start += cut;
    off += cut;
    len -= cut;
  }
  // Trim to what the buffer can hold (we never advertise beyond it, RFC 9293 §3.8.6).
  const limit = rb.baseOff + rb.capacity;
  if (off + len > limit) len = limit - off;
  if (c.rcvFinOff >= 0 && off + len > c.rcvFinOff) len = c.rcvFinOff - off;
  if (len <= 0) {
    // Duplicate (or beyond the window): ACK at once so the peer learns our state (RFC 9293).
    c.ackNow = true;
    if (seg.dataLen > 0) ctx.counters.drop(off < nxt ? 'duplicate' : 'beyond-window');
    return;
  }
  const hadHoles = rb.ranges.length > 0;
  if (off > nxt && rb.holds(off, off + len)) {
    // A duplicate of out-of-order data: D-SACK it (RFC 2883 §4.1.2) and ACK at once.
    c.dsackL = off;
    c.dsackR = off + len;
    c.ackNow = true;
    ctx.counters.drop('duplicate');
    return;
  }
  const adv = rb.write(off, seg.buf, start, len);
  if (adv < 0) {
    ctx.counters.drop('ooo-overflow');
    c.ackNow = true;
    return;
  }
  ctx.counters.bytesIn += len;
  c.bytesReceived += adv;
  if (adv === 0 || hadHoles) {
    // Out of order, or filling a hole: ACK immediately (RFC 5681 §4.2, RFC 9293 §3.8.6.3).
    c.ackNow = true;
  } else {
    c.ackPending++;
    // RFC 1122 §4.2.3.2 / RFC 5681 §4.2: ACK at least every second segment — or, with deferAcks, once
    // for the whole I/O batch at the host's flush (a stretch ACK; the delayed-ACK timer still bounds it).
    if (c.ackPending >= 2 && !ctx.deferAck(c)) c.ackNow = true;
  }
  if (adv > 0) c.emit(EV_DATA);
}

function finArrived(ctx: RxContext, c: TcpConnection, now: number): void {
  c.finReceived = true;
  c.ackNow = true;
  c.emit(EV_END);
  switch (c.state) {
    case 'SynReceived':
    case 'Established':
      c.state = 'CloseWait';
      break;
    case 'FinWait1':
      // Our FIN not yet acknowledged: simultaneous close (RFC 9293 §3.6, figure 13).
      c.state = 'Closing';
      break;
    case 'FinWait2':
      enterTimeWait(ctx, c, now);
      break;
    default:
      break;
  }
}

function ourFinAcked(ctx: RxContext, c: TcpConnection, now: number): void {
  switch (c.state) {
    case 'FinWait1':
      c.state = 'FinWait2';
      // Linux-style orphan timeout: an application that closed will not wait forever.
      if (c.appClosed) c.stateTimerAt = now + ctx.finWait2Timeout;
      break;
    case 'Closing':
      enterTimeWait(ctx, c, now);
      break;
    case 'LastAck':
      ctx.release(c);
      c.state = 'Closed';
      c.finish(null);
      break;
    default:
      break;
  }
}

function enterTimeWait(ctx: RxContext, c: TcpConnection, now: number): void {
  c.state = 'TimeWait';
  c.retransAt = c.persistAt = c.keepaliveAt = c.delackAt = Number.POSITIVE_INFINITY;
  c.stateTimerAt = now + 2 * ctx.msl; // RFC 9293 §3.4.2: 2·MSL
  c.sb.clear();
  c.finish(null); // the application sees 'close' now; the 4-tuple stays reserved
}

/** Entering recovery is shared with the RACK reorder timer (timers.ts). */
export { enterRecovery };
