/**
 * Wires an {@link EthernetPort} to a TCP/IP stack (our src/stack `Stack`, or anything with the
 * same few methods): inbound frames go to `stack.receiveFrame(frame, now())`, and the port's
 * addresses, routes and MTU are mirrored into the stack now and on every change, and the stack's
 * multicast groups (ARP / solicited-node, §1.4) into the port's `multicastGroups`. Outbound, create
 * the stack with `onFrame: (f) => port.send(f)` (the Stack takes its sink at construction).
 *
 * ```ts
 * const port = network.port;                                  // from the joined network
 * const stack = new Stack({ mac: port.mac, mtu: port.mtu, onFrame: (f) => port.send(f) });
 * const unbind = bindStack(port, stack, () => clock.now());
 * ```
 * @module
 */

import { macFromBytes } from '../protocol/address.ts';
import type { EthernetPort, PortAddress, PortRoute } from './ethernet-port.ts';

/** The stack surface {@link bindStack} drives (src/stack/stack.ts `Stack` fits). */
export interface BindableStack {
  receiveFrame(frame: Uint8Array, now: number): void;
  addAddress(address: Uint8Array, prefixLength: number): void;
  removeAddress(address: Uint8Array): boolean;
  addRoute(prefix: Uint8Array, prefixLength: number, via?: Uint8Array): void;
  removeRoute(prefix: Uint8Array, prefixLength: number): boolean;
  /** The interface, whose `mtu` is set when the port's MTU changes (optional). */
  readonly iface?: { mtu: number };
  /** The stack's multicast groups (§1.4), mirrored into the port (optional). */
  multicastSubscriptions?(): ReadonlyArray<{ mac: Uint8Array; adi: number }>;
  /** Set by {@link bindStack} to learn when they change (optional; taken over while bound). */
  onMulticastChange?: (() => void) | null;
}

/**
 * Connects `port` and `stack` (see the module comment). Returns a function that undoes the
 * binding (detaches the receiver and stops mirroring; addresses stay in the stack).
 */
export function bindStack(port: EthernetPort, stack: BindableStack, now: () => number): () => void {
  let addrs: readonly PortAddress[] = [];
  let routes: readonly PortRoute[] = [];

  const syncAddresses = (next: readonly PortAddress[]): void => {
    const key = (a: PortAddress) => `${a.address}/${a.prefixLength}`;
    const keep = new Set(next.map(key));
    for (const a of addrs) if (!keep.has(key(a))) stack.removeAddress(a.ip);
    const had = new Set(addrs.map(key));
    for (const a of next) if (!had.has(key(a))) stack.addAddress(a.ip, a.prefixLength);
    addrs = next;
  };
  const syncRoutes = (next: readonly PortRoute[]): void => {
    const key = (r: PortRoute) => `${r.address}/${r.prefixLength}>${r.viaAddress ?? ''}`;
    const keep = new Set(next.map(key));
    for (const r of routes) if (!keep.has(key(r))) stack.removeRoute(r.target, r.prefixLength);
    const had = new Set(routes.map(key));
    for (const r of next) {
      if (had.has(key(r))) continue;
      if (r.via === null) stack.addRoute(r.target, r.prefixLength);
      else stack.addRoute(r.target, r.prefixLength, r.via);
    }
    routes = next;
  };
  const syncMtu = (mtu: number): void => {
    if (stack.iface) stack.iface.mtu = mtu;
  };

  const syncGroups = (): void => {
    if (stack.multicastSubscriptions)
      port.setMulticastGroups(
        stack.multicastSubscriptions().map((s) => ({ mac: macFromBytes(s.mac), adi: s.adi })),
      );
  };

  const detach = port.attach((frame) => stack.receiveFrame(frame, now()));
  syncMtu(port.mtu);
  syncAddresses(port.addresses);
  syncRoutes(port.routes);
  if (stack.multicastSubscriptions) {
    stack.onMulticastChange = syncGroups;
    syncGroups();
  }
  port.on('addresses', syncAddresses);
  port.on('routes', syncRoutes);
  port.on('mtu', syncMtu);
  return () => {
    detach();
    port.off('addresses', syncAddresses);
    port.off('routes', syncRoutes);
    port.off('mtu', syncMtu);
    if (stack.onMulticastChange === syncGroups) stack.onMulticastChange = null;
  };
}

/**
 * `stack` with `after()` called after every inbound frame: a frame can move the stack's deadlines
 * (delayed ACKs, retransmission timers), so whoever owns the timer wants to hear of it. Everything
 * else passes straight through (the multicast hook stays the stack's own property).
 */
export function afterEachFrame(stack: BindableStack, after: () => void): BindableStack {
  return {
    receiveFrame: (frame, t) => {
      stack.receiveFrame(frame, t);
      after();
    },
    addAddress: (a, p) => stack.addAddress(a, p),
    removeAddress: (a) => stack.removeAddress(a),
    addRoute: (p, l, via) => stack.addRoute(p, l, via),
    removeRoute: (p, l) => stack.removeRoute(p, l),
    iface: stack.iface,
    multicastSubscriptions: stack.multicastSubscriptions && (() => stack.multicastSubscriptions!()),
    get onMulticastChange() {
      return stack.onMulticastChange;
    },
    set onMulticastChange(h) {
      stack.onMulticastChange = h;
    },
  };
}
