/**
 * The TCP layer: a `TransportProtocol` for IP protocol 6 (src/stack/types.ts). It demultiplexes
 * segments to connections and listeners, answers segments for nobody with RST (RFC 9293 §3.10.7.1),
 * creates connections from SYNs under a listen backlog, owns the one deadline queue for every
 * connection timer, the transmit scratch buffer, and the counters.
 *
 * ```ts
 * const tcp = new TcpLayer(ipSender, { random: (n) => crypto.randomBytes(n) });
 * stack.register(6, tcp);
 * const l = tcp.listen(80);
 * l.onconnection = (c) => { c.ondata = (d) => c.write(d); c.onend = () => c.close(); };
 * const c = tcp.connect(peerIp, 80);
 * c.onconnect = () => c.write(bytes);
 * ```
 * Sans-I/O: `receive`/`poll` take `now`; the driver sleeps until `nextDeadline()`.
 * @module
 */

import { equalBytes } from '../../util/bytes.ts';
import { DeadlineQueue } from '../../util/deadline-queue.ts';
import type { IcmpErrorKind, IpAddress, IpSender, TransportProtocol } from '../types.ts';
import {
  ACK_FLAG,
  checkTcp,
  FIN,
  IP_PROTO_TCP,
  PSH,
  parseTcpOptions,
  RST,
  SYN,
  setTcpChecksum,
  TCP_HEADER_LEN,
  TcpOptions,
  tcpAck,
  tcpChecksum,
  tcpDstPort,
  tcpFlags,
  tcpHeaderLength,
  tcpSeq,
  tcpSrcPort,
  tcpWindow,
  writeTcpHeader,
} from '../wire/tcp.ts';
import { BufferPool } from './buffer-pool.ts';
import { EV_DATA, TcpConnection, type TcpHost } from './connection.ts';
import { fireEvents } from './events.ts';
import { applySynOptions, type RxContext, SegmentIn, segmentArrives } from './input.ts';
import { IsnGenerator } from './isn.ts';
import { TcpListener } from './listener.ts';
import { DEFAULTS, type TcpConnectionOptions, TcpCounters, type TcpLayerOptions } from './options.ts';
import { DF, pathMtuShrank, sendRstFor, sendSyn, transmit } from './output.ts';
import { earliestTimer, onTimers } from './timers.ts';

/** Key of the demultiplexing map: local port and remote port. Addresses are compared in the bucket. */
function key(localPort: number, remotePort: number): number {
  return localPort * 65536 + remotePort;
}

/** The TCP protocol instance of one stack. */
export class TcpLayer implements TransportProtocol, TcpHost, RxContext {
  /** Counters (segments in/out, retransmits, drops by reason…). */
  readonly counters = new TcpCounters();
  /** Time (ms) of the latest `receive`/`poll`. */
  now = 0;
  /** @internal */ readonly tx = new Uint8Array(65536 + 64);
  /** @internal */ readonly offerTs: boolean;
  /** @internal */ readonly offerSack: boolean;
  /** @internal */ readonly offerWs: boolean;
  /** @internal */ readonly msl: number;
  /** @internal */ readonly delayedAck: number;
  /** @internal */ readonly finWait2Timeout: number;
  /** @internal */ readonly ccName: 'cubic' | 'newreno';
  private readonly conns = new Map<number, TcpConnection | TcpConnection[]>();
  private readonly listeners = new Map<number, TcpListener[]>();
  private readonly timers = new DeadlineQueue<TcpConnection>();
  private readonly seg = new SegmentIn();
  /** Buffer storage shared by this layer's connections. */
  readonly pool = new BufferPool();
  private readonly opts: TcpOptions = new TcpOptions();
  private readonly connDefaults: Required<TcpConnectionOptions>;
  private readonly isn: IsnGenerator;
  private readonly random: (n: number) => Uint8Array;
  private readonly minRto: number;
  private readonly maxRto: number;
  private readonly connectTimeout: number;
  private readonly verify: boolean;
  private readonly challengeLimit: number;
  private readonly ephemeral: readonly [number, number];
  private challengeWindow = 0;
  private challengeCount = 0;
  private notifyList: TcpConnection[] = [];
  /** Connections with deferred work (ACK held by deferAcks, segments held by the burst limit). */
  private flushList: TcpConnection[] = [];
  private flushSpare: TcpConnection[] = [];
  private readonly deferAcks: boolean;
  private readonly deferReads: boolean;
  /** The dispatch at the end of `receive`: with deferReads, data-only events wait for the flush. */
  private inputDispatch = false;
  private readonly onflush: (() => void) | null;
  private readonly abcLimit: number;
  /** @internal */ readonly burstLimit: number;
  private dispatching = false;
  /** Inside receive/poll: events wait for the dispatch at the end. */
  private busy = false;
  private connCount = 0;

  constructor(
    /** The IP layer below. */
    readonly sender: IpSender,
    options: TcpLayerOptions,
  ) {
    if (typeof options?.random !== 'function') throw new TypeError('TcpLayer: options.random is required');
    const o = { ...DEFAULTS, ...options };
    this.random = o.random;
    this.offerTs = o.timestamps;
    this.offerSack = o.sack;
    this.offerWs = o.windowScaling;
    this.msl = o.msl;
    this.delayedAck = o.delayedAck;
    this.finWait2Timeout = o.finWait2Timeout;
    this.ccName = o.congestionControl;
    this.minRto = o.minRto;
    this.maxRto = o.maxRto;
    this.connectTimeout = o.connectTimeout;
    this.verify = o.verifyChecksum;
    this.challengeLimit = o.challengeAckLimit;
    this.ephemeral = o.ephemeralPorts;
    this.onflush = o.onflush ?? null;
    if ((o.deferAcks || o.deferReads || o.burstLimit !== Number.POSITIVE_INFINITY) && !this.onflush)
      throw new TypeError('TcpLayer: deferAcks, deferReads and burstLimit need options.onflush');
    this.deferReads = o.deferReads;
    if (!(o.burstLimit >= 1)) throw new RangeError(`TcpLayer: bad burstLimit ${o.burstLimit}`);
    if (!(o.abcLimit >= 1)) throw new RangeError(`TcpLayer: bad abcLimit ${o.abcLimit}`);
    this.deferAcks = o.deferAcks;
    this.burstLimit = o.burstLimit;
    this.abcLimit = o.abcLimit;
    this.connDefaults = {
      noDelay: o.noDelay,
      sendBufferSize: o.sendBufferSize,
      receiveBufferSize: o.receiveBufferSize,
      keepAlive: o.keepAlive,
      keepAliveDelay: o.keepAliveDelay,
      keepAliveInterval: o.keepAliveInterval,
      keepAliveCount: o.keepAliveCount,
      userTimeout: o.userTimeout,
      congestionControl: o.congestionControl,
    };
    this.isn = new IsnGenerator(this.random(16));
    this.seg.opts = this.opts;
  }

  /** Number of connections known (all states but LISTEN, TIME-WAIT included). */
  get connectionCount(): number {
    return this.connCount;
  }

  // ---------------------------------------------------------------- public API

  /**
   * Starts listening on `port` (1..65535) of `address` (null = any of ours). `backlog` bounds
   * connections in handshake plus those awaiting `accept()` (default 128). Throws when taken.
   */
  listen(
    port: number,
    opts: { address?: IpAddress | null; backlog?: number } & TcpConnectionOptions = {},
  ): TcpListener {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`listen: bad port ${port}`);
    const address = opts.address ?? null;
    const list = this.listeners.get(port) ?? [];
    for (const l of list) {
      if (l.address === null || address === null || equalBytes(l.address, address)) {
        const e = new Error(`listen: port ${port} already in use`) as Error & { code: string };
        e.code = 'EADDRINUSE';
        throw e;
      }
    }
    const l = new TcpListener(this, address, port, opts.backlog ?? 128, {
      ...this.connDefaults,
      ...strip(opts),
    });
    list.push(l);
    this.listeners.set(port, list);
    return l;
  }

  /** @internal */
  unlisten(l: TcpListener): void {
    const list = this.listeners.get(l.port);
    if (!list) return;
    const i = list.indexOf(l);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(l.port);
  }

  /**
   * Active open (RFC 9293 §3.10.1): sends a SYN to `remote`:`remotePort` and returns the
   * connection in SYN-SENT; `onconnect` or `onerror` (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH…)
   * follows. The local address defaults to the IP layer's choice for the destination, the local
   * port to a free ephemeral port. Throws EHOSTUNREACH synchronously when there is no route.
   */
  connect(
    remote: IpAddress,
    remotePort: number,
    opts: { localAddress?: IpAddress; localPort?: number } & TcpConnectionOptions = {},
  ): TcpConnection {
    if (!Number.isInteger(remotePort) || remotePort < 1 || remotePort > 65535)
      throw new RangeError(`connect: bad port ${remotePort}`);
    // RFC 1122 §3.3.1.3: no route means no connection. Fail now (as Linux's connect() does)
    // instead of sending a SYN that nothing carries and timing out after connectTimeout.
    const routed = this.sender.hasRoute ? this.sender.hasRoute(remote) : true;
    const local = routed ? (opts.localAddress ?? this.sender.sourceFor(remote)) : null;
    if (!local) {
      const e = new Error('connect: no route to host') as Error & { code: string };
      e.code = 'EHOSTUNREACH';
      throw e;
    }
    const localPort = opts.localPort ?? this.pickPort(local, remote, remotePort);
    if (this.lookup(local, localPort, remote, remotePort)) {
      const e = new Error('connect: address in use') as Error & { code: string };
      e.code = 'EADDRINUSE';
      throw e;
    }
    const now = this.now;
    const c = this.newConnection(local, localPort, remote, remotePort, 'SynSent', {
      ...this.connDefaults,
      ...strip(opts),
    });
    c.iss = this.isn.next(local, localPort, remote, remotePort, now);
    c.sndUna = 0;
    c.sndNxt = 0;
    c.unackedSince = now;
    c.connectDeadline = now + this.connectTimeout;
    this.counters.activeOpens++;
    sendSyn(this, c, now, this.offerTs, this.offerSack, this.offerWs);
    c.retransKind = 'rto';
    c.retransAt = now + c.rtt.rto;
    this.schedule(c);
    return c;
  }

  // ---------------------------------------------------------------- TransportProtocol

  /** A TCP segment for one of our addresses (`dst`). */
  receive(src: IpAddress, dst: IpAddress, payload: Uint8Array, now: number): void {
    this.now = now;
    this.busy = true;
    try {
      this.receiveSegment(src, dst, payload, now);
    } finally {
      this.busy = false;
    }
    // A segment with PSH ends what the peer had to send (a request, the end of a write): deliver it
    // now, as latency matters there; bulk data between pushes waits for the batch's flush.
    if (!this.dispatching) this.inputDispatch = this.deferReads && (this.seg.flags & PSH) === 0;
    this.dispatch();
  }

  private receiveSegment(src: IpAddress, dst: IpAddress, payload: Uint8Array, now: number): void {
    const ctr = this.counters;
    ctr.segmentsIn++;
    const bad = checkTcp(payload);
    if (bad) {
      ctr.drop(bad);
      return;
    }
    if (this.verify && tcpChecksum(src, dst, payload) !== 0) {
      ctr.drop('bad-checksum');
      return;
    }
    const hl = tcpHeaderLength(payload);
    const s = this.seg;
    const ob = parseTcpOptions(payload, TCP_HEADER_LEN, hl, this.opts);
    if (ob) {
      ctr.drop(ob);
      return;
    }
    s.buf = payload;
    s.seq = tcpSeq(payload);
    s.ack = tcpAck(payload);
    s.flags = tcpFlags(payload);
    s.window = tcpWindow(payload);
    s.dataStart = hl;
    s.dataLen = payload.length - hl;
    const srcPort = tcpSrcPort(payload);
    const dstPort = tcpDstPort(payload);
    let c = this.lookup(dst, dstPort, src, srcPort);
    if (c && c.state === 'TimeWait' && s.flags & SYN && !(s.flags & (ACK_FLAG | RST)) && this.reopens(c, s)) {
      // RFC 6191 / RFC 9293 §3.10.7.4: a new SYN beyond the old connection's sequence space (or
      // with a newer timestamp) may reuse a 4-tuple in TIME-WAIT; the old TCB goes.
      this.release(c);
      c.state = 'Closed';
      c = null;
    }
    if (c) {
      segmentArrives(this, c, s, now);
      this.schedule(c);
    } else {
      const l = this.findListener(dst, dstPort);
      if (l) this.listenInput(l, src, dst, srcPort, dstPort, s, now);
      else this.closedInput(src, dst, srcPort, dstPort, s, 'no-connection');
    }
  }

  /** An ICMP error about a segment we sent (RFC 1122 §4.2.3.9, RFC 5927 checks). */
  icmpError(
    kind: IcmpErrorKind,
    src: IpAddress,
    dst: IpAddress,
    quoted: Uint8Array,
    now: number,
    _mtu?: number,
  ): void {
    this.now = now;
    if (quoted.length < 8) return;
    const c = this.lookup(src, tcpSrcPort(quoted), dst, tcpDstPort(quoted));
    if (!c) return;
    // RFC 5927 §4.1: only believe errors quoting a sequence number we have in flight.
    const seq = tcpSeq(quoted);
    const off = c.sndUna + ((seq - c.sndSeq(c.sndUna)) | 0);
    if (off < c.sndUna || off > c.sndNxt) {
      this.counters.drop('icmp-stale');
      return;
    }
    if (kind === 'frag-needed') {
      // The IP layer has recorded the new path MTU (its maxPayload reflects it): resend smaller.
      this.busy = true;
      try {
        pathMtuShrank(this, c);
        transmit(this, c, now);
        this.schedule(c);
      } finally {
        this.busy = false;
      }
      this.dispatch();
      return; // `mtu` is already in the IP layer's path MTU table (maxPayload)
    }
    const code =
      kind === 'port-unreachable' || kind === 'protocol-unreachable'
        ? 'ECONNREFUSED'
        : kind === 'net-unreachable'
          ? 'ENETUNREACH'
          : kind === 'host-unreachable' || kind === 'admin-prohibited'
            ? 'EHOSTUNREACH'
            : null;
    if (!code) return;
    if (c.state === 'SynSent') {
      // A hard error during connect: report it now (as Linux does).
      this.release(c);
      c.finish(code);
      this.dispatch();
    } else c.softError = code; // RFC 1122 §4.2.3.9: soft error, reported if we time out
  }

  /** Runs every timer due at `now`. */
  poll(now: number): void {
    this.now = now;
    this.busy = true;
    try {
      for (;;) {
        const c = this.timers.popDue(now);
        if (!c) break;
        onTimers(this, c, now);
        this.schedule(c);
      }
    } finally {
      this.busy = false;
    }
    this.dispatch();
  }

  /**
   * Sends the work deferred by `deferAcks` and `burstLimit`: the held ACKs (one per connection,
   * covering every segment received since) and the next burst of each connection that stopped at
   * the limit. The host calls it once after `onflush`, when the current batch of input is done.
   * Connections that stop at the limit again ask for another flush.
   */
  flush(now: number = this.now): void {
    this.now = now;
    const list = this.flushList;
    if (list.length === 0) return;
    this.flushList = this.flushSpare;
    // Data held by deferReads first: the ACKs below then advertise the window the reads reopened.
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c.pendingEvents !== 0 && !c.inNotifyList) {
        c.inNotifyList = true;
        this.notifyList.push(c);
      }
    }
    this.dispatch();
    this.busy = true;
    try {
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        c.inFlushList = false;
        if (c.state === 'Closed') continue;
        // The held "every second segment" ACK (one lone segment keeps waiting for a second one or
        // the delayed-ACK timer, as without deferral) and a window update held by afterRead.
        if (c.ackPending >= 2 || c.windowUpdateDeferred) c.ackNow = true;
        c.windowUpdateDeferred = false;
        c.burstHeld = false;
        transmit(this, c, now);
        this.schedule(c);
      }
    } finally {
      list.length = 0;
      this.flushSpare = list;
      this.busy = false;
    }
    this.dispatch();
  }

  /** Connections waiting for {@link TcpLayer.flush} (0 when nothing is deferred). */
  get flushPending(): number {
    return this.flushList.length;
  }

  /**
   * The earliest time (ms) `poll` must run, or Infinity. May be earlier than strictly needed
   * (timers are re-armed lazily); a `poll` then simply finds nothing due.
   */
  nextDeadline(): number {
    return this.timers.peek();
  }

  // ---------------------------------------------------------------- TcpHost / RxContext

  /** @internal */
  output(c: TcpConnection): void {
    transmit(this, c, this.now);
    this.schedule(c);
  }

  /** @internal */
  deferAck(c: TcpConnection): boolean {
    if (!this.deferAcks) return false;
    if (!c.inFlushList) this.counters.deferredAcks++;
    this.deferOutput(c);
    return true;
  }

  /** @internal */
  deferOutput(c: TcpConnection): void {
    if (c.inFlushList) return;
    c.inFlushList = true;
    this.flushList.push(c);
    if (this.flushList.length === 1) this.onflush!();
  }

  /** @internal */
  sendReset(c: TcpConnection): void {
    sendRstFor(this, c, this.now);
  }

  /** @internal */
  schedule(c: TcpConnection): void {
    if (c.state === 'Closed') {
      this.timers.remove(c);
      return;
    }
    const t = earliestTimer(c);
    // Lazy re-arming: a queued entry that is due no later than needed stays where it is (when it
    // fires, `onTimers` finds nothing due and the entry moves to the real time). Restarting the
    // RTO on every ACK thus costs no heap operation; only earlier deadlines move the entry.
    if (c.heapIndex >= 0 && c.deadlineAt <= t) return;
    this.timers.set(c, t);
  }

  /** @internal */
  notify(c: TcpConnection): void {
    if (!c.inNotifyList) {
      c.inNotifyList = true;
      this.notifyList.push(c);
    }
    // An API call from outside any callback: deliver its events now.
    if (!this.busy && !this.dispatching) this.dispatch();
  }

  /** @internal */
  release(c: TcpConnection): void {
    this.timers.remove(c);
    const k = key(c.localPort, c.remotePort);
    const v = this.conns.get(k);
    if (v === undefined) return;
    if (v === c) {
      this.conns.delete(k);
      this.connCount--;
    } else if (Array.isArray(v)) {
      const i = v.indexOf(c);
      if (i >= 0) {
        v.splice(i, 1);
        this.connCount--;
        if (v.length === 1) this.conns.set(k, v[0]);
      }
    }
    c.recvBuf.release();
  }

  /** @internal */
  challengeAllowed(now: number): boolean {
    if (now - this.challengeWindow >= 1000) {
      this.challengeWindow = now;
      this.challengeCount = 0;
    }
    return ++this.challengeCount <= this.challengeLimit;
  }

  /** @internal */
  sendBareReset(c: TcpConnection, seq: number): void {
    this.writeReset(c.localAddress, c.remoteAddress, c.localPort, c.remotePort, seq, 0, RST);
  }

  // ---------------------------------------------------------------- internals

  /** Delivers queued events (see connection.ts on re-entrancy). */
  private dispatch(): void {
    if (this.dispatching) return;
    const holdData = this.inputDispatch;
    this.inputDispatch = false;
    this.dispatching = true;
    try {
      for (let i = 0; i < this.notifyList.length; i++) {
        const c = this.notifyList[i];
        c.inNotifyList = false;
        // deferReads: new data alone waits for the batch's flush (any other event fires now, and
        // fireEvents delivers the data before it).
        if (holdData && c.pendingEvents === EV_DATA) {
          this.deferOutput(c);
          continue;
        }
        fireEvents(c, this.now, this.delayedAck, this);
      }
    } finally {
      this.notifyList.length = 0;
      this.dispatching = false;
    }
  }

  private newConnection(
    local: IpAddress,
    localPort: number,
    remote: IpAddress,
    remotePort: number,
    state: 'SynSent' | 'SynReceived',
    opts: Required<TcpConnectionOptions>,
  ): TcpConnection {
    const c = new TcpConnection(
      this,
      local,
      localPort,
      remote,
      remotePort,
      state,
      opts,
      this.minRto,
      this.maxRto,
      this.pool,
    );
    c.abcLimit = this.abcLimit;
    const rb = opts.receiveBufferSize;
    let ws = 0;
    while (ws < 14 && rb / 2 ** ws > 0xffff) ws++;
    c.rcvWscale = this.offerWs ? ws : 0;
    c.advMss = Math.max(536, this.sender.maxPayload(remote) - TCP_HEADER_LEN);
    c.setMss(c.advMss, this.ccName);
    const t = this.random(4);
    c.tsOffset = ((t[0] << 24) | (t[1] << 16) | (t[2] << 8) | t[3]) >>> 0;
    const k = key(localPort, remotePort);
    const v = this.conns.get(k);
    if (v === undefined) this.conns.set(k, c);
    else if (Array.isArray(v)) v.push(c);
    else this.conns.set(k, [v, c]);
    this.connCount++;
    return c;
  }

  private lookup(
    local: IpAddress,
    localPort: number,
    remote: IpAddress,
    remotePort: number,
  ): TcpConnection | null {
    const v = this.conns.get(key(localPort, remotePort));
    if (v === undefined) return null;
    if (!Array.isArray(v)) {
      return equalBytes(v.remoteAddress, remote) && equalBytes(v.localAddress, local) ? v : null;
    }
    for (const c of v) if (equalBytes(c.remoteAddress, remote) && equalBytes(c.localAddress, local)) return c;
    return null;
  }

  private findListener(local: IpAddress, port: number): TcpListener | null {
    const list = this.listeners.get(port);
    if (!list) return null;
    let any: TcpListener | null = null;
    for (const l of list) {
      if (l.address === null) any = l;
      else if (equalBytes(l.address, local)) return l;
    }
    return any;
  }

  private pickPort(local: IpAddress, remote: IpAddress, remotePort: number): number {
    const [lo, hi] = this.ephemeral;
    const span = hi - lo + 1;
    const r = this.random(2);
    const start = ((r[0] << 8) | r[1]) % span;
    for (let i = 0; i < span; i++) {
      const p = lo + ((start + i) % span);
      if (!this.lookup(local, p, remote, remotePort) && !this.listeners.has(p)) return p;
    }
    const e = new Error('connect: no free ephemeral port') as Error & { code: string };
    e.code = 'EADDRNOTAVAIL';
    throw e;
  }

  /** May SYN `s` reopen TIME-WAIT connection `c` (RFC 6191 §2)? */
  private reopens(c: TcpConnection, s: SegmentIn): boolean {
    if (c.tsOk && s.opts.hasTimestamp) return ((s.opts.tsVal - c.tsRecent) | 0) > 0;
    return ((s.seq - c.rcvSeq(c.rcvNxt)) | 0) > 0;
  }

  /** LISTEN state processing (RFC 9293 §3.10.7.2). */
  private listenInput(
    l: TcpListener,
    src: IpAddress,
    dst: IpAddress,
    srcPort: number,
    dstPort: number,
    s: SegmentIn,
    now: number,
  ): void {
    const f = s.flags;
    if (f & RST) {
      this.counters.drop('rst-to-listener');
      return;
    }
    if (f & ACK_FLAG) {
      this.closedInput(src, dst, srcPort, dstPort, s, 'ack-to-listener');
      return;
    }
    if (!(f & SYN)) {
      this.counters.drop('no-syn-to-listener');
      return;
    }
    if (l.pending >= l.backlog) {
      // Like Linux: drop the SYN silently, the client retries (RFC 9293 leaves this to us).
      this.counters.drop('backlog-full');
      return;
    }
    const c = this.newConnection(dst, dstPort, src, srcPort, 'SynReceived', l.opts);
    c.listener = l;
    l.pending++;
    l.children.add(c);
    this.counters.passiveOpens++;
    c.irs = s.seq;
    c.iss = this.isn.next(dst, dstPort, src, srcPort, now);
    c.rcvAdvEdge = 1;
    const ourWs = c.rcvWscale;
    applySynOptions(this, c, s.opts, this.offerWs ? ourWs : -1);
    c.sndWnd = s.window; // unscaled in SYN (RFC 7323 §2.2)
    c.maxSndWnd = c.sndWnd;
    c.sndWl1 = s.seq;
    c.sndWl2 = 0;
    c.sndUna = 0;
    c.sndNxt = 0;
    c.unackedSince = now;
    c.connectDeadline = now + this.connectTimeout;
    sendSyn(this, c, now, c.tsOk, c.sackOk, this.offerWs && s.opts.windowScale >= 0);
    c.retransKind = 'rto';
    c.retransAt = now + c.rtt.rto;
    this.schedule(c);
    // Data or FIN in a SYN is not processed before the handshake completes; the peer resends it.
  }

  /** Reply to a segment for no connection (RFC 9293 §3.10.7.1): RST unless it is a RST. */
  private closedInput(
    src: IpAddress,
    dst: IpAddress,
    srcPort: number,
    dstPort: number,
    s: SegmentIn,
    reason: string,
  ): void {
    this.counters.drop(reason);
    if (s.flags & RST) return;
    if (s.flags & ACK_FLAG) this.writeReset(dst, src, dstPort, srcPort, s.ack, 0, RST);
    else {
      const len = s.dataLen + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0);
      this.writeReset(dst, src, dstPort, srcPort, 0, (s.seq + len) >>> 0, RST | ACK_FLAG);
    }
  }

  private writeReset(
    local: IpAddress,
    remote: IpAddress,
    localPort: number,
    remotePort: number,
    seq: number,
    ack: number,
    flags: number,
  ): void {
    const b = this.tx;
    writeTcpHeader(b, 0, localPort, remotePort, seq, ack, flags, 0, TCP_HEADER_LEN);
    const seg = b.subarray(0, TCP_HEADER_LEN);
    setTcpChecksum(local, remote, seg);
    this.sender.send(IP_PROTO_TCP, local, remote, seg, DF);
    this.counters.segmentsOut++;
    this.counters.resetsSent++;
  }
}

/** Keeps only connection options (drops address/port/backlog keys) and undefined values. */
function strip(opts: TcpConnectionOptions): Partial<TcpConnectionOptions> {
  const o = opts as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of [
    'noDelay',
    'sendBufferSize',
    'receiveBufferSize',
    'keepAlive',
    'keepAliveDelay',
    'keepAliveInterval',
    'keepAliveCount',
    'userTimeout',
    'congestionControl',
  ]) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  return out as Partial<TcpConnectionOptions>;
}

export { TcpListener };
