/**
 * One TCP connection (the TCB of RFC 9293 §3.3.1) and its application-facing API.
 *
 * Positions inside the connection are stream offsets counted from the ISN (offset 0 is our SYN,
 * data starts at 1; likewise from the peer's IRS on the receive side), so only segment parsing and
 * building convert to and from 32-bit sequence numbers (seq.ts).
 *
 * ## Events and re-entrancy
 * Callbacks (`onconnect`, `ondata`, `onreadable`, `ondrain`, `onend`, `onerror`, `onclose`) run
 * synchronously, but never in the middle of segment processing: the state machine records pending
 * events, and the layer dispatches them after it finishes the current `receive`, `poll` or API
 * call. Inside a callback any method may be called (write, read, shutdown, close, abort, even on
 * other connections); output they cause is sent at once, events they cause are dispatched in the
 * same dispatch loop. Order per connection: connect, data/readable, end, drain, error, close.
 *
 * ## Time
 * The stack is sans-I/O: API calls use the time of the layer's last `receive`/`poll` (`layer.now`);
 * drivers call `poll(now)` when `nextDeadline()` passes, and before API calls if they want exact
 * timestamps.
 * @module
 */

import type { DeadlineEntry } from '../../util/deadline-queue.ts';
import type { IpAddress } from '../types.ts';
import type { BufferPool } from './buffer-pool.ts';
import { Cubic } from './congestion/cubic.ts';
import { HyStart } from './congestion/hystart.ts';
import { NewReno } from './congestion/newreno.ts';
import type { CongestionControl } from './congestion/types.ts';
import type { TcpConnectionOptions, TcpConnectionStats, TcpErrorCode, TcpState } from './options.ts';
import { RecvBuffer } from './recv-buffer.ts';
import { RttEstimator } from './rtt.ts';
import { Scoreboard } from './scoreboard.ts';
import { SendBuffer } from './send-buffer.ts';

/** Pending-event bits (dispatched by the layer in this order). */
export const EV_CONNECT = 1;
export const EV_DATA = 2;
export const EV_END = 4;
export const EV_DRAIN = 8;
export const EV_ERROR = 16;
export const EV_CLOSE = 32;

/** What a connection needs from its layer (implemented by TcpLayer). */
export interface TcpHost {
  /** Time (ms) of the last receive/poll. */
  readonly now: number;
  /** FIN-WAIT-2 timeout for closed applications (ms). */
  readonly finWait2Timeout: number;
  /** Sends whatever the connection may send now (data, retransmissions, ACKs). */
  output(c: TcpConnection): void;
  /** Sends a RST for `c` (RFC 9293 §3.10.7: <SEQ=SND.NXT><CTL=RST>). */
  sendReset(c: TcpConnection): void;
  /** Re-computes the connection's earliest timer in the layer's deadline queue. */
  schedule(c: TcpConnection): void;
  /** Notes that `c` has pending events and dispatches them unless a dispatch is running. */
  notify(c: TcpConnection): void;
  /** Forgets the connection (its 4-tuple becomes free). */
  release(c: TcpConnection): void;
  /** True when an ACK of `c` may wait for the host's flush (deferAcks), which then sends it. */
  deferAck(c: TcpConnection): boolean;
}

/** A listening endpoint, as seen by its child connections. */
export interface TcpListenerRef {
  /** Called (through dispatch) when a child reaches ESTABLISHED. */
  childEstablished(c: TcpConnection): void;
  /** Called when a child dies before being accepted. */
  childGone(c: TcpConnection): void;
}

/** A TCP connection endpoint. Create through `TcpLayer.connect` or accept from a `TcpListener`. */
export class TcpConnection implements DeadlineEntry {
  /** @internal deadline-queue bookkeeping */
  deadlineAt = Number.POSITIVE_INFINITY;
  /** @internal deadline-queue bookkeeping */
  heapIndex = -1;

  /** Current state (RFC 9293 §3.3.2). */
  state: TcpState;
  /** Error that ended the connection, if any. */
  error: TcpErrorCode | null = null;

  // --- Application callbacks (see the module comment for re-entrancy rules) ---
  /** The three-way handshake completed. */
  onconnect: (() => void) | null = null;
  /**
   * Push mode: in-order data as it arrives. The view is valid only during the call (copy it to
   * keep it). Setting it delivers already-buffered data at the next dispatch. While `paused`,
   * data stays buffered and the receive window closes (backpressure).
   */
  ondata: ((chunk: Uint8Array) => void) | null = null;
  /** Pull mode (no `ondata`): new data can be `read()`. */
  onreadable: (() => void) | null = null;
  /** The send buffer, which had refused data, is at most half full again. */
  ondrain: (() => void) | null = null;
  /** The peer sent FIN and all its data has been delivered (half-close: we may still write). */
  onend: (() => void) | null = null;
  /** The connection failed: ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH. */
  onerror: ((code: TcpErrorCode) => void) | null = null;
  /** The connection is closed for the application (no more events after this). */
  onclose: (() => void) | null = null;

  /** @internal */ pendingEvents = 0;
  /** @internal */ inNotifyList = false;
  /** @internal waits in the layer's flush list (deferred ACK or burst remainder) */ inFlushList = false;
  /** @internal ABC limit L (segments) given to each congestion controller (RFC 3465) */ abcLimit = 2;
  /** @internal */ closeEmitted = false;
  /** @internal listener of a passive open, until accepted */
  listener: TcpListenerRef | null = null;
  /** @internal the peer's FIN waits for the application to consume the data before it */
  endDeferred = false;
  /** True while push-mode delivery is paused by the application. */
  paused = false;

  // --- Options ---
  noDelay: boolean;
  keepAlive: boolean;
  keepAliveDelay: number;
  keepAliveInterval: number;
  keepAliveCount: number;
  userTimeout: number;

  // --- Send side (offsets from ISS) ---
  /** @internal */ iss = 0;
  /** @internal */ sndUna = 0;
  /** @internal */ sndNxt = 0;
  /** @internal offset of the first byte held in `sendBuf` */ sndBufOff = 1;
  /** @internal offset of our FIN, -1 until shutdown */ finOff = -1;
  /** @internal peer's window in bytes (scaled) */ sndWnd = 0;
  /** @internal */ sndWl1 = 0;
  /** @internal */ sndWl2 = 0;
  /** @internal */ maxSndWnd = 0;
  /** @internal peer's window shift */ sndWscale = 0;
  /** @internal our window shift */ rcvWscale = 0;
  /** @internal effective MSS for data we send (options excluded) */ mss = 536;
  /** @internal MSS we advertise */ advMss = 536;
  /** @internal MSS the peer announced (RFC 9293 §3.7.1 default when absent) */ peerMss = 536;
  /** @internal */ readonly sendBuf: SendBuffer;
  /** @internal */ readonly sb = new Scoreboard();
  /** @internal */ readonly rtt: RttEstimator;
  /** @internal delay-based slow-start exit (RFC 9406) */ readonly hystart = new HyStart();
  /** @internal */ cc: CongestionControl;
  /** @internal write() refused data: fire drain later */ needDrain = false;
  /** @internal shutdown() requested */ shutdownRequested = false;
  /** @internal close() called: later data triggers RST */ appClosed = false;

  // --- Receive side (offsets from IRS) ---
  /** @internal */ irs = 0;
  /** @internal */ readonly recvBuf: RecvBuffer;
  /** @internal right edge of the window we advertised */ rcvAdvEdge = 1;
  /** @internal offset of the peer's FIN, -1 until seen */ rcvFinOff = -1;
  /** @internal peer's FIN processed (in order) */ finReceived = false;
  /** @internal RCV.NXT we last sent in an ACK */ lastAckSent = 0;
  /** @internal segments received but not yet acknowledged */ ackPending = 0;
  /** @internal send an ACK at the next output */ ackNow = false;
  /** @internal a window update waits for the host's flush (deferAcks) */ windowUpdateDeferred = false;
  /** @internal stopped at the burst limit: no more segments before the host's flush */ burstHeld = false;

  // --- Negotiated options ---
  /** @internal window scaling negotiated (RFC 7323 §2.2) */ wsOk = false;
  /** @internal */ tsOk = false;
  /** @internal */ sackOk = false;
  /** @internal */ tsRecent = 0;
  /** @internal */ tsOffset = 0;

  // --- Loss recovery ---
  /** @internal */ inRecovery = false;
  /** @internal */ recoveryPoint = 0;
  /** @internal */ dupAcks = 0;
  /** @internal next output may retransmit one segment regardless of cwnd (RTO) */ forceRetransmit = false;
  /** @internal RACK.xmit_ts */ rackXmit = -1;
  /** @internal RACK.end_seq (offset) */ rackEnd = 0;
  /** @internal RACK.rtt */ rackRtt = 0;
  /** @internal */ reorderingSeen = false;
  /** @internal RACK.reo_wnd_mult (RFC 8985 §6.2 step 4), grown by D-SACKs */ reoWndMult = 1;
  /** @internal recoveries left before reoWndMult falls back to 1 */ reoWndPersist = 0;
  /** @internal time of the last reoWndMult increase (at most once per RTT) */ reoWndBumpAt = -1;
  /** @internal D-SACK block to report in the next ACK (RFC 2883), offsets; -1 when none */ dsackL = -1;
  /** @internal */ dsackR = -1;
  /** @internal PRR (RFC 6937): data delivered since recovery began */ prrDelivered = 0;
  /** @internal PRR: data sent since recovery began */ prrOut = 0;
  /** @internal PRR: FlightSize when recovery began */ recoverFs = 1;
  /** @internal cwnd before the current recovery, for undo (RFC 4015 spirit) */ priorCwnd = 0;
  /** @internal ssthresh before the current recovery */ priorSsthresh = 0;
  /** @internal retransmitted bytes of this episode not yet shown spurious by D-SACK; -1: no undo */ undoBytes =
    -1;
  /** @internal a TLP probe is outstanding */ tlpOut = false;
  /** @internal sending allowance beyond cwnd (TLP new data, limited transmit) */ extraSend = 0;
  /** @internal time the oldest unacknowledged data began waiting */ unackedSince = 0;
  /** @internal last ICMP soft error */ softError: TcpErrorCode | null = null;

  // --- Timers (absolute ms, Infinity when off); the layer queues their minimum ---
  /** @internal RTO, TLP or RACK reorder timer (see `retransKind`) */ retransAt = Number.POSITIVE_INFINITY;
  /** @internal */ retransKind: 'rto' | 'tlp' | 'rack' = 'rto';
  /** @internal */ persistAt = Number.POSITIVE_INFINITY;
  /** @internal */ persistBackoff = 0;
  /** @internal */ delackAt = Number.POSITIVE_INFINITY;
  /** @internal */ keepaliveAt = Number.POSITIVE_INFINITY;
  /** @internal */ keepaliveProbes = 0;
  /** @internal TIME-WAIT end, FIN-WAIT-2 timeout or connect deadline */ stateTimerAt =
    Number.POSITIVE_INFINITY;
  /** @internal give up the handshake at this time */ connectDeadline = Number.POSITIVE_INFINITY;

  // --- Statistics ---
  bytesSent = 0;
  bytesReceived = 0;
  bytesAcked = 0;
  segmentsSent = 0;
  segmentsReceived = 0;
  retransmits = 0;

  /** @internal */
  constructor(
    /** @internal */ readonly host: TcpHost,
    /** Our address. */
    readonly localAddress: IpAddress,
    /** Our port. */
    readonly localPort: number,
    /** The peer's address. */
    readonly remoteAddress: IpAddress,
    /** The peer's port. */
    readonly remotePort: number,
    state: TcpState,
    opts: Required<TcpConnectionOptions>,
    minRto: number,
    maxRto: number,
    pool?: BufferPool,
  ) {
    this.state = state;
    this.noDelay = opts.noDelay;
    this.keepAlive = opts.keepAlive;
    this.keepAliveDelay = opts.keepAliveDelay;
    this.keepAliveInterval = opts.keepAliveInterval;
    this.keepAliveCount = opts.keepAliveCount;
    this.userTimeout = opts.userTimeout;
    this.sendBuf = new SendBuffer(opts.sendBufferSize, pool);
    this.recvBuf = new RecvBuffer(opts.receiveBufferSize, pool);
    this.recvBuf.baseOff = 1; // offset 0 is the peer's SYN
    this.rtt = new RttEstimator(minRto, maxRto);
    this.cc = opts.congestionControl === 'newreno' ? new NewReno(536) : new Cubic(536);
  }

  /** @internal sets the MSS once negotiated (and resets the initial window to IW10 of it). */
  setMss(mss: number, ccName: 'cubic' | 'newreno'): void {
    this.mss = Math.max(64, mss);
    this.cc = ccName === 'newreno' ? new NewReno(this.mss) : new Cubic(this.mss);
    this.cc.abcLimit = this.abcLimit;
  }

  /** @internal RCV.NXT as an offset. */
  get rcvNxt(): number {
    return this.recvBuf.endOff + (this.finReceived ? 1 : 0);
  }

  /** @internal sequence number of send offset `off`. */
  sndSeq(off: number): number {
    return (this.iss + off) >>> 0;
  }

  /** @internal sequence number of receive offset `off`. */
  rcvSeq(off: number): number {
    return (this.irs + off) >>> 0;
  }

  /** @internal RFC 6675 pipe: bytes believed in flight. */
  pipe(): number {
    const sb = this.sb;
    let p = this.sndNxt - this.sndUna - sb.sackedBytes - sb.lostBytes + sb.retransBytes;
    // Without SACK, each duplicate ACK is evidence one segment left the network (RFC 5681 §3.2 step 4).
    if (!this.sackOk && this.dupAcks > 0) p -= this.dupAcks * this.mss;
    return Math.max(p, 0);
  }

  /** @internal queues events for dispatch. */
  emit(ev: number): void {
    this.pendingEvents |= ev;
    this.host.notify(this);
  }

  /** True once data may be exchanged (ESTABLISHED or later, before CLOSED). */
  get isOpen(): boolean {
    return this.state !== 'Closed' && this.state !== 'SynSent' && this.state !== 'SynReceived';
  }

  /** Bytes waiting to be read (pull mode) or paused (push mode). */
  get readableLength(): number {
    return this.recvBuf.readable;
  }

  /** Bytes accepted by `write` and not yet acknowledged by the peer. */
  get writableLength(): number {
    return this.sendBuf.length;
  }

  /** Room in the send buffer: the most a `write` accepts now. */
  get writableSpace(): number {
    if (this.shutdownRequested || this.state === 'Closed') return 0;
    return this.sendBuf.free;
  }

  /**
   * Queues `data` for sending; returns how many bytes were accepted (less than `data.length` when
   * the send buffer is full: `ondrain` fires once it is half empty). Allowed from SYN-SENT on
   * (data waits for the handshake). Throws after `shutdown`/`close` or on a closed connection.
   */
  write(data: Uint8Array, start = 0, end = data.length): number {
    if (this.shutdownRequested) throw new Error('TcpConnection.write: after shutdown');
    if (this.state === 'Closed') throw new Error('TcpConnection.write: connection is closed');
    if (
      this.state === 'CloseWait' ||
      this.isOpen ||
      this.state === 'SynSent' ||
      this.state === 'SynReceived'
    ) {
      const n = this.sendBuf.write(data, start, end);
      if (n < end - start) this.needDrain = true;
      if (n > 0 && (this.state === 'Established' || this.state === 'CloseWait')) this.host.output(this);
      return n;
    }
    return 0;
  }

  /** Copies up to `max` readable bytes into a new array (pull mode); null when none. */
  read(max = Number.POSITIVE_INFINITY): Uint8Array | null {
    const n = Math.min(max, this.recvBuf.readable);
    if (n <= 0) return null;
    const out = new Uint8Array(n);
    this.recvBuf.read(out, 0, n);
    this.afterRead();
    return out;
  }

  /** Copies readable bytes into `dst` (no allocation); returns the count. */
  readInto(dst: Uint8Array, off = 0, max = dst.length - off): number {
    const n = this.recvBuf.read(dst, off, max);
    if (n > 0) this.afterRead();
    return n;
  }

  /** Push mode: stop delivering `ondata`; data stays buffered and the window closes. */
  pause(): void {
    this.paused = true;
  }

  /** Push mode: resume delivery (buffered data is delivered at the next dispatch). */
  resume(): void {
    this.paused = false;
    if (this.recvBuf.readable > 0) this.emit(EV_DATA);
  }

  /** @internal the application consumed data: maybe open the window (RFC 9293 §3.8.6.2.2). */
  afterRead(): void {
    if (this.endDeferred && this.recvBuf.readable === 0) {
      this.endDeferred = false;
      this.emit(EV_END);
    }
    if (this.state === 'Closed') return;
    // The largest window the field can express (65535 << shift) bounds what a read can open.
    const edge = this.rcvNxt + Math.min(this.recvBuf.space, 0xffff * 2 ** this.rcvWscale);
    const threshold = Math.min(this.recvBuf.capacity >> 1, 2 * this.advMss);
    if (edge - this.rcvAdvEdge >= threshold && !this.finReceived) {
      // While the peer may still send at least half the new window (Linux's tcp_cleanup_rbuf
      // measure), the update is no hurry: with deferAcks it rides the batch's flush ACK, so a
      // prompt reader does not undo ACK coalescing with an update per two segments read.
      const remaining = this.rcvAdvEdge - this.rcvNxt;
      if (2 * remaining >= edge - this.rcvNxt && this.host.deferAck(this)) {
        this.windowUpdateDeferred = true;
        return;
      }
      this.ackNow = true;
      this.host.output(this);
    }
  }

  /**
   * Half-close: sends FIN after the queued data (RFC 9293 §3.10.4). We can still receive.
   * No-op when already shut down or closed.
   */
  shutdown(): void {
    if (this.shutdownRequested || this.state === 'Closed') return;
    this.shutdownRequested = true;
    switch (this.state) {
      case 'SynSent':
        if (this.appClosed && this.sendBuf.length === 0) {
          // close() before the handshake with nothing to send: delete the TCB (RFC 9293 §3.10.4).
          this.host.release(this);
          this.finish(null);
          return;
        }
        // Queue the FIN behind any data written before the handshake completed.
        this.finOff = this.sndBufOff + this.sendBuf.length;
        return;
      case 'SynReceived':
      case 'Established':
      case 'CloseWait':
        this.finOff = this.sndBufOff + this.sendBuf.length;
        this.state =
          this.state === 'CloseWait' ? 'LastAck' : this.state === 'SynReceived' ? 'SynReceived' : 'FinWait1';
        if (this.state !== 'SynReceived') this.host.output(this);
        this.host.schedule(this);
        return;
      default:
        return;
    }
  }

  /**
   * Closes both directions. If unread data is pending, the connection is reset instead (RFC 9293
   * §3.10.4 and RFC 2525 §2.17, as Linux does); data arriving after close also causes a RST.
   */
  close(): void {
    if (this.state === 'Closed') return;
    if (this.recvBuf.readable > 0) {
      this.abort();
      return;
    }
    this.appClosed = true;
    this.ondata = null;
    if (this.state === 'FinWait2' && this.stateTimerAt === Number.POSITIVE_INFINITY) {
      // Already half-closed: the orphan FIN-WAIT-2 timeout now applies (as in ourFinAcked).
      this.stateTimerAt = this.host.now + this.host.finWait2Timeout;
      this.host.schedule(this);
    }
    this.shutdown();
  }

  /** Aborts with a RST (RFC 9293 §3.10.5); emits `onclose` (not `onerror`). */
  abort(): void {
    if (this.state === 'Closed') return;
    if (this.state !== 'SynSent' && this.state !== 'TimeWait') this.host.sendReset(this);
    this.host.release(this);
    this.state = 'Closed'; // also out of TIME-WAIT: an aborted TCB keeps no timers
    this.finish(null);
  }

  /** Enables/disables Nagle's algorithm (true = send small segments at once). */
  setNoDelay(noDelay = true): void {
    this.noDelay = noDelay;
    if (noDelay && this.isOpen) this.host.output(this);
  }

  /** Enables/disables keepalive; `delay` is the idle time before the first probe (ms). */
  setKeepAlive(enable: boolean, delay?: number): void {
    this.keepAlive = enable;
    if (delay !== undefined && delay > 0) this.keepAliveDelay = delay;
    this.keepaliveAt = enable && this.isOpen ? this.host.now + this.keepAliveDelay : Number.POSITIVE_INFINITY;
    this.keepaliveProbes = 0;
    this.host.schedule(this);
  }

  /** Sets the user timeout (ms) for unacknowledged data (RFC 5482). */
  setUserTimeout(ms: number): void {
    if (!(ms > 0)) throw new RangeError('setUserTimeout: ms must be > 0');
    this.userTimeout = ms;
  }

  /** A snapshot of the connection's counters and congestion state. */
  stats(): TcpConnectionStats {
    return {
      state: this.state,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      bytesAcked: this.bytesAcked,
      segmentsSent: this.segmentsSent,
      segmentsReceived: this.segmentsReceived,
      retransmits: this.retransmits,
      srtt: this.rtt.srtt,
      rto: this.rtt.rto,
      cwnd: this.cc.cwnd,
      ssthresh: this.cc.ssthresh,
      sendWindow: this.sndWnd,
      receiveWindow: Math.max(0, this.rcvAdvEdge - this.rcvNxt),
      mss: this.mss,
    };
  }

  /**
   * @internal Ends the connection for the application: state CLOSED (or kept as TIME-WAIT by the
   * caller), timers off, buffers freed, `onerror` (when `code`) then `onclose` queued.
   */
  finish(code: TcpErrorCode | null): void {
    if (this.state !== 'TimeWait') {
      this.state = 'Closed';
      this.retransAt = this.persistAt = this.delackAt = this.keepaliveAt = Number.POSITIVE_INFINITY;
      this.stateTimerAt = this.connectDeadline = Number.POSITIVE_INFINITY;
      this.sb.clear();
      this.sendBuf.consume(this.sendBuf.length);
      this.sendBuf.release();
    }
    if (this.listener) {
      this.listener.childGone(this);
      this.listener = null;
    }
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    if (code) {
      this.error = code;
      this.pendingEvents |= EV_ERROR;
    }
    this.pendingEvents |= EV_CLOSE;
    this.host.notify(this);
  }
}
