/**
 * A known remote node (protocol.md §6.2, §9.2, §9.3): its identity, the cached per-peer key
 * (§2.6), what it told us about its version, and its physical paths.
 * @module
 */
import { SymmetricKey } from '../protocol/armor.ts';
import type { Identity } from '../protocol/identity.ts';
import { type InetAddress, inetAddressEquals } from '../protocol/inet-address.ts';
import { CIPHER_AES_GMAC_SIV, CIPHER_SALSA2012_POLY1305 } from '../protocol/packet.ts';
import {
  AES_MIN_PROTOCOL_VERSION,
  HELLO_REPLY_BURST,
  HELLO_REPLY_WINDOW,
  MAX_PATHS_PER_PEER,
  PATH_CONFIRM_INTERVAL,
} from './constants.ts';
import { Path, pathKey } from './path.ts';

/** Role of a peer, as `zerotier-cli peers` prints it (Appendix A "peer roles"). */
export type PeerRole = 'leaf' | 'moon' | 'planet';

/** A remote node we hold an identity and a key for. */
export class Peer {
  /** Its 40-bit address. */
  readonly address: number;
  /** The key agreed with it (§2.6), with its derived cipher state cached. */
  readonly key: SymmetricKey;
  /** Protocol version it announced (0 = unknown, §4.5). */
  protocolVersion = 0;
  /** Software version it announced (`-1` unknown). */
  versionMajor = -1;
  versionMinor = -1;
  versionRevision = -1;
  /** Paths, in table order (ties in quality go to the later entry, §9.3). */
  paths: Path[] = [];
  /** Last authenticated packet from it, any path (ms); -Infinity until the first. */
  lastReceive = Number.NEGATIVE_INFINITY;
  /** Last "non-trivial" packet from it (§9.2: frames, config, user messages) — keepalive trigger. */
  lastActivity = -Infinity;
  /** Last full HELLO we sent it. */
  lastHelloSent = -Infinity;
  /** Last time we pushed our direct paths to it (§9.4 step 3). */
  lastDirectPathPush = -Infinity;
  /** Last time VL2 marked it trust-established (§3.4, §9.4). */
  trustEstablished = -Infinity;
  /** Last OK(ECHO) to an ECHO that arrived relayed or on an unknown path (rate limit, §6.9). */
  lastEchoReply = Number.NEGATIVE_INFINITY;
  /** Last HELLO to a stable endpoint per family while we had no path of that family (upstreams, §9.2). */
  readonly lastFamilyProbe: Record<4 | 6, number> = {
    4: Number.NEGATIVE_INFINITY,
    6: Number.NEGATIVE_INFINITY,
  };
  /** Inbound WHOIS rate limit (§6.5). */
  lastWhoisIn = -Infinity;
  /** Inbound PUSH_DIRECT_PATHS window start and count (§6.16). */
  pushWindowStart = -Infinity;
  pushWindowCount = 0;
  /** OK(HELLO) reply window (rate limit). */
  private helloWindowStart = -Infinity;
  private helloWindowCount = 0;
  /** Unknown paths we recently sent a confirming HELLO to (§9.3), key → time. */
  private readonly confirms = new Map<string, number>();
  /** Whether the last `peer` event said it was direct. */
  announcedDirect: boolean | undefined;
  /** Key of the path the last `path … preferred` event named. */
  announcedPreferred: string | undefined;

  constructor(
    /** Its identity (public part). */
    readonly identity: Identity,
    key48: Uint8Array,
  ) {
    this.address = identity.address;
    this.key = new SymmetricKey(key48);
  }

  /** Cipher for an encrypted packet to this peer (§4.5): AES-GMAC-SIV iff it announced ≥ 12. */
  get cipher(): 1 | 3 {
    return this.protocolVersion >= AES_MIN_PROTOCOL_VERSION ? CIPHER_AES_GMAC_SIV : CIPHER_SALSA2012_POLY1305;
  }

  /** `major.minor.revision`, or undefined while unknown. */
  get version(): string | undefined {
    return this.versionMajor < 0
      ? undefined
      : `${this.versionMajor}.${this.versionMinor}.${this.versionRevision}`;
  }

  /** The path for (socket, address), if known. */
  findPath(socket: number, address: InetAddress): Path | undefined {
    for (const p of this.paths) if (p.socket === socket && inetAddressEquals(p.address, address)) return p;
    return undefined;
  }

  /**
   * Adds (or refreshes) a path — only on an authenticated zero-hop OK (§9.3). Returns the path
   * and whether it is new. When the table is full the worst-quality path is replaced.
   */
  learnPath(socket: number, address: InetAddress, now: number): { path: Path; added: boolean } {
    const existing = this.findPath(socket, address);
    if (existing) {
      existing.lastReceive = now;
      return { path: existing, added: false };
    }
    const path = new Path(socket, address, now);
    if (this.paths.length >= MAX_PATHS_PER_PEER) {
      let worst = 0;
      for (let i = 1; i < this.paths.length; i++)
        if (this.paths[i].quality(now) >= this.paths[worst].quality(now)) worst = i;
      this.paths.splice(worst, 1);
    }
    this.paths.push(path);
    return { path, added: true };
  }

  /**
   * Best non-expired path (§9.3): lowest quality score, ties to the later table entry.
   * With `aliveOnly`, only paths heard from within the alive window qualify.
   */
  bestPath(now: number, aliveOnly = false): Path | undefined {
    let best: Path | undefined;
    let bestQ = Number.POSITIVE_INFINITY;
    for (const p of this.paths) {
      if (p.expired(now) || (aliveOnly && !p.alive(now))) continue;
      const q = p.quality(now);
      if (q <= bestQ) {
        bestQ = q;
        best = p;
      }
    }
    return best;
  }

  /** True if some path is alive (a "direct" peer). */
  hasAlivePath(now: number): boolean {
    for (const p of this.paths) if (p.alive(now)) return true;
    return false;
  }

  /** Removes expired paths, returning them (§9.2: "expired paths are removed and the table compacted"). */
  expirePaths(now: number): Path[] {
    const gone = this.paths.filter((p) => p.expired(now));
    if (gone.length > 0) this.paths = this.paths.filter((p) => !p.expired(now));
    for (const [k, t] of this.confirms) if (now - t >= PATH_CONFIRM_INTERVAL) this.confirms.delete(k);
    return gone;
  }

  /** Latency of the best path (0xffff unknown), for events and `peers()`. */
  latency(now: number): number {
    return this.bestPath(now)?.latency ?? 0xffff;
  }

  /** Rate gate for confirming HELLOs to an unknown path: once per second per path (§9.3). */
  gateConfirm(socket: number, address: InetAddress, now: number): boolean {
    const k = pathKey(socket, address);
    const t = this.confirms.get(k);
    if (t !== undefined && now - t < PATH_CONFIRM_INTERVAL) return false;
    if (this.confirms.size >= 64) this.confirms.clear(); // bounded under a flood of source ports
    this.confirms.set(k, now);
    return true;
  }

  /** Rate gate for OK(HELLO) replies (a replayed-HELLO flood must not make us transmit without bound). */
  gateHelloReply(now: number): boolean {
    if (now - this.helloWindowStart >= HELLO_REPLY_WINDOW) {
      this.helloWindowStart = now;
      this.helloWindowCount = 0;
    }
    return ++this.helloWindowCount <= HELLO_REPLY_BURST;
  }

  /** Records the version fields of a HELLO / OK(HELLO) (§6.2). */
  setVersion(proto: number, major: number, minor: number, rev: number): void {
    this.protocolVersion = proto;
    this.versionMajor = major;
    this.versionMinor = minor;
    this.versionRevision = rev;
  }

  /** ECHO is used to probe when the peer is ≥ proto 5 and not 1.1.0, else HELLO (§6.6). */
  get canEcho(): boolean {
    return (
      this.protocolVersion >= 5 &&
      !(this.versionMajor === 1 && this.versionMinor === 1 && this.versionRevision === 0)
    );
  }
}
