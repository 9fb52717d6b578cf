/**
 * Impairments of the in-memory UDP network (netem-like): loss, delay and jitter, reordering,
 * duplication, MTU, and a bandwidth limit with a bounded queue.
 *
 * A datagram from host A to host B crosses three segments: A's access link, the core between
 * A and B (the pair setting for A→B if there is one, else the network default; the NAT's LAN
 * setting for traffic inside one LAN), and B's access link. Their conditions compose as
 * independent stages: probabilities combine as 1 − Π(1 − pᵢ), delays and jitters add, the MTU is
 * the smallest, and each segment with a bandwidth limit is a FIFO queue of its own.
 * @module
 */

/** Impairments of one segment. Every field is optional; omitted means "perfect". */
export interface LinkConditions {
  /** Probability in [0, 1] that a datagram is lost. */
  loss?: number;
  /** Fixed one-way delay in ms. */
  delayMs?: number;
  /** Extra delay drawn uniformly from [0, jitterMs). Jitter alone never reorders (FIFO is kept). */
  jitterMs?: number;
  /** Probability in [0, 1] that a datagram is held back by `reorderDelayMs`, letting later ones pass. */
  reorder?: number;
  /** Hold-back of a reordered datagram in ms (default 10). */
  reorderDelayMs?: number;
  /** Probability in [0, 1] that a datagram is delivered twice. */
  duplicate?: number;
  /** Bandwidth in bits per second (0 or omitted = unlimited). */
  bandwidthBps?: number;
  /** Queue size in bytes before tail drop when `bandwidthBps` is set (default 65536). */
  queueLimitBytes?: number;
  /** Largest datagram (UDP payload bytes) that passes; bigger ones are dropped (reason `mtu`). */
  mtu?: number;
}

/** The composed, fully resolved conditions of a path (all fields present). */
export interface PathConditions {
  readonly loss: number;
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly reorder: number;
  readonly reorderDelayMs: number;
  readonly duplicate: number;
  readonly mtu: number;
}

/** Default hold-back of a reordered datagram. */
export const DEFAULT_REORDER_DELAY_MS = 10;
/** Default bandwidth queue limit. */
export const DEFAULT_QUEUE_LIMIT_BYTES = 65536;

function checkProbability(v: number | undefined, name: string): void {
  if (v !== undefined && !(v >= 0 && v <= 1))
    throw new RangeError(`LinkConditions.${name} must be in [0, 1]`);
}

function checkNonNegative(v: number | undefined, name: string): void {
  if (v !== undefined && !(v >= 0 && Number.isFinite(v)))
    throw new RangeError(`LinkConditions.${name} must be a finite number >= 0`);
}

/** Throws `RangeError` naming the first invalid field; returns a frozen copy otherwise. */
export function validateConditions(c: LinkConditions): Readonly<LinkConditions> {
  if (c === null || typeof c !== 'object') throw new TypeError('LinkConditions must be an object');
  checkProbability(c.loss, 'loss');
  checkProbability(c.reorder, 'reorder');
  checkProbability(c.duplicate, 'duplicate');
  checkNonNegative(c.delayMs, 'delayMs');
  checkNonNegative(c.jitterMs, 'jitterMs');
  checkNonNegative(c.reorderDelayMs, 'reorderDelayMs');
  checkNonNegative(c.bandwidthBps, 'bandwidthBps');
  checkNonNegative(c.queueLimitBytes, 'queueLimitBytes');
  checkNonNegative(c.mtu, 'mtu');
  return Object.freeze({ ...c });
}

/** Composes segment conditions into the conditions of the whole path (see the module comment). */
export function composePath(segments: readonly (Readonly<LinkConditions> | undefined)[]): PathConditions {
  let pass = 1;
  let noDup = 1;
  let noReorder = 1;
  let delayMs = 0;
  let jitterMs = 0;
  let reorderDelayMs = 0;
  let mtu = Number.POSITIVE_INFINITY;
  for (const s of segments) {
    if (!s) continue;
    pass *= 1 - (s.loss ?? 0);
    noDup *= 1 - (s.duplicate ?? 0);
    noReorder *= 1 - (s.reorder ?? 0);
    delayMs += s.delayMs ?? 0;
    jitterMs += s.jitterMs ?? 0;
    if (s.reorder) reorderDelayMs = Math.max(reorderDelayMs, s.reorderDelayMs ?? DEFAULT_REORDER_DELAY_MS);
    if (s.mtu !== undefined) mtu = Math.min(mtu, s.mtu);
  }
  return {
    loss: 1 - pass,
    delayMs,
    jitterMs,
    reorder: 1 - noReorder,
    reorderDelayMs,
    duplicate: 1 - noDup,
    mtu,
  };
}

/**
 * One direction of a bandwidth-limited segment: a FIFO that serialises datagrams at
 * `bandwidthBps` and tail-drops when its backlog would exceed `queueLimitBytes`.
 */
export class BandwidthQueue {
  /** Time at which the last queued datagram has finished transmitting. */
  busyUntil = Number.NEGATIVE_INFINITY;

  /**
   * Enqueues a datagram of `size` bytes arriving at `atMs`; returns the time its last bit leaves,
   * or `undefined` if the queue is full (tail drop).
   */
  enqueue(atMs: number, size: number, c: Readonly<LinkConditions>): number | undefined {
    const bps = c.bandwidthBps ?? 0;
    if (!(bps > 0)) return atMs;
    const limit = c.queueLimitBytes ?? DEFAULT_QUEUE_LIMIT_BYTES;
    const start = Math.max(atMs, this.busyUntil);
    const backlogBytes = ((start - atMs) * bps) / 8000;
    if (backlogBytes + size > limit && start > atMs) return undefined;
    this.busyUntil = start + (size * 8000) / bps;
    return this.busyUntil;
  }
}
