/**
 * Timer expiry for one connection: retransmission (RFC 6298 §5.4–5.7), tail loss probe and RACK
 * reorder timeout (RFC 8985 §7, §6.3), persist (RFC 9293 §3.8.6.1), delayed ACK (RFC 1122
 * §4.2.3.2), keepalive (RFC 1122 §4.2.3.6), TIME-WAIT / FIN-WAIT-2 / connect deadlines, and the
 * user timeout (RFC 5482). The layer keeps each connection once in its deadline queue, at the
 * minimum of these (see `earliestTimer`).
 * @module
 */

import type { TcpConnection } from './connection.ts';
import { enterRecovery, type RxContext } from './input.ts';
import { retransmitLast, sendAck, sendProbe, sendSyn, transmit } from './output.ts';
import { rackDetectLoss } from './rack.ts';

/** The connection's earliest timer (ms), or Infinity. */
export function earliestTimer(c: TcpConnection): number {
  let t = c.retransAt;
  if (c.persistAt < t) t = c.persistAt;
  if (c.delackAt < t) t = c.delackAt;
  if (c.keepaliveAt < t) t = c.keepaliveAt;
  if (c.stateTimerAt < t) t = c.stateTimerAt;
  if (c.connectDeadline < t) t = c.connectDeadline;
  return t;
}

/** Runs every timer of `c` due at `now`. */
export function onTimers(ctx: RxContext, c: TcpConnection, now: number): void {
  if (c.stateTimerAt <= now) {
    c.stateTimerAt = Number.POSITIVE_INFINITY;
    if (c.state === 'TimeWait' || c.state === 'FinWait2') {
      // End of 2·MSL (RFC 9293 §3.4.2), or the orphaned FIN-WAIT-2 timeout.
      ctx.release(c);
      c.state = 'Closed';
      c.finish(null);
      return;
    }
  }
  if (c.connectDeadline <= now) {
    ctx.release(c);
    c.finish(c.softError ?? 'ETIMEDOUT');
    return;
  }
  if (c.retransAt <= now) {
    const kind = c.retransKind;
    c.retransAt = Number.POSITIVE_INFINITY;
    c.retransKind = 'rto';
    if (kind === 'rto') {
      if (!retransmissionTimeout(ctx, c, now)) return;
    } else if (kind === 'tlp') {
      tailLossProbe(ctx, c, now);
    } else {
      // RACK reorder timer (RFC 8985 §6.3).
      const before = c.sb.lostBytes;
      rackDetectLoss(c, now);
      if (c.sb.lostBytes > before && !c.inRecovery) enterRecovery(ctx, c, now);
      transmit(ctx, c, now);
      if (c.retransAt === Number.POSITIVE_INFINITY && c.sndNxt > c.sndUna) c.retransAt = now + c.rtt.rto;
    }
  }
  if (c.persistAt <= now) {
    c.persistAt = Number.POSITIVE_INFINITY;
    if (c.isOpen && c.sndNxt === c.sndUna) {
      if (c.sndWnd > 0)
        transmit(ctx, c, now, true); // SWS override (RFC 1122 §4.2.3.4)
      else {
        sendProbe(ctx, c, now);
        c.persistBackoff = Math.min(c.persistBackoff + 1, 12);
      }
      if (c.sndNxt === c.sndUna && c.sndBufOff + c.sendBuf.length > c.sndNxt) {
        c.persistAt = now + Math.min(c.rtt.maxRto, c.rtt.base() * 2 ** c.persistBackoff);
      }
    }
  }
  if (c.delackAt <= now) {
    c.delackAt = Number.POSITIVE_INFINITY;
    if (c.ackPending > 0 || c.ackNow) sendAck(ctx, c, now);
    // Quiet for a delayed-ACK interval: empty receive storage goes back to the pool.
    if (c.recvBuf.readable === 0) c.recvBuf.release();
  }
  if (c.keepaliveAt <= now) {
    c.keepaliveAt = Number.POSITIVE_INFINITY;
    if (c.keepAlive && c.isOpen && c.state !== 'TimeWait') {
      if (c.sndNxt > c.sndUna) {
        c.keepaliveAt = now + c.keepAliveDelay; // the RTO covers a busy connection
      } else if (c.keepaliveProbes >= c.keepAliveCount) {
        ctx.sendBareReset(c, c.sndSeq(c.sndNxt));
        ctx.release(c);
        c.finish('ETIMEDOUT');
        return;
      } else {
        c.keepaliveProbes++;
        sendProbe(ctx, c, now);
        c.keepaliveAt = now + c.keepAliveInterval;
      }
    }
  }
}

/** RTO expiry. Returns false when the connection was aborted. */
function retransmissionTimeout(ctx: RxContext, c: TcpConnection, now: number): boolean {
  ctx.counters.rtoTimeouts++;
  if (c.state === 'SynSent' || c.state === 'SynReceived') {
    // RFC 6298 §5.7 / RFC 9293: resend the SYN with backoff until the connect deadline.
    c.rtt.backoff();
    if (c.state === 'SynSent') sendSyn(ctx, c, now, ctx.offerTs, ctx.offerSack, ctx.offerWs);
    else sendSyn(ctx, c, now, c.tsOk, c.sackOk, c.wsOk);
    ctx.counters.retransmits++;
    c.retransmits++;
    c.retransAt = now + c.rtt.rto;
    return true;
  }
  if (c.sndNxt <= c.sndUna) return true;
  if (now - c.unackedSince >= c.userTimeout) {
    ctx.sendBareReset(c, c.sndSeq(c.sndNxt));
    ctx.release(c);
    c.finish(c.softError ?? 'ETIMEDOUT');
    return false;
  }
  // RFC 5681 §3.1 eq. 4 only on the first timeout of a series; RFC 8985 §6.3: everything
  // outstanding is lost.
  if (c.rtt.backoffs === 0) c.cc.onRto(now, c.sndNxt - c.sndUna, c.mss);
  else c.cc.cwnd = c.mss;
  c.sb.markAllLost();
  c.undoBytes = -1; // no undo across a timeout
  c.inRecovery = false;
  c.recoveryPoint = c.sndNxt; // RFC 6582 §3.2 step 1: no fast recovery for data sent before the RTO
  c.dupAcks = 0;
  c.extraSend = 0;
  c.tlpOut = false;
  c.rtt.backoff();
  c.forceRetransmit = true;
  transmit(ctx, c, now);
  c.retransKind = 'rto';
  c.retransAt = now + c.rtt.rto;
  return true;
}

/** PTO expiry (RFC 8985 §7.3): send new data if allowed, else retransmit the last segment. */
function tailLossProbe(ctx: RxContext, c: TcpConnection, now: number): void {
  ctx.counters.tlpProbes++;
  c.tlpOut = true;
  const writeEnd = c.sndBufOff + c.sendBuf.length;
  const sentBefore = c.sndNxt;
  if (writeEnd > c.sndNxt && c.sndUna + c.sndWnd > c.sndNxt) {
    c.extraSend = c.mss;
    transmit(ctx, c, now, true);
    c.extraSend = 0;
  }
  if (c.sndNxt === sentBefore) retransmitLast(ctx, c, now);
  c.retransKind = 'rto';
  c.retransAt = now + c.rtt.rto;
}
