/**
 * Segment output: what to send now and building it in place.
 *
 * Order of business (RFC 6675 §5 "NextSeg", RFC 5681): first retransmit segments deemed lost,
 * then new data, both within cwnd − pipe; new data also within the peer's window, with Nagle
 * (RFC 9293 §3.7.4) and sender SWS avoidance (RFC 9293 §3.8.6.2.1 / RFC 1122 §4.2.3.4). A pure
 * ACK goes out only when nothing else carried the acknowledgement.
 *
 * Every segment is built in the layer's one transmit buffer (header, options, then one copy of the
 * payload from the send ring) and handed to the IP layer, which copies it: no per-segment
 * allocation besides the subarray view.
 * @module
 */

import type { IpSender } from '../types.ts';
import {
  ACK_FLAG,
  FIN,
  IP_PROTO_TCP,
  PSH,
  RST,
  SYN,
  setTcpChecksum,
  TCP_HEADER_LEN,
  writeTcpHeader,
} from '../wire/tcp.ts';
import type { TcpConnection } from './connection.ts';
import type { TcpCounters } from './options.ts';
import { F_FIN } from './scoreboard.ts';

/** What output needs from the layer. */
export interface TxContext {
  /** Scratch buffer for one segment (>= 64 KiB + 60). */
  readonly tx: Uint8Array;
  readonly sender: IpSender;
  readonly counters: TcpCounters;
  /** Most segments one `transmit` call sends (Infinity: no limit). */
  readonly burstLimit: number;
  /** `c` stopped at the burst limit: send the rest from the host's next flush. */
  deferOutput(c: TcpConnection): void;
}

const OPT_NOP = 1;
/** TCP sets Don't Fragment (PMTUD, RFC 1191); one shared options object, no per-segment literal. */
export const DF = { dontFragment: true } as const;

/** Builds the options of a non-SYN segment at tx[20..]; returns their length. */
function writeDataOptions(c: TcpConnection, b: Uint8Array, now: number): number {
  let i = TCP_HEADER_LEN;
  if (c.tsOk) {
    // RFC 7323 Appendix A layout: NOP NOP TS(10).
    b[i++] = OPT_NOP;
    b[i++] = OPT_NOP;
    b[i++] = 8;
    b[i++] = 10;
    const tsv = (now + c.tsOffset) >>> 0;
    put32(b, i, tsv);
    put32(b, i + 4, c.tsRecent);
    i += 8;
  }
  const r = c.recvBuf.ranges;
  const dsack = c.sackOk && c.dsackL >= 0;
  if (c.sackOk && (r.length > 0 || dsack)) {
    // RFC 2018 §4: the first block holds the most recently received segment; the rest follow in
    // order. At most 3 blocks with timestamps (40 option bytes), 4 without.
    const maxBlocks = c.tsOk ? 3 : 4;
    const nr = r.length >> 1;
    const n = Math.min(nr + (dsack ? 1 : 0), maxBlocks);
    b[i++] = OPT_NOP;
    b[i++] = OPT_NOP;
    b[i++] = 5;
    b[i++] = 2 + 8 * n;
    let w = 0;
    if (dsack) {
      // RFC 2883 §4: a duplicate segment is reported once, as the first block.
      put32(b, i, c.rcvSeq(c.dsackL));
      put32(b, i + 4, c.rcvSeq(c.dsackR));
      i += 8;
      w++;
      c.dsackL = c.dsackR = -1;
    }
    const first = c.recvBuf.lastRange >= 0 && c.recvBuf.lastRange < nr ? c.recvBuf.lastRange : 0;
    if (nr > 0 && w < n) {
      put32(b, i, c.rcvSeq(r[first * 2]));
      put32(b, i + 4, c.rcvSeq(r[first * 2 + 1]));
      i += 8;
      w++;
    }
    for (let k = 0; k < nr && w < n; k++) {
      if (k === first) continue;
      put32(b, i, c.rcvSeq(r[k * 2]));
      put32(b, i + 4, c.rcvSeq(r[k * 2 + 1]));
      i += 8;
      w++;
    }
  }
  return i - TCP_HEADER_LEN;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * The window field to advertise, moving the right edge only in steps of at least
 * min(buffer/2, MSS) (receiver SWS avoidance, RFC 9293 §3.8.6.2.2) and never backwards.
 */
function windowField(c: TcpConnection, syn: boolean): number {
  const nxt = c.rcvNxt;
  const space = c.finReceived ? 0 : c.recvBuf.space;
  let edge = nxt + space;
  const step = Math.min(c.recvBuf.capacity >> 1, c.advMss);
  if (edge < c.rcvAdvEdge + step && space < c.recvBuf.capacity) edge = Math.max(c.rcvAdvEdge, nxt);
  if (edge < c.rcvAdvEdge) edge = c.rcvAdvEdge;
  let wnd = edge - nxt;
  if (wnd < 0) wnd = 0;
  // RFC 7323 §2.2: the window in a SYN is never scaled.
  const shift = syn ? 0 : c.rcvWscale;
  let field = Math.floor(wnd / 2 ** shift);
  if (field > 0xffff) field = 0xffff;
  const adv = nxt + field * 2 ** shift;
  if (adv > c.rcvAdvEdge) c.rcvAdvEdge = adv;
  return field;
}

/** Sends one segment of `c` built at ctx.tx: data from the send ring at `bufPos` (len bytes). */
function emit(
  ctx: TxContext,
  c: TcpConnection,
  seqOff: number,
  flags: number,
  bufPos: number,
  len: number,
  now: number,
): boolean {
  const b = ctx.tx;
  const ol = writeDataOptions(c, b, now);
  const hl = TCP_HEADER_LEN + ol;
  const wnd = flags & RST ? 0 : windowField(c, false);
  const ack = flags & ACK_FLAG ? c.rcvSeq(c.rcvNxt) : 0;
  writeTcpHeader(b, 0, c.localPort, c.remotePort, c.sndSeq(seqOff), ack, flags, wnd, hl);
  if (len > 0) c.sendBuf.copyOut(bufPos, len, b, hl);
  const seg = b.subarray(0, hl + len);
  setTcpChecksum(c.localAddress, c.remoteAddress, seg);
  const r = ctx.sender.send(IP_PROTO_TCP, c.localAddress, c.remoteAddress, seg, DF);
  ctx.counters.segmentsOut++;
  ctx.counters.bytesOut += len;
  c.segmentsSent++;
  if (flags & ACK_FLAG) {
    c.lastAckSent = c.rcvNxt;
    c.ackNow = false;
    c.ackPending = 0;
    c.windowUpdateDeferred = false;
    c.delackAt = Number.POSITIVE_INFINITY;
  }
  if (c.inRecovery) c.prrOut += len; // RFC 6937 prr_out
  if (r !== true) {
    ctx.counters.drop(`send-${r}`);
    if (r === 'too-big') pathMtuShrank(ctx, c);
  }
  return r === true;
}

/**
 * The IP layer's path MTU (RFC 1191 / RFC 8201, fed by ICMP) no longer fits our segments: lower
 * the MSS and mark every outstanding segment larger than it lost, so it is resent in pieces
 * (RFC 1191 §6.5, like Linux's "simple retransmit"; no congestion response: nothing was lost).
 */
export function pathMtuShrank(ctx: TxContext, c: TcpConnection): void {
  const mss =
    Math.min(c.peerMss, ctx.sender.maxPayload(c.remoteAddress) - TCP_HEADER_LEN) - (c.tsOk ? 12 : 0);
  if (!(mss > 0) || mss >= c.mss) return;
  c.mss = Math.max(64, mss);
  const sb = c.sb;
  for (let i = 0; i < sb.count; i++) {
    const s = sb.slot(i);
    if (sb.end[s] - sb.start[s] - (sb.flags[s] & F_FIN ? 1 : 0) > c.mss) sb.markLost(i);
  }
}

/** Sends our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) with the handshake options (RFC 7323, RFC 2018). */
export function sendSyn(
  ctx: TxContext,
  c: TcpConnection,
  now: number,
  offerTs: boolean,
  offerSack: boolean,
  offerWs: boolean,
): void {
  const b = ctx.tx;
  const synAck = c.state === 'SynReceived';
  let i = TCP_HEADER_LEN;
  b[i++] = 2;
  b[i++] = 4;
  b[i++] = c.advMss >> 8;
  b[i++] = c.advMss & 0xff;
  if (offerSack && offerTs) {
    b[i++] = 4;
    b[i++] = 2;
  } else if (offerSack) {
    b[i++] = OPT_NOP;
    b[i++] = OPT_NOP;
    b[i++] = 4;
    b[i++] = 2;
  } else if (offerTs) {
    b[i++] = OPT_NOP;
    b[i++] = OPT_NOP;
  }
  if (offerTs) {
    b[i++] = 8;
    b[i++] = 10;
    put32(b, i, (now + c.tsOffset) >>> 0);
    put32(b, i + 4, synAck ? c.tsRecent : 0);
    i += 8;
  }
  if (offerWs) {
    b[i++] = OPT_NOP;
    b[i++] = 3;
    b[i++] = 3;
    b[i++] = c.rcvWscale;
  }
  const hl = i;
  const flags = synAck ? SYN | ACK_FLAG : SYN;
  const wnd = windowField(c, true);
  writeTcpHeader(b, 0, c.localPort, c.remotePort, c.iss, synAck ? c.rcvSeq(c.rcvNxt) : 0, flags, wnd, hl);
  const seg = b.subarray(0, hl);
  setTcpChecksum(c.localAddress, c.remoteAddress, seg);
  const r = ctx.sender.send(IP_PROTO_TCP, c.localAddress, c.remoteAddress, seg, DF);
  ctx.counters.segmentsOut++;
  c.segmentsSent++;
  if (synAck) c.lastAckSent = c.rcvNxt;
  if (c.sndNxt < 1) c.sndNxt = 1;
  if (r !== true) ctx.counters.drop(`send-${r}`);
}

/** Sends a bare ACK (also used for challenge ACKs, RFC 5961 §3.2, and duplicate ACKs). */
export function sendAck(ctx: TxContext, c: TcpConnection, now: number): void {
  emit(ctx, c, c.sndNxt, ACK_FLAG, 0, 0, now);
}

/** Sends <SEQ=SND.NXT><CTL=RST> for `c` (abort, RFC 9293 §3.10.5). */
export function sendRstFor(ctx: TxContext, c: TcpConnection, now: number): void {
  emit(ctx, c, c.sndNxt, RST | ACK_FLAG, 0, 0, now);
  ctx.counters.resetsSent++;
}

/**
 * A probe with SEG.SEQ = SND.UNA − 1 and no data: it is outside the peer's window, so the peer
 * answers with an ACK carrying its current window (zero-window probe, keepalive; RFC 1122
 * §4.2.3.6 and §4.2.2.17 as practised by Linux).
 */
export function sendProbe(ctx: TxContext, c: TcpConnection, now: number): void {
  emit(ctx, c, c.sndUna - 1, ACK_FLAG, 0, 0, now);
}

/** Resends scoreboard record `i`. */
function retransmitRecord(ctx: TxContext, c: TcpConnection, i: number, now: number): void {
  const sb = c.sb;
  let s = sb.slot(i);
  // The MSS may have shrunk since the first transmission (path MTU): resend in pieces.
  const dataLen0 = sb.end[s] - sb.start[s] - (sb.flags[s] & F_FIN ? 1 : 0);
  if (dataLen0 > c.mss) {
    sb.split(i, sb.start[s] + c.mss);
    s = sb.slot(i);
  }
  const start = sb.start[s];
  const fin = (sb.flags[s] & F_FIN) !== 0;
  const len = sb.end[s] - start - (fin ? 1 : 0);
  let flags = ACK_FLAG;
  if (fin) flags |= FIN;
  if (len > 0) flags |= PSH;
  emit(ctx, c, start, flags, start - c.sndBufOff, len, now);
  if (c.undoBytes >= 0) c.undoBytes += len;
  sb.retransmitted(i, now);
  c.retransmits++;
  ctx.counters.retransmits++;
}

/** Retransmits the highest outstanding segment (TLP probe, RFC 8985 §7.3). */
export function retransmitLast(ctx: TxContext, c: TcpConnection, now: number): boolean {
  if (c.sb.count === 0) return false;
  retransmitRecord(ctx, c, c.sb.count - 1, now);
  return true;
}

/**
 * Sends everything the windows allow for a synchronized connection, then a pure ACK if one is
 * owed. Arms the retransmission and persist timers as needed. `forceSmall` overrides Nagle/SWS
 * once (persist timer expiry, RFC 1122 §4.2.3.4).
 */
export function transmit(ctx: TxContext, c: TcpConnection, now: number, forceSmall = false): void {
  const st = c.state;
  if (st === 'Closed' || st === 'SynSent' || st === 'SynReceived' || st === 'TimeWait') {
    if (c.ackNow && st === 'TimeWait') sendAck(ctx, c, now);
    return;
  }
  const sb = c.sb;
  const mss = c.mss;
  let sent = false;
  // Segments left in this call's burst (TxContext.burstLimit): the rest goes from the next flush.
  // A connection already held at the limit sends nothing more before that flush (a write from a
  // callback of the same batch must not start a second burst).
  let budget = c.burstHeld ? 0 : ctx.burstLimit;
  for (;;) {
    if (budget <= 0) {
      if (!c.burstHeld) ctx.counters.burstStops++;
      c.burstHeld = true;
      ctx.deferOutput(c);
      break;
    }
    const pipe = c.pipe();
    const cwnd = c.cc.cwnd + c.extraSend;
    // 1. Retransmit what is deemed lost (RFC 6675 NextSeg rule 1).
    if (sb.lostBytes > sb.retransBytes) {
      const i = sb.nextToRetransmit();
      if (i >= 0) {
        if (pipe < cwnd || c.forceRetransmit) {
          c.forceRetransmit = false;
          retransmitRecord(ctx, c, i, now);
          sent = true;
          budget--;
          continue;
        }
        break;
      }
    }
    // 2. New data.
    const writeEnd = c.sndBufOff + c.sendBuf.length;
    const finPending = c.finOff >= 0 && c.sndNxt <= c.finOff;
    const avail = c.sndNxt <= writeEnd ? writeEnd - c.sndNxt : 0;
    if (avail === 0 && !finPending) break;
    const win = c.sndUna + c.sndWnd - c.sndNxt;
    const room = cwnd - pipe;
    let len = Math.min(avail, mss, win, room);
    if (len < 0) len = 0;
    const fin = finPending && c.sndNxt + len === c.finOff;
    if (len === 0 && !fin) break;
    if (len > 0 && len < mss && !fin && !forceSmall) {
      const idle = c.sndNxt === c.sndUna;
      const allQueued = len === avail;
      const ok = (allQueued && (c.noDelay || idle)) || len >= c.maxSndWnd / 2;
      if (!ok) break;
    }
    if (fin && len === 0 && pipe >= cwnd && avail === 0 && c.sndNxt > c.sndUna) {
      // A lone FIN still waits for cwnd like data would (keeps ordering simple); it goes out with
      // the next ACK that opens the window.
      break;
    }
    forceSmall = false;
    let flags = ACK_FLAG;
    if (len > 0 && c.sndNxt + len === writeEnd) flags |= PSH;
    if (fin) flags |= FIN;
    const start = c.sndNxt;
    const end = start + len + (fin ? 1 : 0);
    if (!emit(ctx, c, start, flags, start - c.sndBufOff, len, now) && len > 0) {
      // The IP layer refused (no route/queue full): keep the data, try again on a timer.
      sb.push(start, end, now, fin);
      c.sndNxt = end;
      if (len > c.mss) sb.markLost(sb.count - 1); // path MTU shrank: resend it in pieces
      sent = true;
      break;
    }
    if (c.extraSend > 0) c.extraSend = Math.max(0, c.extraSend - len);
    if (c.sndNxt === c.sndUna) c.unackedSince = now;
    sb.push(start, end, now, fin);
    c.sndNxt = end;
    c.bytesSent += len;
    sent = true;
    budget--;
  }
  if (c.ackNow) sendAck(ctx, c, now);
  // Timers: RTO while data is outstanding (RFC 6298 §5.1), persist when the window stalls us.
  if (c.sndNxt > c.sndUna) {
    if (c.retransAt === Number.POSITIVE_INFINITY) {
      c.retransKind = 'rto';
      c.retransAt = now + c.rtt.rto;
    }
    if (sent) armTlp(c, now);
    c.persistAt = Number.POSITIVE_INFINITY;
  } else {
    const writeEnd = c.sndBufOff + c.sendBuf.length;
    if (writeEnd > c.sndNxt && c.persistAt === Number.POSITIVE_INFINITY) {
      c.persistAt = now + Math.min(c.rtt.maxRto, c.rtt.base() * 2 ** c.persistBackoff);
    }
  }
}

/**
 * Arms the tail loss probe (RFC 8985 §7.2): PTO = 2·SRTT, plus the peer's delayed-ACK allowance
 * when only one segment is in flight, and never later than the RTO. Only with SACK and outside
 * recovery.
 */
export function armTlp(c: TcpConnection, now: number): void {
  if (!c.sackOk || c.inRecovery || c.tlpOut || c.rtt.srtt === 0) return;
  if (c.retransKind === 'rack') return;
  let pto = 2 * c.rtt.srtt;
  if (c.sb.count === 1) pto += 200;
  pto = Math.max(pto, 10);
  const rtoAt = c.retransKind === 'rto' ? c.retransAt : now + c.rtt.rto;
  const at = Math.min(now + pto, rtoAt);
  c.retransKind = 'tlp';
  c.retransAt = at;
}
