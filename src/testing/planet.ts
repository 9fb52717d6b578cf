/**
 * A signed one-root planet for tests (§7): the root's public identity at one stable endpoint,
 * signed with a fresh key. Tests that need a planet but not a running root (a node that keeps
 * trying an unreachable root, option parsing) take it from here.
 * @module
 */
import { c25519Public } from '../crypto/c25519.ts';
import type { Identity } from '../protocol/identity.ts';
import { parseInetAddress } from '../protocol/inet-address.ts';
import { World, WorldType } from '../protocol/world.ts';

/** What {@link onePlanet} builds. */
export interface OnePlanetOptions {
  /** Planet id. */
  id: bigint;
  /** The root (its public part goes in). */
  root: Identity;
  /** Its stable endpoint, `ip/port`. */
  endpoint: string;
  /** Randomness for the signing key. */
  random: (n: number) => Uint8Array;
  /** World timestamp (default 1). */
  timestamp?: number;
}

/** Builds and signs a planet with one root. Throws on a bad endpoint (test misuse). */
export function onePlanet(o: OnePlanetOptions): World {
  const ep = parseInetAddress(o.endpoint);
  if (!ep) throw new RangeError(`onePlanet: bad endpoint ${o.endpoint}`);
  const key = o.random(64);
  return World.create({
    type: WorldType.PLANET,
    id: o.id,
    timestamp: o.timestamp ?? 1,
    roots: [{ identity: o.root.publicOnly(), stableEndpoints: [ep] }],
    signingKey: { publicKey: c25519Public(key), privateKey: key },
  });
}
