/**
 * Tunables of the TCP layer and of each connection, with their defaults and the reason for each.
 * @module
 */

/** Per-connection options (all optional; defaults below). */
export interface TcpConnectionOptions {
  /** Disable Nagle's algorithm (RFC 9293 §3.7.4). Default false, as in Node's net.Socket. */
  noDelay?: boolean;
  /**
   * Send buffer size in bytes (backpressure: `write` accepts at most the free space; it also caps
   * the data in flight, so it must exceed bandwidth × RTT). Default 4 MiB. Storage is taken from
   * the layer's pool only as data is queued.
   */
  sendBufferSize?: number;
  /**
   * Receive buffer size in bytes; the advertised window tracks its free space (bandwidth × RTT
   * needs it large: 4 MiB carries 670 Mbit/s at 50 ms). Default 4 MiB, like Linux's tcp_rmem
   * ceiling; storage is used only for data the application has not consumed yet or that arrived
   * out of order, so a prompt reader costs little.
   */
  receiveBufferSize?: number;
  /** Enable keepalive probes (RFC 1122 §4.2.3.6). Default false. */
  keepAlive?: boolean;
  /** Idle time before the first keepalive probe (ms). Default 2 hours (RFC 1122). */
  keepAliveDelay?: number;
  /** Interval between unanswered keepalive probes (ms). Default 75 s. */
  keepAliveInterval?: number;
  /** Unanswered probes before ETIMEDOUT. Default 9. */
  keepAliveCount?: number;
  /**
   * User timeout (RFC 9293 §3.8.3, RFC 5482): abort with ETIMEDOUT when sent data stays
   * unacknowledged this long (ms). Default 5 minutes.
   */
  userTimeout?: number;
  /** Congestion control: 'cubic' (default, like Linux) or 'newreno'. */
  congestionControl?: 'cubic' | 'newreno';
}

/** Layer-wide options. */
export interface TcpLayerOptions extends TcpConnectionOptions {
  /** Random bytes source (ISN secret, ephemeral ports, timestamp offsets). Required: sans-I/O. */
  random: (n: number) => Uint8Array;
  /** Minimum RTO (ms). RFC 6298 says 1 s; Linux uses 200 ms, so do we by default. */
  minRto?: number;
  /** Maximum RTO (ms). Default 120 s (RFC 6298 §2.5 allows any value >= 60 s). */
  maxRto?: number;
  /** Maximum segment lifetime (ms); TIME-WAIT lasts 2·MSL (RFC 9293 §3.4.2). Default 30 s. */
  msl?: number;
  /** Delayed ACK timeout (ms), RFC 1122 §4.2.3.2 requires < 500 ms. Default 40 ms (Linux). 0 disables. */
  delayedAck?: number;
  /** Give up an unanswered connect after this long (ms). Default 75 s. */
  connectTimeout?: number;
  /** FIN-WAIT-2 timeout once the application has closed (ms). Default 60 s (Linux tcp_fin_timeout). */
  finWait2Timeout?: number;
  /** Offer window scaling (RFC 7323). Default true. */
  windowScaling?: boolean;
  /** Offer timestamps (RFC 7323). Default true. */
  timestamps?: boolean;
  /** Offer SACK (RFC 2018). Default true. */
  sack?: boolean;
  /** Verify checksums of received segments. Default true (turn off only for benchmarks). */
  verifyChecksum?: boolean;
  /** Challenge ACKs allowed per second (RFC 5961 §7). Default 1000 (Linux tcp_challenge_ack_limit). */
  challengeAckLimit?: number;
  /** Ephemeral port range (inclusive). Default 49152..65535 (RFC 6335). */
  ephemeralPorts?: readonly [number, number];
  /**
   * Defer the "every second full segment" ACK (RFC 1122 §4.2.3.2) until the host calls
   * {@link TcpLayer.flush} — at the end of its current I/O batch — so that one ACK covers every
   * in-order segment of the batch (a stretch ACK, like Linux with GRO; RFC 9293 §3.8.6.3 lets a
   * receiver ACK less often within the delayed-ACK limit, which still bounds it). ACKs that carry
   * news stay immediate: out-of-order or duplicate data (SACK, fast retransmit), FIN, window
   * updates. Needs `onflush`. Default false (every second segment is ACKed at once).
   */
  deferAcks?: boolean;
  /**
   * Deliver received bulk data once per I/O batch: data that arrives in a `receive` is handed to
   * `ondata`/`onreadable` from {@link TcpLayer.flush} instead of at the end of that `receive`, so a
   * batch of segments reaches the application as one chunk (one stream push instead of one per
   * segment). A segment with PSH (the end of the peer's write: a request, a reply) is delivered at
   * once, so round trips do not wait. Other events (connect, end, errors, close) are not held, and
   * data always comes before them. Needs `onflush`. Default false.
   */
  deferReads?: boolean;
  /**
   * Most data segments one call sends per connection (an ACK, a write, a timer): the rest go from
   * {@link TcpLayer.flush}, so the peer sees bursts it can interleave with its own work instead of
   * a whole congestion window at once (which inflates the RTT it measures). Needs `onflush`.
   * Default Infinity (no limit).
   */
  burstLimit?: number;
  /**
   * Appropriate Byte Counting limit L in segments (RFC 3465 §2.2): slow start grows cwnd by at most
   * L·SMSS per ACK. Default 2 (the RFC's value). A peer that sends stretch ACKs (see `deferAcks`)
   * covers many segments per ACK; with a burst limit bounding what the growth releases at once, a
   * larger L lets slow start grow per segment delivered, as Linux does.
   */
  abcLimit?: number;
  /**
   * Called (from inside a layer call) when deferred work appeared: ACKs held by `deferAcks` or
   * segments held by `burstLimit`. The host arranges ONE call of {@link TcpLayer.flush} soon after
   * (e.g. `setImmediate`: after every datagram of the current I/O batch was received). Not called
   * again until that flush ran.
   */
  onflush?: (() => void) | null;
}

/** Defaults for the numeric/boolean options. */
export const DEFAULTS = {
  noDelay: false,
  sendBufferSize: 4 << 20,
  receiveBufferSize: 4 << 20,
  keepAlive: false,
  keepAliveDelay: 2 * 3600 * 1000,
  keepAliveInterval: 75_000,
  keepAliveCount: 9,
  userTimeout: 300_000,
  congestionControl: 'cubic' as 'cubic' | 'newreno',
  minRto: 200,
  maxRto: 120_000,
  msl: 30_000,
  delayedAck: 40,
  connectTimeout: 75_000,
  finWait2Timeout: 60_000,
  windowScaling: true,
  timestamps: true,
  sack: true,
  verifyChecksum: true,
  challengeAckLimit: 1000,
  ephemeralPorts: [49152, 65535] as readonly [number, number],
  deferAcks: false,
  deferReads: false,
  burstLimit: Number.POSITIVE_INFINITY,
  abcLimit: 2,
  onflush: null as (() => void) | null,
};

/** Why a connection failed, as Node error codes (architecture.md, "Two kinds of errors"). */
export type TcpErrorCode = 'ECONNREFUSED' | 'ECONNRESET' | 'ETIMEDOUT' | 'EHOSTUNREACH' | 'ENETUNREACH';

/** Connection states (RFC 9293 §3.3.2), named as in the RFC but in PascalCase. */
export type TcpState =
  | 'Closed'
  | 'Listen'
  | 'SynSent'
  | 'SynReceived'
  | 'Established'
  | 'FinWait1'
  | 'FinWait2'
  | 'CloseWait'
  | 'Closing'
  | 'LastAck'
  | 'TimeWait';

/** Counters of a TCP layer, readable at run time. */
export class TcpCounters {
  segmentsIn = 0;
  segmentsOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  retransmits = 0;
  fastRetransmits = 0;
  rtoTimeouts = 0;
  tlpProbes = 0;
  resetsSent = 0;
  resetsReceived = 0;
  challengeAcks = 0;
  /** Slow starts ended by HyStart++ (RFC 9406) before any loss. */
  slowStartExits = 0;
  /** D-SACK blocks received (RFC 2883): the peer got something twice. */
  dsacks = 0;
  /** Recoveries undone because D-SACKs showed every retransmission spurious. */
  undos = 0;
  activeOpens = 0;
  passiveOpens = 0;
  /** "Every second segment" ACKs held for the host's flush (`deferAcks`). */
  deferredAcks = 0;
  /** Times a connection stopped at the burst limit (`burstLimit`). */
  burstStops = 0;
  /** Segments dropped, by reason ('bad-checksum', 'truncated', 'paws', 'out-of-window', …). */
  readonly dropped: Record<string, number> = {};

  /** Counts one drop for `reason`. */
  drop(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }
}

/** Per-connection statistics. */
export interface TcpConnectionStats {
  state: TcpState;
  bytesSent: number;
  bytesReceived: number;
  bytesAcked: number;
  segmentsSent: number;
  segmentsReceived: number;
  retransmits: number;
  srtt: number;
  rto: number;
  cwnd: number;
  ssthresh: number;
  sendWindow: number;
  receiveWindow: number;
  mss: number;
}
