/**
 * The public types of the VL1 node API (`node.ts`): options, events, the host I/O interface,
 * `peers()` records and the VL2 hook.
 * @module
 */
import type { Identity } from '../protocol/identity.ts';
import type { InetAddress } from '../protocol/inet-address.ts';
import type { World } from '../protocol/world.ts';
import type { PeerRole } from './peer.ts';
import type { PhysicalMtuConfig } from './phys-mtu.ts';

/** Options of a {@link Node}. */
export interface NodeOptions {
  /** Our identity; must include the private key. */
  identity: Identity;
  /** The planet (the default planet from `default-planet.ts`, or a custom one). */
  planet: World;
  /** Moons we orbit (their roots become upstreams too). */
  moons?: World[];
  /** Injected randomness: `n` random bytes (packet IDs, choices). */
  random: (n: number) => Uint8Array;
  /** Creation time (ms). */
  now: number;
  /**
   * `root`: our identity is a root of the planet (or a moon): answer WHOIS for everyone, relay
   * between leaves and unite them with RENDEZVOUS (§9.4). Default `leaf` (a node that finds
   * itself among the planet's roots behaves as a root anyway).
   */
  role?: 'leaf' | 'root';
  /** `peers.d/*.peer` records to preload (§7.4): identities and versions are trusted, paths only re-tried. */
  peerCache?: Uint8Array[];
  /** Peer activity timeout (ms), default 30000 as in ZT_SDK builds (§9.1). */
  activityTimeoutMs?: number;
  /** Accept loopback addresses as paths (default true: several embedded nodes on one machine). */
  allowLoopbackPaths?: boolean;
  /**
   * Global budget of identity proof-of-work checks for HELLOs from new identities (each costs
   * ~100–200 ms of CPU in JS), on top of the reference's one per 2 s per source /24. Default
   * bursts of 8, then 3 per second; a busy root with many new leaves may raise it.
   */
  identityChecks?: { burst: number; perSecond: number };
  /**
   * Physical (path) MTU per CIDR, like local.conf `physical` → `mtu` in the reference: e.g.
   * `{ '10.0.0.0/8': 9000 }`. Packets to a matching address are fragmented at that size (§3.3);
   * values are clamped to 1400..10324 and the longest prefix wins. Default: 10324 for loopback
   * (127.0.0.0/8, ::1: one datagram per 2800-byte frame), 1432 for everything else.
   */
  physicalMtu?: PhysicalMtuConfig;
}

/** Something the node wants the host to know. */
export type NodeEvent =
  | { type: 'online' }
  | { type: 'offline' }
  | { type: 'peer'; address: string; role: PeerRole; direct: boolean; latency: number; version?: string }
  | { type: 'path'; address: string; path: string; state: 'learned' | 'expired' | 'preferred' }
  | { type: 'user-message'; from: string; typeId: bigint; data: Uint8Array }
  | { type: 'persist'; key: string; data: Uint8Array | null }
  | { type: 'identity-collision' }
  | { type: 'trace'; message: string };

/** The host side of a node: datagram output and events. Must not call back into the node synchronously. */
export interface NodeIo {
  /**
   * Sends one datagram from local socket `socket` to `to`; `ttl` only for RENDEZVOUS junk (§6.6).
   * The node never rewrites `data` after the call (it is a fresh region of the node's slab), so the
   * host may keep or queue it by reference.
   */
  send(socket: number, to: InetAddress, data: Uint8Array, ttl?: number): void;
  /** Receives an event. */
  event(e: NodeEvent): void;
}

/** One path of a peer as `peers()` reports it (like `GET /peer`, §10.1). */
export interface PathInfo {
  /** `ip/port`. */
  address: string;
  localSocket: number;
  lastSend: number;
  lastReceive: number;
  /** Alive (heard within 19 s). */
  active: boolean;
  expired: boolean;
  /** The path `sendToPeer` would use now. */
  preferred: boolean;
  latency: number;
}

/** A peer as `peers()` reports it (like `zerotier-cli peers`). */
export interface PeerInfo {
  /** 10 hex digits. */
  address: string;
  role: PeerRole;
  /** `major.minor.rev`, or undefined while unknown. */
  version?: string;
  protocolVersion: number;
  /** Latency of the best path (ms), -1 if unknown. */
  latency: number;
  /** True if some path is alive. */
  direct: boolean;
  paths: PathInfo[];
}

/** What VL2 gets for each packet of a verb VL1 does not handle (§6.7–§6.15), and OK/ERROR in re those. */
export interface Vl2Packet {
  /** Sender address. */
  readonly peer: number;
  readonly verb: number;
  /** Payload (decompressed); valid only during the call. */
  readonly payload: Uint8Array;
  /** The packet's wire ID (what an OK/ERROR in re it must quote). */
  readonly packetId: bigint;
  readonly hops: number;
  readonly now: number;
}

/** Handler VL2 registers with {@link Node.setVl2Handler}. */
export type Vl2Handler = (p: Vl2Packet) => void;

/** Options of {@link Node.sendToPeer}. */
export interface SendOptions {
  /** LZ4-compress if it helps (§5: VL2 control verbs, USER_MESSAGE; not unicast frames). */
  compress?: boolean;
  /** Record the wire ID so an OK in re it is accepted (§9.1). */
  expectReply?: boolean;
}
