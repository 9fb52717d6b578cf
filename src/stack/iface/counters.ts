/**
 * Per-layer counters of the stack (issue 5: "in, out, dropped by reason, readable at run time").
 * Plain mutable objects: the data path bumps integers, and readers take a {@link snapshotCounters} copy.
 * @module
 */

/** In/out/dropped counters of one layer. Drop reasons are the short stable strings of the decoders. */
export class LayerCounters {
  /** Packets accepted by this layer. */
  in = 0;
  /** Packets sent by this layer. */
  out = 0;
  /** Packets dropped, by reason. */
  readonly dropped: Record<string, number> = {};

  /** Counts one drop for `reason`. */
  drop(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  /** Total drops over every reason. */
  get droppedTotal(): number {
    let n = 0;
    for (const k in this.dropped) n += this.dropped[k];
    return n;
  }
}

/** The counters of every layer the interface and UDP own (TCP keeps its own). */
export interface StackCounters {
  readonly ethernet: LayerCounters;
  readonly arp: LayerCounters;
  readonly ipv4: LayerCounters;
  readonly ipv6: LayerCounters;
  readonly icmpv4: LayerCounters;
  readonly icmpv6: LayerCounters;
  readonly ndp: LayerCounters;
  readonly udp: LayerCounters;
  /** Reassembly: `in` = fragments accepted, `out` = datagrams completed. */
  readonly reassembly: LayerCounters;
  /** Fragmentation on send: `in` = datagrams that needed it, `out` = fragments sent. */
  readonly fragmentation: LayerCounters;
  /** Datagrams delivered to our own addresses without touching the link. */
  readonly loopback: LayerCounters;
}

/** A fresh set of zeroed counters. */
export function newStackCounters(): StackCounters {
  return {
    ethernet: new LayerCounters(),
    arp: new LayerCounters(),
    ipv4: new LayerCounters(),
    ipv6: new LayerCounters(),
    icmpv4: new LayerCounters(),
    icmpv6: new LayerCounters(),
    ndp: new LayerCounters(),
    udp: new LayerCounters(),
    reassembly: new LayerCounters(),
    fragmentation: new LayerCounters(),
    loopback: new LayerCounters(),
  };
}

/** A plain-data deep copy: `{ layer: { in, out, dropped: { reason: n } } }`. */
export function snapshotCounters(
  c: StackCounters,
): Record<string, { in: number; out: number; dropped: Record<string, number> }> {
  const out: Record<string, { in: number; out: number; dropped: Record<string, number> }> = {};
  for (const [k, v] of Object.entries(c) as [string, LayerCounters][])
    out[k] = { in: v.in, out: v.out, dropped: { ...v.dropped } };
  return out;
}
