/**
 * Delivery of a connection's pending events to the application, in a fixed order: connect, data
 * (push mode, consuming as delivered) or readable (pull mode), end (only after the data before the
 * FIN was consumed), drain, error, close. The layer calls this after it finished processing, never
 * from inside the state machine (see connection.ts, "Events and re-entrancy").
 * @module
 */

import {
  EV_CLOSE,
  EV_CONNECT,
  EV_DATA,
  EV_DRAIN,
  EV_END,
  EV_ERROR,
  type TcpConnection,
} from './connection.ts';

/** Fires every pending event of `c` (callbacks may queue more; they are fired in the same call). */
export function fireEvents(
  c: TcpConnection,
  now: number,
  delayedAck: number,
  host: { schedule(c: TcpConnection): void },
): void {
  while (c.pendingEvents !== 0) {
    const ev = c.pendingEvents;
    if (ev & EV_CONNECT) {
      c.pendingEvents &= ~EV_CONNECT;
      if (c.listener) c.listener.childEstablished(c);
      else c.onconnect?.();
      continue;
    }
    if (ev & EV_DATA) {
      c.pendingEvents &= ~EV_DATA;
      if (c.ondata) {
        const rb = c.recvBuf;
        let took = false;
        let cb = c.ondata as ((d: Uint8Array) => void) | null;
        while (!c.paused && cb && rb.readable > 0) {
          // Consume before the callback: it may close() (which must not see the data as unread)
          // or read(). The view stays valid: nothing writes the ring during a dispatch.
          const v = rb.peekContiguous();
          rb.consume(v.length);
          cb(v);
          cb = c.ondata;
          took = true;
        }
        if (took) c.afterRead();
        // Keep the (now empty) storage while data flows; if the connection goes quiet for a
        // delayed-ACK interval, the timer returns it to the pool (timers.ts).
        if (
          rb.readable === 0 &&
          rb.allocated > 0 &&
          c.delackAt === Number.POSITIVE_INFINITY &&
          c.state !== 'Closed'
        ) {
          c.delackAt = now + Math.max(1, delayedAck);
          host.schedule(c);
        }
      } else if (c.recvBuf.readable > 0) c.onreadable?.();
      continue;
    }
    if (ev & EV_END) {
      if (c.ondata && c.recvBuf.readable > 0 && !c.paused) {
        c.pendingEvents |= EV_DATA;
        continue;
      }
      c.pendingEvents &= ~EV_END;
      // As Node's 'end': only once every byte before the FIN has been consumed (pull mode or
      // paused: when the application reads the last byte, see TcpConnection.afterRead).
      if (c.recvBuf.readable > 0) c.endDeferred = true;
      else c.onend?.();
      continue;
    }
    if (ev & EV_DRAIN) {
      c.pendingEvents &= ~EV_DRAIN;
      c.ondrain?.();
      continue;
    }
    if (ev & EV_ERROR) {
      c.pendingEvents &= ~EV_ERROR;
      if (c.error) c.onerror?.(c.error);
      continue;
    }
    if (ev & EV_CLOSE) {
      c.pendingEvents = 0;
      c.onclose?.();
      return;
    }
    c.pendingEvents = 0;
  }
}
