/**
 * The virtual Ethernet port of one joined network (architecture.md, "link/"): the object through
 * which a TCP/IP stack — ours, or a user's own code that wants raw layer-2 frames — sends and
 * receives Ethernet frames on a ZeroTier network.
 *
 * A thin, typed adapter with no protocol logic of its own:
 * - outbound: {@link EthernetPort.send} hands a frame to the network's send function (VL2:
 *   rules, multicast, FRAME/EXT_FRAME — wired by the network, see {@link EthernetPort.setSender});
 * - inbound: the network calls {@link EthernetPort.deliver}; the frame goes to the attached
 *   receiver (a stack, {@link EthernetPort.attach}) and to `'frame'` listeners;
 * - state: MAC (§1.3), MTU, name, status, assigned addresses and managed routes (§8.2), with an
 *   event whenever one changes (`'addresses'`, `'routes'`, `'mtu'`, `'name'`, `'status'`);
 * - counters of frames and bytes in and out, and of drops by reason; a `'transmit'` event per
 *   frame sent, so `'frame'` + `'transmit'` listeners make a two-way frame log or tap.
 *
 * Using it alone, for raw frames (what libzt users asked for as "layer-2 access"):
 * ```ts
 * // Normally the node creates the port when it joins a network; standalone (tests, custom
 * // transports) you give it the network id, our MAC and where outgoing frames go:
 * const port = new EthernetPort({ networkId: 0x8056c2e21c000001n, mac: 0x022d1d3acfb0, send: toNetwork });
 * port.on('frame', (frame) => {
 *   // frame = dst MAC[6] | src MAC[6] | ethertype[2] | payload, no FCS; valid only during the call
 *   console.log('from', frame.subarray(6, 12), 'type', (frame[12] << 8) | frame[13]);
 * });
 * port.on('addresses', (addrs) => console.log(addrs.map((a) => `${a.address}/${a.prefixLength}`)));
 * port.send(myFrame); // src MAC should be port.mac unless the network made us an active bridge (§9.10)
 * ```
 * @module
 */

import { EventEmitter } from 'node:events';
import {
  compareMulticastGroups,
  formatMac,
  formatNetworkId,
  type MulticastGroup,
  macFromBytes,
  macToBytes,
} from '../protocol/address.ts';
import type { InetAddress } from '../protocol/inet-address.ts';
import { DEFAULT_MTU } from '../protocol/netconf.ts';
import { formatIp } from '../stack/wire/ip-address.ts';

/** Length of the Ethernet II header (no FCS on virtual links). */
export const ETHERNET_HEADER_LENGTH = 14;

/** Status of the network behind the port (issue 4 statuses, plus the port's own `'CLOSED'`). */
export type NetworkStatus =
  | 'REQUESTING_CONFIGURATION'
  | 'OK'
  | 'ACCESS_DENIED'
  | 'NOT_FOUND'
  | 'CLIENT_TOO_OLD'
  | 'AUTHENTICATION_REQUIRED'
  | 'PORT_ERROR'
  | 'CLOSED';

/** An address assigned to this port (a netconf static IP, §8.2 `I`). */
export interface PortAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly ip: Uint8Array;
  /** Prefix length (the netconf InetAddress "port"). */
  readonly prefixLength: number;
  /** Text form of `ip` (`10.147.17.12`, `fd80:56c2:…`). */
  readonly address: string;
}

/** A managed route (§8.2 `RT`): `target/prefixLength` directly on the network, or via a gateway. */
export interface PortRoute {
  readonly family: 4 | 6;
  readonly target: Uint8Array;
  readonly prefixLength: number;
  /** Text form of the target network. */
  readonly address: string;
  /** Gateway (null = on-link). */
  readonly via: Uint8Array | null;
  /** Text form of `via`, or null. */
  readonly viaAddress: string | null;
  readonly flags: number;
  readonly metric: number;
}

/** Why the port dropped a frame (keys of {@link PortCounters.drops}). */
export type PortDropReason = 'closed' | 'runt' | 'too-big' | 'no-sender' | 'refused' | 'no-receiver';

/** Frame counters (live object). */
export interface PortCounters {
  /** Frames delivered inbound (to the receiver and/or listeners). */
  rxFrames: number;
  rxBytes: number;
  /** Frames handed to the network outbound. */
  txFrames: number;
  txBytes: number;
  /** Inbound frames dropped. */
  rxDropped: number;
  /** Outbound frames dropped. */
  txDropped: number;
  /** Drops by reason. */
  drops: Partial<Record<PortDropReason, number>>;
}

/** Where outbound frames go. Returning exactly `false` means the network refused the frame (counted as dropped); anything else is success. */
export type FrameSender = (frame: Uint8Array) => unknown;

/** Receives inbound frames (the frame is valid only during the call). */
export type FrameReceiver = (frame: Uint8Array) => void;

/** Events of an {@link EthernetPort}. */
export interface EthernetPortEvents {
  /** An inbound frame (valid only during the call: copy it to keep it). */
  frame: [frame: Uint8Array];
  /** An outbound frame the network accepted (for taps and frame logs; valid only during the call). */
  transmit: [frame: Uint8Array];
  addresses: [addresses: readonly PortAddress[]];
  routes: [routes: readonly PortRoute[]];
  mtu: [mtu: number];
  name: [name: string];
  status: [status: NetworkStatus];
  /** The host side's multicast groups changed (the network announces new ones with MULTICAST_LIKE, §9.7). */
  multicast: [change: MulticastChange];
  close: [];
}

/** A change of {@link EthernetPort.multicastGroups}. */
export interface MulticastChange {
  /** All groups now (sorted by MAC, then ADI). */
  readonly groups: readonly MulticastGroup[];
  /** Groups that were not there before. */
  readonly added: readonly MulticastGroup[];
  /** Groups no longer there. */
  readonly removed: readonly MulticastGroup[];
}

/** Options of an {@link EthernetPort}. */
export interface EthernetPortOptions {
  /** The network (64-bit id). */
  networkId: bigint;
  /** Our MAC on it (§1.3: derived from our address and the network id), as a 48-bit number or 6 bytes. */
  mac: number | Uint8Array;
  /** L2 MTU: largest Ethernet payload (default 2800, §8.2). */
  mtu?: number;
  /** Network name. */
  name?: string;
  /** Initial status (default `'REQUESTING_CONFIGURATION'`). */
  status?: NetworkStatus;
  /** Outbound sink; may also be set later with {@link EthernetPort.setSender}. */
  send?: FrameSender;
}

/** What {@link EthernetPort.update} can change. */
export interface PortUpdate {
  name?: string;
  mtu?: number;
  status?: NetworkStatus;
  /** Assigned addresses as netconf InetAddresses (port = prefix bits). */
  addresses?: readonly InetAddress[];
  /** Managed routes as in the netconf (`target.port` = prefix bits, `via` null = on-link). */
  routes?: ReadonlyArray<{ target: InetAddress; via: InetAddress | null; flags?: number; metric?: number }>;
}

/** A config-like object {@link EthernetPort.applyConfig} reads (a `NetworkConfig` fits). */
export interface PortConfigSource {
  readonly name: string;
  readonly mtu: number;
  readonly staticIps: readonly InetAddress[];
  readonly routes: ReadonlyArray<{
    target: InetAddress;
    via: InetAddress | null;
    flags: number;
    metric: number;
  }>;
}

/** See the module documentation. */
export class EthernetPort extends EventEmitter<EthernetPortEvents> {
  /** The network id. */
  readonly networkId: bigint;
  /** Our MAC as 6 bytes (do not modify). */
  readonly mac: Uint8Array;
  /** Our MAC as a 48-bit number. */
  readonly macNumber: number;
  /** Counters (live). */
  readonly counters: PortCounters = {
    rxFrames: 0,
    rxBytes: 0,
    txFrames: 0,
    txBytes: 0,
    rxDropped: 0,
    txDropped: 0,
    drops: {},
  };
  private _mtu: number;
  private _name: string;
  private _status: NetworkStatus;
  private _addresses: readonly PortAddress[] = [];
  private _routes: readonly PortRoute[] = [];
  private _groups: readonly MulticastGroup[] = [];
  private sender: FrameSender | null;
  private receiver: FrameReceiver | null = null;
  private scratch = new Uint8Array(1514);
  /** True while a frame assembled in `scratch` is being delivered (a nested delivery must not reuse it). */
  private scratchBusy = false;

  constructor(opts: EthernetPortOptions) {
    super();
    if (typeof opts.networkId !== 'bigint' || opts.networkId < 0n || opts.networkId > 0xffffffffffffffffn)
      throw new TypeError('EthernetPort: networkId must be a 64-bit bigint');
    this.networkId = opts.networkId;
    if (typeof opts.mac === 'number') {
      if (!Number.isInteger(opts.mac) || opts.mac < 0 || opts.mac > 0xffffffffffff)
        throw new RangeError('EthernetPort: mac must be a 48-bit integer');
      this.macNumber = opts.mac;
      this.mac = macToBytes(opts.mac);
    } else {
      if (!(opts.mac instanceof Uint8Array) || opts.mac.length !== 6)
        throw new TypeError('EthernetPort: mac must be 6 bytes');
      this.mac = Uint8Array.from(opts.mac);
      this.macNumber = macFromBytes(this.mac);
    }
    this._mtu = checkMtu(opts.mtu ?? DEFAULT_MTU);
    this._name = opts.name ?? '';
    this._status = opts.status ?? 'REQUESTING_CONFIGURATION';
    this.sender = opts.send ?? null;
  }

  /** The network id as 16 hex digits. */
  get id(): string {
    return formatNetworkId(this.networkId);
  }
  /** MAC as text (`02:2d:1d:3a:cf:b0`). */
  get macAddress(): string {
    return formatMac(this.macNumber);
  }
  /** L2 MTU: the largest Ethernet payload a frame may carry. */
  get mtu(): number {
    return this._mtu;
  }
  /** Network name from the config (empty until known). */
  get name(): string {
    return this._name;
  }
  /** Network status. */
  get status(): NetworkStatus {
    return this._status;
  }
  /** Assigned addresses. */
  get addresses(): readonly PortAddress[] {
    return this._addresses;
  }
  /** Managed routes. */
  get routes(): readonly PortRoute[] {
    return this._routes;
  }
  /**
   * Multicast groups (MAC, ADI) the host side wants to receive (§1.4): for a stack, the ARP group
   * of each IPv4 address and the solicited-node group of each IPv6 address (set by `bindStack`);
   * for a raw user, whatever it {@link subscribe}s to.
   */
  get multicastGroups(): readonly MulticastGroup[] {
    return this._groups;
  }
  /** True once {@link close} was called. */
  get closed(): boolean {
    return this._status === 'CLOSED';
  }

  /** Sets (or clears, with null) where outbound frames go — the network's VL2 send path. */
  setSender(send: FrameSender | null): void {
    this.sender = send;
  }

  /**
   * Attaches the receiver of inbound frames (normally a stack: `(f) => stack.receiveFrame(f, now())`).
   * One at a time (TypeError otherwise); returns a function that detaches it. `'frame'` listeners
   * see frames as well.
   */
  attach(receiver: FrameReceiver): () => void {
    if (typeof receiver !== 'function')
      throw new TypeError('EthernetPort.attach: receiver must be a function');
    if (this.receiver !== null) throw new TypeError('EthernetPort.attach: a receiver is already attached');
    this.receiver = receiver;
    return () => {
      if (this.receiver === receiver) this.receiver = null;
    };
  }

  /**
   * Sends a frame out to the network (dst MAC, src MAC, ethertype, payload; no FCS). Returns false
   * (and counts the drop) when the port is closed, the frame is shorter than a header or its
   * payload exceeds the MTU, no sender is set, or the sender refused it.
   */
  send(frame: Uint8Array): boolean {
    let why: PortDropReason | null = null;
    if (this._status === 'CLOSED') why = 'closed';
    else if (frame.length < ETHERNET_HEADER_LENGTH) why = 'runt';
    else if (frame.length - ETHERNET_HEADER_LENGTH > this._mtu) why = 'too-big';
    else if (this.sender === null) why = 'no-sender';
    else if (this.sender(frame) === false) why = 'refused';
    if (why !== null) {
      this.counters.txDropped++;
      this.counters.drops[why] = (this.counters.drops[why] ?? 0) + 1;
      return false;
    }
    this.counters.txFrames++;
    this.counters.txBytes += frame.length;
    this.emit('transmit', frame);
    return true;
  }

  /**
   * Delivers a frame received from the network to the receiver and `'frame'` listeners. Returns
   * false (and counts the drop) when closed, shorter than a header, or nobody is listening.
   */
  deliver(frame: Uint8Array): boolean {
    let why: PortDropReason | null = null;
    if (this._status === 'CLOSED') why = 'closed';
    else if (frame.length < ETHERNET_HEADER_LENGTH) why = 'runt';
    else if (this.receiver === null && this.listenerCount('frame') === 0) why = 'no-receiver';
    if (why !== null) {
      this.counters.rxDropped++;
      this.counters.drops[why] = (this.counters.drops[why] ?? 0) + 1;
      return false;
    }
    this.counters.rxFrames++;
    this.counters.rxBytes += frame.length;
    if (this.receiver !== null) this.receiver(frame);
    this.emit('frame', frame);
    return true;
  }

  /**
   * Delivers a frame given as its parts — what FRAME / EXT_FRAME / MULTICAST_FRAME carry (§6.7,
   * §6.8, §6.15) — assembled in a buffer the port reuses (so receivers must not keep it, as for
   * {@link deliver}). MACs are 48-bit numbers.
   *
   * This is VL2's per-frame receive path: no allocation per frame. A delivery that re-enters the
   * port (the receiver sends, and an in-process peer answers synchronously) gets a fresh buffer, so
   * the frame the outer receiver is still reading is never overwritten.
   */
  deliverParts(dstMac: number, srcMac: number, etherType: number, payload: Uint8Array): boolean {
    const len = ETHERNET_HEADER_LENGTH + payload.length;
    const nested = this.scratchBusy;
    if (!nested && this.scratch.length < len)
      this.scratch = new Uint8Array(Math.max(len, 2 * this.scratch.length));
    const f = nested ? new Uint8Array(len) : this.scratch.subarray(0, len);
    macToBytes(dstMac, f, 0);
    macToBytes(srcMac, f, 6);
    f[12] = (etherType >>> 8) & 0xff;
    f[13] = etherType & 0xff;
    f.set(payload, ETHERNET_HEADER_LENGTH);
    if (nested) return this.deliver(f);
    this.scratchBusy = true;
    try {
      return this.deliver(f);
    } finally {
      this.scratchBusy = false;
    }
  }

  /** Changes state; emits one event per property that actually changed. */
  update(u: PortUpdate): void {
    if (this._status === 'CLOSED') return;
    if (u.name !== undefined && u.name !== this._name) {
      this._name = u.name;
      this.emit('name', u.name);
    }
    if (u.mtu !== undefined && u.mtu !== this._mtu) {
      this._mtu = checkMtu(u.mtu);
      this.emit('mtu', this._mtu);
    }
    if (u.addresses !== undefined) {
      const next = u.addresses.map(toPortAddress);
      if (!sameList(next, this._addresses, addressKey)) {
        this._addresses = Object.freeze(next);
        this.emit('addresses', this._addresses);
      }
    }
    if (u.routes !== undefined) {
      const next = u.routes.map(toPortRoute);
      if (!sameList(next, this._routes, routeKey)) {
        this._routes = Object.freeze(next);
        this.emit('routes', this._routes);
      }
    }
    if (u.status !== undefined && u.status !== this._status) {
      if (u.status === 'CLOSED') throw new TypeError('EthernetPort.update: use close()');
      this._status = u.status;
      this.emit('status', u.status);
    }
  }

  /**
   * Replaces the multicast groups; emits `'multicast'` with what was added and removed if anything
   * changed. Duplicates are dropped; the list is kept sorted (MAC, then ADI).
   */
  setMulticastGroups(groups: readonly MulticastGroup[]): void {
    if (this._status === 'CLOSED') return;
    const next: MulticastGroup[] = [];
    for (const g of groups) {
      if (
        !Number.isInteger(g.mac) ||
        g.mac < 0 ||
        g.mac > 0xffffffffffff ||
        !Number.isInteger(g.adi) ||
        g.adi < 0 ||
        g.adi > 0xffffffff
      )
        throw new RangeError('EthernetPort: bad multicast group');
      next.push(Object.freeze({ mac: g.mac, adi: g.adi }));
    }
    next.sort(compareMulticastGroups);
    const uniq = next.filter((g, i) => i === 0 || compareMulticastGroups(next[i - 1], g) !== 0);
    const added = uniq.filter((g) => !containsGroup(this._groups, g));
    const removed = this._groups.filter((g) => !containsGroup(uniq, g));
    if (added.length === 0 && removed.length === 0) return;
    this._groups = Object.freeze(uniq);
    this.emit('multicast', { groups: this._groups, added, removed });
  }

  /** Adds one multicast group (raw-frame users: e.g. `{ mac: 0x01005e000001, adi: 0 }`). */
  subscribe(group: MulticastGroup): void {
    this.setMulticastGroups([...this._groups, group]);
  }

  /** Removes one multicast group. */
  unsubscribe(group: MulticastGroup): void {
    this.setMulticastGroups(this._groups.filter((g) => compareMulticastGroups(g, group) !== 0));
  }

  /** Takes name, MTU, addresses (`I`) and routes (`RT`) from a network config (§8.2). */
  applyConfig(c: PortConfigSource): void {
    this.update({ name: c.name, mtu: c.mtu, addresses: c.staticIps, routes: c.routes });
  }

  /** Closes the port: frames are dropped from now on; emits `'status'` (`'CLOSED'`) and `'close'`. */
  close(): void {
    if (this._status === 'CLOSED') return;
    this._status = 'CLOSED';
    this.sender = null;
    this.receiver = null;
    this.emit('status', 'CLOSED');
    this.emit('close');
  }
}

function checkMtu(mtu: number): number {
  if (!Number.isInteger(mtu) || mtu < 576 || mtu > 65535)
    throw new RangeError('EthernetPort: mtu must be an integer in 576..65535');
  return mtu;
}

function toPortAddress(a: InetAddress): PortAddress {
  checkInet(a);
  const ip = Uint8Array.from(a.ip);
  return Object.freeze({ family: a.family, ip, prefixLength: a.port, address: formatIp(ip) });
}

function toPortRoute(r: {
  target: InetAddress;
  via: InetAddress | null;
  flags?: number;
  metric?: number;
}): PortRoute {
  checkInet(r.target);
  if (r.via !== null) checkInet(r.via);
  const target = Uint8Array.from(r.target.ip);
  const via = r.via === null ? null : Uint8Array.from(r.via.ip);
  return Object.freeze({
    family: r.target.family,
    target,
    prefixLength: r.target.port,
    address: formatIp(target),
    via,
    viaAddress: via === null ? null : formatIp(via),
    flags: r.flags ?? 0,
    metric: r.metric ?? 0,
  });
}

function checkInet(a: InetAddress): void {
  const max = a.family === 4 ? 32 : 128;
  if ((a.family !== 4 && a.family !== 6) || a.ip.length !== (a.family === 4 ? 4 : 16))
    throw new TypeError('EthernetPort: bad address');
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > max)
    throw new RangeError('EthernetPort: prefix length out of range');
}

function addressKey(a: PortAddress): string {
  return `${a.address}/${a.prefixLength}`;
}

function routeKey(r: PortRoute): string {
  return `${r.address}/${r.prefixLength}>${r.viaAddress ?? ''}#${r.flags}#${r.metric}`;
}

function containsGroup(list: readonly MulticastGroup[], g: MulticastGroup): boolean {
  for (const x of list) if (x.mac === g.mac && x.adi === g.adi) return true;
  return false;
}

function sameList<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (key(a[i]) !== key(b[i])) return false;
  return true;
}
