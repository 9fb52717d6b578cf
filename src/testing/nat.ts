/**
 * The translation table of a simulated NAT, in the terms of RFC 4787 (NAT behavioural
 * requirements for UDP):
 *
 * | type                 | mapping (§4.1)                  | filtering (§5)                   |
 * |----------------------|---------------------------------|----------------------------------|
 * | `full-cone`          | endpoint-independent            | endpoint-independent             |
 * | `address-restricted` | endpoint-independent            | address-dependent                |
 * | `port-restricted`    | endpoint-independent            | address-and-port-dependent       |
 * | `symmetric`          | address-and-port-dependent      | address-and-port-dependent       |
 *
 * Mappings expire `mappingTimeoutMs` after the last outbound datagram (RFC 4787 §4.3; inbound
 * refresh is optional there and off by default here). A restricted NAT admits a remote only if
 * the inside host sent to it (address, or address+port) within the same timeout. Expiry is
 * evaluated lazily from the `now` passed in, so the table needs no timers and stays sans-I/O.
 *
 * This is what ZeroTier's hole punching (RENDEZVOUS, protocol.md §6.6, §9.4) is up against: two
 * endpoint-independent-mapping NATs can always be punched; symmetric against port-restricted or
 * symmetric cannot.
 *
 * Also here: static port forwards on a NAT (UPnP / NAT-PMP), and {@link StatefulFirewall}, the
 * filtering half without translation (IPv6 home gateways).
 * @module
 */

import type { SeededRandom } from './random.ts';
import type { UdpAddress } from './udp-binding.ts';

/** NAT behaviour (see the module table). */
export type NatType = 'full-cone' | 'address-restricted' | 'port-restricted' | 'symmetric';

/** How a NAT picks the public port of a new mapping (RFC 4787 §4.2). */
export type PortAllocation = 'preserve' | 'sequential' | 'random';

/** Behaviour options of a NAT table. */
export interface NatBehaviour {
  type: NatType;
  /** Idle time after which a mapping (and its permissions) is forgotten. Default 60,000 ms. */
  mappingTimeoutMs?: number;
  /** Also refresh a mapping when an admitted inbound datagram passes. Default false. */
  refreshOnInbound?: boolean;
  /** Default `preserve` for cone types (try the inside port first), `random` for symmetric. */
  portAllocation?: PortAllocation;
}

/** Default NAT mapping timeout. */
export const DEFAULT_NAT_MAPPING_TIMEOUT_MS = 60_000;
/** Lowest public port a NAT hands out (below are "well known" and left alone). */
export const NAT_MIN_PORT = 1024;
/** Where sequential allocation starts. */
export const NAT_SEQUENTIAL_START = 40000;

/** One mapping, as {@link NatTable.mappings} reports it. */
export interface NatMapping {
  /** Inside endpoint. */
  readonly inside: UdpAddress;
  /** Public port. */
  readonly publicPort: number;
  /** For symmetric NATs: the one remote this mapping serves. */
  readonly remote: UdpAddress | undefined;
  /** Time of the last outbound datagram (or admitted inbound with `refreshOnInbound`). */
  readonly lastActive: number;
}

interface Mapping {
  inside: UdpAddress;
  insideKey: string;
  publicPort: number;
  remote: UdpAddress | undefined;
  lastActive: number;
  /** Remote key (ip, or ip|port) → last outbound time to it. */
  permits: Map<string, number>;
}

const key = (a: UdpAddress): string => `${a.ip}|${a.port}`;

/** A NAT translation table for one public IP (pure state machine; time passed in). */
export class NatTable {
  readonly type: NatType;
  readonly timeoutMs: number;
  readonly refreshOnInbound: boolean;
  readonly allocation: PortAllocation;
  private readonly byInside = new Map<string, Mapping>();
  private readonly byPort = new Map<number, Mapping>();
  /** Static port forwards (UPnP / NAT-PMP / manual): public port ↔ inside endpoint. */
  private readonly forwardByPort = new Map<number, UdpAddress>();
  private readonly forwardByInside = new Map<string, number>();
  private nextSequential = NAT_SEQUENTIAL_START;

  constructor(
    behaviour: NatBehaviour,
    private readonly random: SeededRandom,
  ) {
    const types: NatType[] = ['full-cone', 'address-restricted', 'port-restricted', 'symmetric'];
    if (!types.includes(behaviour.type)) throw new TypeError(`NatTable: unknown NAT type ${behaviour.type}`);
    this.type = behaviour.type;
    this.timeoutMs = behaviour.mappingTimeoutMs ?? DEFAULT_NAT_MAPPING_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError('NatTable: mappingTimeoutMs must be > 0');
    this.refreshOnInbound = behaviour.refreshOnInbound ?? false;
    this.allocation = behaviour.portAllocation ?? (this.type === 'symmetric' ? 'random' : 'preserve');
  }

  /**
   * Translates an outbound datagram from `inside` to `remote`: returns the public port it leaves
   * from (creating or refreshing the mapping and the permission for `remote`), or `undefined` if
   * every public port is taken.
   */
  outbound(inside: UdpAddress, remote: UdpAddress, now: number): number | undefined {
    // A forwarded endpoint always leaves from its forwarded port, whatever the NAT type.
    const fwd = this.forwardByInside.get(key(inside));
    if (fwd !== undefined) return fwd;
    const ik = this.type === 'symmetric' ? `${key(inside)}>${key(remote)}` : key(inside);
    let m = this.byInside.get(ik);
    if (m && this.expired(m, now)) {
      this.remove(m);
      m = undefined;
    }
    if (!m) {
      const port = this.allocate(inside.port, now);
      if (port === undefined) return undefined;
      m = {
        inside,
        insideKey: ik,
        publicPort: port,
        remote: this.type === 'symmetric' ? remote : undefined,
        lastActive: now,
        permits: new Map(),
      };
      this.byInside.set(ik, m);
      this.byPort.set(port, m);
    }
    m.lastActive = now;
    m.permits.set(this.permitKey(remote), now);
    return m.publicPort;
  }

  /**
   * Filters an inbound datagram from `remote` to `publicPort`: returns the inside endpoint to
   * deliver to, or `undefined` if there is no live mapping or the filter rejects the remote.
   */
  inbound(publicPort: number, remote: UdpAddress, now: number): UdpAddress | undefined {
    const fwd = this.forwardByPort.get(publicPort);
    if (fwd) return fwd; // forwards admit everyone, like a full-cone mapping that never expires
    const m = this.lookup(publicPort, now);
    if (!m) return undefined;
    if (this.type !== 'full-cone') {
      const t = m.permits.get(this.permitKey(remote));
      if (t === undefined || now - t >= this.timeoutMs) return undefined;
    }
    if (this.refreshOnInbound) {
      m.lastActive = now;
      if (this.type !== 'full-cone') m.permits.set(this.permitKey(remote), now);
    }
    return m.inside;
  }

  /** The inside endpoint behind `publicPort` if a live mapping exists (no filtering, no refresh). */
  peek(publicPort: number, now: number): UdpAddress | undefined {
    return this.forwardByPort.get(publicPort) ?? this.lookup(publicPort, now)?.inside;
  }

  /**
   * Adds a static port forward (what UPnP / NAT-PMP or a manual rule creates, cf. the tertiary
   * port of protocol.md §3.1): datagrams to `publicPort` go to `inside` from anyone, and
   * `inside` sends from `publicPort`. Throws `RangeError` if the port is taken.
   */
  forward(publicPort: number, inside: UdpAddress, now: number): void {
    if (!Number.isInteger(publicPort) || publicPort < 1 || publicPort > 65535)
      throw new RangeError(`NatTable.forward: bad port ${publicPort}`);
    if (this.forwardByInside.has(key(inside)))
      throw new RangeError('NatTable.forward: endpoint already forwarded');
    if (this.forwardByPort.has(publicPort) || !this.free(publicPort, now))
      throw new RangeError(`NatTable.forward: public port ${publicPort} is in use`);
    this.forwardByPort.set(publicPort, inside);
    this.forwardByInside.set(key(inside), publicPort);
  }

  /** Removes a static forward (no-op if there is none). */
  unforward(publicPort: number): void {
    const inside = this.forwardByPort.get(publicPort);
    if (!inside) return;
    this.forwardByPort.delete(publicPort);
    this.forwardByInside.delete(key(inside));
  }

  /** Live mappings (expired ones are purged first), in public-port order. */
  mappings(now: number): NatMapping[] {
    for (const m of [...this.byPort.values()]) if (this.expired(m, now)) this.remove(m);
    return [...this.byPort.values()]
      .sort((a, b) => a.publicPort - b.publicPort)
      .map((m) => ({
        inside: m.inside,
        publicPort: m.publicPort,
        remote: m.remote,
        lastActive: m.lastActive,
      }));
  }

  /** Forgets every dynamic mapping (a NAT reboot; static forwards are configuration and stay). */
  clear(): void {
    this.byInside.clear();
    this.byPort.clear();
  }

  private permitKey(remote: UdpAddress): string {
    // Address-restricted filtering ignores the remote port (RFC 4787 §5, "address-dependent").
    return this.type === 'address-restricted' ? remote.ip : key(remote);
  }

  private lookup(publicPort: number, now: number): Mapping | undefined {
    const m = this.byPort.get(publicPort);
    if (!m) return undefined;
    if (this.expired(m, now)) {
      this.remove(m);
      return undefined;
    }
    return m;
  }

  private expired(m: Mapping, now: number): boolean {
    return now - m.lastActive >= this.timeoutMs;
  }

  private remove(m: Mapping): void {
    this.byInside.delete(m.insideKey);
    this.byPort.delete(m.publicPort);
  }

  private free(port: number, now: number): boolean {
    if (this.forwardByPort.has(port)) return false;
    const m = this.byPort.get(port);
    if (!m) return true;
    if (this.expired(m, now)) {
      this.remove(m);
      return true;
    }
    return false;
  }

  private allocate(insidePort: number, now: number): number | undefined {
    const span = 65536 - NAT_MIN_PORT;
    if (this.allocation === 'preserve' && insidePort >= NAT_MIN_PORT && this.free(insidePort, now))
      return insidePort;
    if (this.allocation === 'random') {
      for (let i = 0; i < 64; i++) {
        const p = NAT_MIN_PORT + this.random.below(span);
        if (this.free(p, now)) return p;
      }
    }
    // Sequential (and the fallback of the others): scan upward from the cursor, wrapping once.
    for (let i = 0; i < span; i++) {
      const p = this.nextSequential;
      this.nextSequential = p >= 65535 ? NAT_MIN_PORT : p + 1;
      if (this.free(p, now)) return p;
    }
    return undefined;
  }
}

/** Filtering of a stateful firewall without translation (RFC 4787 §5 terms; RFC 6092 for IPv6 CPE). */
export type FirewallType = 'address-restricted' | 'port-restricted';

/** Options of {@link StatefulFirewall}. */
export interface FirewallOptions {
  type: FirewallType;
  /** Idle time after which an outbound permission lapses. Default 60,000 ms. */
  timeoutMs?: number;
}

/**
 * A host firewall that admits inbound datagrams only from remotes its local port has sent to
 * recently — the IPv6 home gateway default (RFC 6092 REC-11), which ZeroTier also has to punch.
 * Pure state: time is passed in.
 */
export class StatefulFirewall {
  readonly type: FirewallType;
  readonly timeoutMs: number;
  /** "localPort|remoteKey" → last outbound time. */
  private readonly permits = new Map<string, number>();

  constructor(opts: FirewallOptions) {
    if (opts.type !== 'address-restricted' && opts.type !== 'port-restricted')
      throw new TypeError(`StatefulFirewall: unknown type ${opts.type}`);
    this.type = opts.type;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_NAT_MAPPING_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError('StatefulFirewall: timeoutMs must be > 0');
  }

  /** Records an outbound datagram from `localPort` to `remote`. */
  outbound(localPort: number, remote: UdpAddress, now: number): void {
    this.permits.set(this.key(localPort, remote), now);
  }

  /** True if a datagram from `remote` to `localPort` may come in. */
  admits(localPort: number, remote: UdpAddress, now: number): boolean {
    const k = this.key(localPort, remote);
    const t = this.permits.get(k);
    if (t === undefined) return false;
    if (now - t >= this.timeoutMs) {
      this.permits.delete(k);
      return false;
    }
    return true;
  }

  private key(localPort: number, remote: UdpAddress): string {
    return this.type === 'address-restricted' ? `${localPort}|${remote.ip}` : `${localPort}|${key(remote)}`;
  }
}
