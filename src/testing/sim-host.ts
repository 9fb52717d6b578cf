/**
 * The machines of the in-memory UDP network: {@link SimHost} (addresses, sockets, access-link
 * conditions, firewall), its sockets ({@link SimUdpSocket}, a {@link UdpBinding}) and
 * {@link SimNat} (a NAT device with its LAN). Routing and delivery live in `udp-network.ts`;
 * create these through `UdpNetwork.addHost` / `addNat`.
 * @module
 */

import { familyOf, formatEndpoint, type IpFamily, isLoopback, requireIp } from './ip.ts';
import { BandwidthQueue, type LinkConditions, validateConditions } from './link-conditions.ts';
import { type FirewallOptions, type NatBehaviour, NatTable, type NatType, StatefulFirewall } from './nat.ts';
import type { SeededRandom } from './random.ts';
import type {
  UdpAddress,
  UdpBinding,
  UdpBindOptions,
  UdpMessageHandler,
  UdpSendOptions,
  UdpStack,
} from './udp-binding.ts';
import type { UdpNetwork } from './udp-network.ts';

/** Per-host counters. */
export interface HostStats {
  sent: number;
  received: number;
  bytesSent: number;
  bytesReceived: number;
}

/** Options of {@link UdpNetwork.addHost}. */
export interface HostOptions {
  /** The host's IPv4/IPv6 addresses (at least one). */
  addresses: readonly string[];
  /** The NAT this host sits behind, if any. */
  behind?: SimNat;
  /** Access-link conditions (apply to everything the host sends and receives). */
  conditions?: LinkConditions;
  /**
   * A stateful firewall on the host: datagrams from outside its LAN get in only from remotes the
   * receiving port sent to recently (see `StatefulFirewall`). Typical of IPv6 homes.
   */
  firewall?: FirewallOptions;
}

/** Options of {@link UdpNetwork.addNat}. */
export interface NatOptions extends NatBehaviour {
  /**
   * The NAT's outside address; its family is the family it translates. Public, or — with
   * `behind` — an address in the outer NAT's LAN.
   */
  publicIp: string;
  /** An outer NAT this one sits behind (double NAT, e.g. a home router behind carrier-grade NAT). */
  behind?: SimNat;
  /** Let inside hosts reach each other through the public address (default false). */
  hairpin?: boolean;
  /** Core conditions between hosts of this NAT's LAN (default: perfect). */
  lanConditions?: LinkConditions;
}

/** A NAT device in front of one or more hosts. */
export class SimNat {
  /** Outside address (canonical): public, or in the outer NAT's LAN when behind one. */
  readonly publicIp: string;
  /** Family it translates. */
  readonly family: IpFamily;
  /** The translation table (inspect `table.mappings(now)` in tests; `table.clear()` reboots). */
  readonly table: NatTable;
  /** Whether inside hosts can reach each other through the public address. */
  hairpin: boolean;
  /** @internal LAN address → host, or inner NAT by its outside address. */
  readonly lan = new Map<string, SimHost | SimNat>();
  /** The NAT this one sits behind, if any. */
  readonly outer: SimNat | undefined;
  private lanCond: Readonly<LinkConditions> | undefined;

  /** @internal Use {@link UdpNetwork.addNat}. */
  constructor(
    readonly name: string,
    opts: NatOptions,
    random: SeededRandom,
  ) {
    this.publicIp = requireIp(opts.publicIp, 'addNat publicIp');
    this.family = familyOf(this.publicIp);
    this.outer = opts.behind;
    if (this.outer && this.outer.family !== this.family)
      throw new TypeError('addNat: a NAT behind another must translate the same family');
    this.table = new NatTable(opts, random);
    this.hairpin = opts.hairpin ?? false;
    this.lanCond = opts.lanConditions ? validateConditions(opts.lanConditions) : undefined;
  }

  /**
   * The host a datagram to outside `port` is headed for, as far as can be told when it is sent
   * (its conditions and cuts apply in flight): the host of the live mapping, else the only host
   * of the LAN, else unknown (the datagram then crosses the network defaults). Looks through
   * inner NATs. Whether it is let in is decided on arrival.
   */
  likelyHost(port: number | undefined, now: number): SimHost | undefined {
    let e: SimHost | SimNat | undefined;
    let next: number | undefined;
    const inside = port === undefined ? undefined : this.table.peek(port, now);
    if (inside) {
      e = this.lan.get(inside.ip);
      next = inside.port;
    } else {
      for (const x of this.lan.values()) {
        if (e && x !== e) return undefined;
        e = x;
      }
    }
    return e instanceof SimNat ? e.likelyHost(next, now) : e;
  }

  /** The address the internet sees this NAT's traffic from (the outermost NAT's). */
  get internetIp(): string {
    return this.outer ? this.outer.internetIp : this.publicIp;
  }

  /**
   * Forwards public `port` to `inside` (an address of a host on this NAT's LAN), as UPnP /
   * NAT-PMP would; see `NatTable.forward`. Undo with {@link SimNat.unforward}.
   */
  forward(port: number, inside: UdpAddress, now: number): void {
    const ip = requireIp(inside.ip, 'forward');
    if (!this.lan.has(ip)) throw new RangeError(`forward: ${ip} is not on the LAN of NAT "${this.name}"`);
    this.table.forward(port, { ip, port: inside.port }, now);
  }

  /** Removes a port forward. */
  unforward(port: number): void {
    this.table.unforward(port);
  }

  /** Forgets every dynamic mapping, as a NAT reboot does (port forwards stay). */
  reboot(): void {
    this.table.clear();
  }

  /** NAT behaviour type. */
  get type(): NatType {
    return this.table.type;
  }

  /** Core conditions inside the LAN. */
  get lanConditions(): Readonly<LinkConditions> | undefined {
    return this.lanCond;
  }
  set lanConditions(c: LinkConditions | undefined) {
    this.lanCond = c ? validateConditions(c) : undefined;
  }
}

/** A bound socket of a simulated host. */
export class SimUdpSocket implements UdpBinding {
  /** @inheritdoc */
  onMessage: UdpMessageHandler | undefined;
  private isClosed = false;

  /** @internal Use {@link SimHost.bind}. */
  constructor(
    /** The host this socket belongs to. */
    readonly host: SimHost,
    /** @inheritdoc */
    readonly localAddress: UdpAddress,
  ) {}

  /** @inheritdoc */
  get closed(): boolean {
    return this.isClosed;
  }

  /** @inheritdoc */
  send(data: Uint8Array, to: UdpAddress, options?: UdpSendOptions): void {
    if (this.isClosed) {
      throw Object.assign(new Error('Not running'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
    }
    if (!(data instanceof Uint8Array)) throw new TypeError('send: data must be a Uint8Array');
    if (data.length > 65507) throw new RangeError(`send: datagram of ${data.length} bytes exceeds 65507`);
    if (!to || typeof to !== 'object') throw new TypeError('send: to must be { ip, port }');
    const ip = requireIp(to.ip, 'send');
    if (!Number.isInteger(to.port) || to.port < 1 || to.port > 65535)
      throw new RangeError(`send: port must be an integer in [1, 65535], got ${to.port}`);
    const ttl = options?.ttl ?? 64;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw new RangeError('send: ttl must be in [1, 255]');
    this.host.network._transmit(this, data, { ip, port: to.port }, ttl);
  }

  /** @inheritdoc */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.host._unbind(this);
  }
}

/** A simulated machine: addresses, sockets, access-link conditions, counters. */
export class SimHost implements UdpStack {
  private addrs: readonly string[];
  private natRef: SimNat | undefined;
  /** Counters. */
  readonly stats: HostStats = { sent: 0, received: 0, bytesSent: 0, bytesReceived: 0 };
  private cond: Readonly<LinkConditions> | undefined;
  /** @internal */
  _fw: StatefulFirewall | undefined;
  private readonly ports = new Map<number, SimUdpSocket[]>();
  private readonly rng: SeededRandom;
  /** @internal Uplink/downlink bandwidth queues. */
  readonly _up = new BandwidthQueue();
  /** @internal */
  readonly _down = new BandwidthQueue();

  /** @internal Use {@link UdpNetwork.addHost}. */
  constructor(
    /** The network it is attached to. */
    readonly network: UdpNetwork,
    /** Unique name (used in traces and for cut/setLink). */
    readonly name: string,
    addresses: readonly string[],
    nat: SimNat | undefined,
    conditions: LinkConditions | undefined,
    random: SeededRandom,
  ) {
    this.addrs = addresses;
    this.natRef = nat;
    this.cond = conditions ? validateConditions(conditions) : undefined;
    this.rng = random;
  }

  /** Canonical addresses, as given (changed by {@link UdpNetwork.moveHost}). */
  get addresses(): readonly string[] {
    return this.addrs;
  }

  /** The NAT in front of it, if any (changed by {@link UdpNetwork.moveHost}). */
  get nat(): SimNat | undefined {
    return this.natRef;
  }

  /** @internal */
  _place(addresses: readonly string[], nat: SimNat | undefined): void {
    this.addrs = addresses;
    this.natRef = nat;
  }

  /** The host's firewall settings (settable at run time; `undefined` = none; setting resets its state). */
  get firewall(): FirewallOptions | undefined {
    return this._fw ? { type: this._fw.type, timeoutMs: this._fw.timeoutMs } : undefined;
  }
  set firewall(f: FirewallOptions | undefined) {
    this._fw = f ? new StatefulFirewall(f) : undefined;
  }

  /** Access-link conditions (settable at run time; `undefined` = perfect). */
  get conditions(): Readonly<LinkConditions> | undefined {
    return this.cond;
  }
  set conditions(c: LinkConditions | undefined) {
    this.cond = c ? validateConditions(c) : undefined;
  }

  /** True if `ip` (canonical) is one of this host's addresses. */
  hasAddress(ip: string): boolean {
    return this.addresses.includes(ip);
  }

  /** True if `ip` is a LAN address behind this host's NAT (rather than a public one). */
  isLanAddress(ip: string): boolean {
    return this.nat !== undefined && familyOf(ip) === this.nat.family && this.hasAddress(ip);
  }

  /**
   * The address the rest of the network reaches this host at for `family`: its (outermost) NAT's
   * public IP for the NAT's family, else its own first address of that family.
   */
  publicIp(family: IpFamily = 4): string | undefined {
    if (this.nat && this.nat.family === family) return this.nat.internetIp;
    return this.addresses.find((a) => familyOf(a) === family);
  }

  /**
   * Binds a socket. `port` 0 picks a free ephemeral port (49152–65535) from the seeded stream.
   * Throws an Error with `code` `EADDRINUSE` or `EADDRNOTAVAIL` like Node's `bind`.
   */
  bind(options: UdpBindOptions | number = {}): SimUdpSocket {
    const opts = typeof options === 'number' ? { port: options } : options;
    const port = opts.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new RangeError(`bind: port must be an integer in [0, 65535], got ${port}`);
    const ip = opts.address === undefined ? '::' : requireIp(opts.address, 'bind');
    if (ip !== '::' && ip !== '0.0.0.0' && !isLoopback(ip) && !this.hasAddress(ip)) {
      throw Object.assign(new Error(`bind EADDRNOTAVAIL ${ip}:${port}`), {
        code: 'EADDRNOTAVAIL',
        syscall: 'bind',
        address: ip,
        port,
      });
    }
    let p = port;
    if (p === 0) {
      p = this.ephemeral(ip);
    } else if (this.conflicts(ip, p)) {
      throw Object.assign(new Error(`bind EADDRINUSE ${formatEndpoint(ip, p)}`), {
        code: 'EADDRINUSE',
        syscall: 'bind',
        address: ip,
        port: p,
      });
    }
    const s = new SimUdpSocket(this, { ip, port: p });
    const list = this.ports.get(p);
    if (list) list.push(s);
    else this.ports.set(p, [s]);
    return s;
  }

  /** Open sockets, in bind order per port. */
  sockets(): SimUdpSocket[] {
    return [...this.ports.values()].flat();
  }

  /** @internal The socket that receives a datagram addressed to `ip:port` (specific bind first). */
  _socketFor(ip: string, port: number): SimUdpSocket | undefined {
    const list = this.ports.get(port);
    if (!list) return undefined;
    let wild: SimUdpSocket | undefined;
    for (const s of list) {
      const b = s.localAddress.ip;
      if (b === ip) return s;
      if (!wild && (b === '::' || (b === '0.0.0.0' && familyOf(ip) === 4))) wild = s;
    }
    return wild;
  }

  /** @internal */
  _unbind(s: SimUdpSocket): void {
    const list = this.ports.get(s.localAddress.port);
    if (!list) return;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.ports.delete(s.localAddress.port);
  }

  /** @internal Picks the source address for a datagram from `s` to `dst` (undefined: no route). */
  _sourceIp(s: SimUdpSocket, dst: string): string | undefined {
    const fam = familyOf(dst);
    const b = s.localAddress.ip;
    if (b !== '::' && b !== '0.0.0.0') {
      if (familyOf(b) !== fam || isLoopback(b) !== isLoopback(dst)) return undefined;
      return isLoopback(b) || this.hasAddress(b) ? b : undefined; // the address may have moved away
    }
    if (b === '0.0.0.0' && fam === 6) return undefined;
    if (isLoopback(dst)) return fam === 4 ? '127.0.0.1' : '::1';
    return this.addresses.find((a) => familyOf(a) === fam);
  }

  private conflicts(ip: string, port: number): boolean {
    const list = this.ports.get(port);
    if (!list) return false;
    for (const s of list) {
      const b = s.localAddress.ip;
      if (b === ip || b === '::' || ip === '::') return true;
      if (b === '0.0.0.0' && familyOf(ip) === 4) return true;
      if (ip === '0.0.0.0' && familyOf(b) === 4) return true;
    }
    return false;
  }

  private ephemeral(ip: string): number {
    for (let i = 0; i < 64; i++) {
      const p = this.rng.int(49152, 65535);
      if (!this.conflicts(ip, p)) return p;
    }
    for (let p = 49152; p <= 65535; p++) if (!this.conflicts(ip, p)) return p;
    throw Object.assign(new Error('bind EADDRINUSE: no free ephemeral port'), { code: 'EADDRINUSE' });
  }
}
