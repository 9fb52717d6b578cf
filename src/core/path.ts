/**
 * A physical path to a peer (protocol.md §9.3): the pair (local socket, remote IP:port), with
 * the times something was last sent/received on it and its measured latency.
 * @module
 */
import { type InetAddress, inetAddressToString, ipScope } from '../protocol/inet-address.ts';
import {
  PATH_ALIVE_TIMEOUT,
  PATH_HEARTBEAT_PERIOD,
  PATH_QUALITY_AGE_CAP,
  PEER_PATH_EXPIRATION,
  UNKNOWN_LATENCY,
} from './constants.ts';

/** Key of a path in maps: local socket id and remote `ip/port`. */
export function pathKey(socket: number, address: InetAddress): string {
  return `${socket}|${inetAddressToString(address)}`;
}

/** One physical path. Mutable state is updated by the peer that owns it. */
export class Path {
  /** `socket|ip/port`, see {@link pathKey}. */
  readonly key: string;
  /** `ip/port` text form, as `zerotier-cli peers` prints it. */
  readonly text: string;
  /** IP scope of the remote address (§9.3). */
  readonly scope: number;
  /** Last time an authenticated packet arrived on this path (ms). */
  lastReceive: number;
  /** Last time anything was sent on this path (ms). */
  lastSend = 0;
  /** Last time an inbound ECHO was answered on this path (rate limit, §6.9). */
  lastEchoReply = -Infinity;
  /** Running latency average (ms), {@link UNKNOWN_LATENCY} until measured (§9.3). */
  latency = UNKNOWN_LATENCY;
  /** Divides the quality score (PUSH_DIRECT_PATHS cluster redirect bumps it, §6.16). */
  priority = 1;

  constructor(
    /** Local socket id given to `Node.addLocalSocket`. */
    readonly socket: number,
    /** Remote IP and UDP port. */
    readonly address: InetAddress,
    now: number,
  ) {
    this.key = pathKey(socket, address);
    this.text = inetAddressToString(address);
    this.scope = ipScope(address);
    this.lastReceive = now;
  }

  /** Alive: something authenticated arrived within heartbeat + 5 s (§9.1). */
  alive(now: number): boolean {
    return now - this.lastReceive < PATH_ALIVE_TIMEOUT;
  }

  /** Expired: nothing authenticated for `ZT_PEER_PATH_EXPIRATION` (§9.1). */
  expired(now: number): boolean {
    return now - this.lastReceive >= PEER_PATH_EXPIRATION;
  }

  /** Needs a heartbeat: nothing sent for 14 s (§9.2). */
  needsHeartbeat(now: number): boolean {
    return now - this.lastSend >= PATH_HEARTBEAT_PERIOD;
  }

  /** Records a latency sample: running average `(old + new) / 2` (§9.3). */
  updateLatency(sample: number): void {
    const l = Math.max(0, Math.min(UNKNOWN_LATENCY, Math.round(sample)));
    this.latency = this.latency === UNKNOWN_LATENCY ? l : Math.round((this.latency + l) / 2);
  }

  /**
   * Quality score, lower is better (§9.3):
   * `(latency if alive else latency + 0xffff + age) × (8 − scope) / priority`, age capped at 140 s.
   */
  quality(now: number): number {
    const age = Math.min(PATH_QUALITY_AGE_CAP, Math.max(0, now - this.lastReceive));
    const base = this.alive(now) ? this.latency : this.latency + UNKNOWN_LATENCY + age;
    return (base * (8 - this.scope)) / this.priority;
  }
}
