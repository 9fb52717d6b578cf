/**
 * RACK loss detection (RFC 8985 §6.2 step 5 and §6.3): a segment is lost when a segment sent
 * later has been delivered and more than RACK.rtt + reo_wnd has passed since it was sent. This
 * tolerates the reordering that overlay paths produce (issue 5: "overlays reorder") instead of
 * counting three duplicate ACKs. When some segment is not yet overdue, the RACK reorder timer is
 * armed for the earliest moment it would be.
 * @module
 */

import type { TcpConnection } from './connection.ts';
import { F_LOST, F_RETRANS, F_SACKED } from './scoreboard.ts';

/** RFC 8985 §6.2 step 4: the reordering window. */
export function reoWnd(c: TcpConnection): number {
  const minRtt = c.rtt.minRtt === Number.POSITIVE_INFINITY ? c.rtt.srtt : c.rtt.minRtt;
  // No reordering seen yet and already in recovery: be prompt (RFC 8985 §6.2 step 4). Reordering
  // is learnt from D-SACKs here (measured: also counting late-delivered never-retransmitted
  // segments, step 3, made recovery slower on heavily reordered paths).
  if (!c.reorderingSeen && c.inRecovery) return 0;
  return Math.min((c.reoWndMult * minRtt) / 4, c.rtt.srtt || minRtt);
}

/**
 * Marks overdue segments lost and (re)arms the RACK reorder timer. Returns true when anything
 * new was marked lost.
 */
export function rackDetectLoss(c: TcpConnection, now: number): boolean {
  if (c.rackXmit < 0) return false;
  const sb = c.sb;
  const wnd = reoWnd(c);
  let timeout = Number.POSITIVE_INFINITY;
  let marked = false;
  for (let i = 0; i < sb.count; i++) {
    const s = sb.slot(i);
    const f = sb.flags[s];
    if (f & F_SACKED) continue;
    if (f & F_LOST && !(f & F_RETRANS)) continue; // already waiting for retransmission
    const x = sb.xmit[s];
    const end = sb.end[s];
    // Only segments sent before the most recently delivered one (RACK.xmit_ts, RACK.end_seq).
    if (!(x < c.rackXmit || (x === c.rackXmit && end < c.rackEnd))) {
      if (sb.start[s] >= c.rackEnd) break;
      continue;
    }
    const remaining = x + c.rackRtt + wnd - now;
    if (remaining <= 0) {
      sb.markLost(i);
      marked = true;
    } else if (remaining < timeout) timeout = remaining;
  }
  if (timeout < Number.POSITIVE_INFINITY) {
    c.retransKind = 'rack';
    c.retransAt = now + timeout;
  } else if (c.retransKind === 'rack') {
    c.retransKind = 'rto';
    c.retransAt = c.sndNxt > c.sndUna ? now + c.rtt.rto : Number.POSITIVE_INFINITY;
  }
  return marked;
}
