/**
 * Topology (protocol.md §7, §9.3): the planet and moons we hold, which peers are upstreams
 * (their roots), and the peer table.
 * @module
 */
import type { Identity } from '../protocol/identity.ts';
import { type InetAddress, ipEquals } from '../protocol/inet-address.ts';
import { type World, WorldType } from '../protocol/world.ts';
import type { Peer, PeerRole } from './peer.ts';

/** The world an upstream belongs to, and its stable endpoints. */
interface UpstreamInfo {
  readonly role: 'planet' | 'moon';
  readonly identity: Identity;
  readonly stableEndpoints: readonly InetAddress[];
}

/** Planet, moons, upstreams and peers of one node. */
export class Topology {
  /** Current planet. */
  planet: World;
  /** Moons by world ID. */
  readonly moons = new Map<bigint, World>();
  /** Every peer we hold a key for, by address. */
  readonly peers = new Map<number, Peer>();
  private upstreams = new Map<number, UpstreamInfo>();

  constructor(
    /** Our own address (never an upstream of ourselves). */
    readonly self: number,
    planet: World,
    moons: readonly World[],
  ) {
    this.planet = planet;
    for (const m of moons) if (m.type === WorldType.MOON) this.moons.set(m.id, m);
    this.rebuild();
  }

  /** Recomputes the upstream set from the planet and moons (roots other than ourselves). */
  rebuild(): void {
    const up = new Map<number, UpstreamInfo>();
    for (const m of this.moons.values())
      for (const r of m.roots)
        if (r.identity.address !== this.self)
          up.set(r.identity.address, {
            role: 'moon',
            identity: r.identity,
            stableEndpoints: r.stableEndpoints,
          });
    // Planet roots win over moon roots with the same address.
    for (const r of this.planet.roots)
      if (r.identity.address !== this.self)
        up.set(r.identity.address, {
          role: 'planet',
          identity: r.identity,
          stableEndpoints: r.stableEndpoints,
        });
    this.upstreams = up;
  }

  /** True if our identity is a root of the planet or of a moon we hold (§9.4 root role). */
  isRootOfAWorld(): boolean {
    for (const r of this.planet.roots) if (r.identity.address === this.self) return true;
    for (const m of this.moons.values())
      for (const r of m.roots) if (r.identity.address === this.self) return true;
    return false;
  }

  /** Addresses of all upstreams. */
  upstreamAddresses(): number[] {
    return [...this.upstreams.keys()];
  }

  /** Identity of an upstream as its world lists it. */
  upstreamIdentity(address: number): Identity | undefined {
    return this.upstreams.get(address)?.identity;
  }

  /** True if `address` is a planet or moon root (other than us). */
  isUpstream(address: number): boolean {
    return this.upstreams.has(address);
  }

  /** Role of a peer as `zerotier-cli peers` prints it. */
  roleOf(address: number): PeerRole {
    return this.upstreams.get(address)?.role ?? 'leaf';
  }

  /** Stable endpoints of an upstream (empty for leaves). */
  stableEndpoints(address: number): readonly InetAddress[] {
    return this.upstreams.get(address)?.stableEndpoints ?? [];
  }

  /**
   * §9.3: a root/moon root that lists stable endpoints may only use paths whose IP (port
   * ignored) is one of them. Leaves (and roots listing none) accept any usable address.
   */
  allowedPathFor(address: number, ip: InetAddress): boolean {
    const eps = this.stableEndpoints(address);
    if (eps.length === 0) return true;
    for (const e of eps) if (ipEquals(e, ip)) return true;
    return false;
  }

  /** Moons requested with `orbit` and not yet obtained: moon ID → seed address (§7.2). */
  readonly wantedMoons = new Map<bigint, number>();

  /**
   * Moons as HELLO lists them (§6.2): those held with their timestamp, and those wanted with
   * timestamp 0.
   */
  helloMoons(): { type: number; id: bigint; timestamp: bigint }[] {
    const out = [...this.moons.values()].map((m) => ({
      type: WorldType.MOON as number,
      id: m.id,
      timestamp: BigInt(m.timestamp),
    }));
    for (const id of this.wantedMoons.keys()) out.push({ type: WorldType.MOON, id, timestamp: 0n });
    return out;
  }

  /**
   * A moon from its seed (§7.2): accepted only if we asked for it, it came from that seed, and
   * one of its roots has the seed's address. Returns the persist key, or null.
   */
  acceptWantedMoon(w: World, from: number): string | null {
    if (w.type !== WorldType.MOON || this.wantedMoons.get(w.id) !== from) return null;
    if (!w.roots.some((r) => r.identity.address === from)) return null;
    if (!w.verify()) return null;
    this.wantedMoons.delete(w.id);
    this.moons.set(w.id, w);
    this.rebuild();
    return moonKey(w.id);
  }

  /**
   * The worlds to put in OK(HELLO) for a requester holding `planetId`/`planetTimestamp` and
   * listing `moons` (§6.2): our planet if same ID and newer; each listed moon we hold newer.
   */
  worldsNewerFor(
    planetId: bigint | undefined,
    planetTimestamp: bigint | undefined,
    moons: readonly { id: bigint; timestamp: bigint }[] | undefined,
  ): World[] {
    const out: World[] = [];
    if (
      planetId === this.planet.id &&
      planetTimestamp !== undefined &&
      BigInt(this.planet.timestamp) > planetTimestamp
    )
      out.push(this.planet);
    for (const m of moons ?? []) {
      const mine = this.moons.get(m.id);
      if (mine && BigInt(mine.timestamp) > m.timestamp) out.push(mine);
    }
    return out;
  }

  /**
   * Applies a world received in OK(HELLO) from upstream `from` (§7.2). Returns the persist key
   * (`planet` or `moons.d/<16hex>.moon`) if it replaced what we held, else null.
   */
  applyWorldUpdate(w: World): string | null {
    if (w.type === WorldType.PLANET) {
      if (w.id !== this.planet.id || !this.planet.shouldBeReplacedBy(w)) return null;
      this.planet = w;
      this.rebuild();
      return 'planet';
    }
    if (w.type === WorldType.MOON) {
      const held = this.moons.get(w.id);
      if (!held?.shouldBeReplacedBy(w)) return null;
      this.moons.set(w.id, w);
      this.rebuild();
      return moonKey(w.id);
    }
    return null;
  }
}

/** Persist key of a moon: `moons.d/<16 hex>.moon` (§7.4). */
export function moonKey(id: bigint): string {
  return `moons.d/${id.toString(16).padStart(16, '0')}.moon`;
}
