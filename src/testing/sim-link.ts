/**
 * An in-memory link between two endpoints for deterministic network tests: a fake clock and a
 * seeded PRNG decide loss, reordering, duplication, jitter and a bandwidth limit with a bounded
 * queue (like netem + tbf, without a kernel). Everything is driven by explicit time, so a test
 * of a 100 MB transfer over a lossy link runs in milliseconds of fake time per real millisecond
 * and can never hang (`SimIpNetwork.run` stops at a fake-time bound).
 *
 * `SimLink<T>` carries any items; `SimIpNetwork` wires two IP-level endpoints (each an `IpSender`
 * feeding one `TransportProtocol`, e.g. two TcpLayers) through it.
 * @module
 */

import type { IpAddress, IpSender, SendFailure, TransportProtocol } from '../stack/types.ts';
import { SeededRandom } from './random.ts';

/** The PRNG the link draws from (re-exported from random.ts for convenience). */
export { SeededRandom };

/** Impairments of one direction (or both) of a SimLink. */
export interface SimLinkOptions {
  /** One-way propagation delay (ms). Default 1. */
  delay?: number;
  /** Extra uniformly random delay in [0, jitter) ms per packet (may reorder). Default 0. */
  jitter?: number;
  /** Probability a packet is lost. Default 0. */
  loss?: number;
  /** Probability a packet is delivered twice. Default 0. */
  duplicate?: number;
  /** Probability a packet is held back by `reorderDelay`. Default 0. */
  reorder?: number;
  /** Extra delay of reordered packets (ms). Default 2 × delay + 1. */
  reorderDelay?: number;
  /** Bandwidth in bytes per ms (1 Gbit/s = 125 000). Default Infinity. */
  bandwidth?: number;
  /** Bytes queued before the bottleneck before tail drop. Default 1 MiB. */
  queueLimit?: number;
}

/** Counters of a SimLink. */
export interface SimLinkStats {
  sent: number;
  delivered: number;
  lost: number;
  queueDrops: number;
  duplicated: number;
  reordered: number;
}

interface InFlight<T> {
  at: number;
  order: number;
  dir: 0 | 1;
  item: T;
}

/** Two directions (0: A→B, 1: B→A) of impaired delivery, ordered by a min-heap on arrival time. */
export class SimLink<T> {
  readonly stats: SimLinkStats = {
    sent: 0,
    delivered: 0,
    lost: 0,
    queueDrops: 0,
    duplicated: 0,
    reordered: 0,
  };
  private readonly heap: InFlight<T>[] = [];
  private order = 0;
  private readonly busyUntil = [0, 0];
  private readonly o: Required<SimLinkOptions>;

  constructor(
    opts: SimLinkOptions,
    private readonly rng: SeededRandom,
  ) {
    const delay = opts.delay ?? 1;
    this.o = {
      delay,
      jitter: opts.jitter ?? 0,
      loss: opts.loss ?? 0,
      duplicate: opts.duplicate ?? 0,
      reorder: opts.reorder ?? 0,
      reorderDelay: opts.reorderDelay ?? 2 * delay + 1,
      bandwidth: opts.bandwidth ?? Number.POSITIVE_INFINITY,
      queueLimit: opts.queueLimit ?? 1 << 20,
    };
  }

  /** Offers `item` of `size` bytes in direction `dir` at `now`. Returns false when tail-dropped. */
  send(dir: 0 | 1, item: T, size: number, now: number): boolean {
    const o = this.o;
    this.stats.sent++;
    let depart = now;
    if (o.bandwidth < Number.POSITIVE_INFINITY) {
      const start = Math.max(now, this.busyUntil[dir]);
      if ((start - now) * o.bandwidth > o.queueLimit) {
        this.stats.queueDrops++;
        return false;
      }
      depart = start + size / o.bandwidth;
      this.busyUntil[dir] = depart;
    }
    if (o.loss > 0 && this.rng.float() < o.loss) {
      this.stats.lost++;
      return true;
    }
    this.schedule(dir, item, depart);
    if (o.duplicate > 0 && this.rng.float() < o.duplicate) {
      this.stats.duplicated++;
      this.schedule(dir, item, depart);
    }
    return true;
  }

  private schedule(dir: 0 | 1, item: T, depart: number): void {
    const o = this.o;
    let at = depart + o.delay;
    if (o.jitter > 0) at += this.rng.float() * o.jitter;
    if (o.reorder > 0 && this.rng.float() < o.reorder) {
      this.stats.reordered++;
      at += o.reorderDelay;
    }
    this.push({ at, order: this.order++, dir, item });
  }

  /** Earliest arrival time, or Infinity. */
  nextDeadline(): number {
    return this.heap.length > 0 ? this.heap[0].at : Number.POSITIVE_INFINITY;
  }

  /** Number of items in flight. */
  get inFlight(): number {
    return this.heap.length;
  }

  /** Delivers (through `cb`) every item due at `now`, in arrival order. */
  deliver(now: number, cb: (dir: 0 | 1, item: T) => void): void {
    while (this.heap.length > 0 && this.heap[0].at <= now) {
      const e = this.pop();
      this.stats.delivered++;
      cb(e.dir, e.item);
    }
  }

  private less(a: InFlight<T>, b: InFlight<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private push(e: InFlight<T>): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): InFlight<T> {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as InFlight<T>;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && this.less(h[r], h[l]) ? r : l;
        if (!this.less(h[c], h[i])) break;
        [h[i], h[c]] = [h[c], h[i]];
        i = c;
      }
    }
    return top;
  }
}

/** One IP datagram in a SimIpNetwork. */
export interface SimDatagram {
  protocol: number;
  src: IpAddress;
  dst: IpAddress;
  payload: Uint8Array;
}

/** One side of a SimIpNetwork: an `IpSender` with a single address and MTU. */
export class SimIpEndpoint implements IpSender {
  /** The transport that receives this side's datagrams (e.g. a TcpLayer). */
  transport: TransportProtocol | null = null;
  /** Optional tap: sees every datagram this side sends (for packetdrill-style tests). */
  tap: ((d: SimDatagram) => void) | null = null;
  /** Time used for sends (set by the network driver). */
  now = 0;

  constructor(
    private readonly net: SimIpNetwork,
    private readonly dir: 0 | 1,
    /** This side's address. */
    readonly address: IpAddress,
    /** Link MTU (bytes of IP datagram). Default 2800 (ZeroTier). */
    readonly mtu = 2800,
  ) {}

  /** Path MTU towards the peer (defaults to `mtu`); lower it to test PMTU handling. */
  pathMtu = 0;

  send(protocol: number, src: IpAddress, dst: IpAddress, payload: Uint8Array): true | SendFailure {
    if (this.pathMtu > 0 && payload.length + this.headerLen() > this.pathMtu) return 'too-big';
    const d: SimDatagram = { protocol, src: src.slice(), dst: dst.slice(), payload: payload.slice() };
    this.tap?.(d);
    this.net.link.send(this.dir, d, payload.length + this.headerLen(), this.now);
    return true;
  }
  sourceFor(_dst: IpAddress): IpAddress | null {
    return this.address;
  }
  maxPayload(_dst: IpAddress): number {
    return (this.pathMtu > 0 ? Math.min(this.pathMtu, this.mtu) : this.mtu) - this.headerLen();
  }
  isLocal(addr: IpAddress): boolean {
    return addr.length === this.address.length && addr.every((v, i) => v === this.address[i]);
  }
  private headerLen(): number {
    return this.address.length === 16 ? 40 : 20;
  }
}

/** Two IP endpoints joined by a SimLink, with a fake-time driver. */
export class SimIpNetwork {
  readonly rng: SeededRandom;
  readonly link: SimLink<SimDatagram>;
  readonly a: SimIpEndpoint;
  readonly b: SimIpEndpoint;
  /** Current fake time (ms). */
  now = 0;

  constructor(
    opts: SimLinkOptions & { seed?: number; addrA?: IpAddress; addrB?: IpAddress; mtu?: number } = {},
  ) {
    this.rng = new SeededRandom(opts.seed ?? 1);
    this.link = new SimLink<SimDatagram>(opts, this.rng);
    this.a = new SimIpEndpoint(this, 0, opts.addrA ?? new Uint8Array([10, 0, 0, 1]), opts.mtu);
    this.b = new SimIpEndpoint(this, 1, opts.addrB ?? new Uint8Array([10, 0, 0, 2]), opts.mtu);
  }

  /** Sets the clock of both endpoints (call before API calls made between `run`s). */
  setTime(now: number): void {
    this.now = now;
    this.a.now = now;
    this.b.now = now;
  }

  /**
   * Advances fake time event by event (deliveries and transport deadlines) until `done()` is true
   * or time would pass `until`. Returns true when `done()` became true.
   */
  run(done: () => boolean, until: number): boolean {
    const ends = [this.a, this.b];
    for (;;) {
      if (done()) return true;
      let next = this.link.nextDeadline();
      for (const e of ends) {
        const d = e.transport?.nextDeadline() ?? Number.POSITIVE_INFINITY;
        if (d < next) next = d;
      }
      if (next > until) {
        this.setTime(Math.max(this.now, Math.min(until, next)));
        return done();
      }
      this.setTime(Math.max(this.now, next));
      const now = this.now;
      this.link.deliver(now, (dir, d) => {
        const to = dir === 0 ? this.b : this.a;
        to.transport?.receive(d.src, d.dst, d.payload, now);
      });
      for (const e of ends) {
        const t = e.transport;
        if (t && t.nextDeadline() <= now) t.poll(now);
      }
    }
  }
}
