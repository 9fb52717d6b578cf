/**
 * Loading a node's state from a {@link StateStore} at startup (protocol.md §7.4): the identity
 * (created on first start), the planet (custom beats default), moons and the peer cache.
 * Every problem is reported with the key it concerns: fatal ones as a {@link StateError}
 * (the node cannot start on a corrupt identity or planet — silently replacing either would change
 * who the node is or which world it joins), harmless ones (a bad moon or peer file) as warnings.
 * @module
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { defaultPlanet } from '../protocol/default-planet.ts';
import { Identity } from '../protocol/identity.ts';
import { World, WorldType } from '../protocol/world.ts';
import type { StateStore } from './store.ts';

/** Key of the secret identity (`addr:0:public:private`, written 0600). */
export const IDENTITY_SECRET_KEY = 'identity.secret';
/** Key of the public identity (`addr:0:public`). */
export const IDENTITY_PUBLIC_KEY = 'identity.public';
/** Key of the (custom) planet. */
export const PLANET_KEY = 'planet';
/** Directory of moons (`<16-hex id>.moon`). */
export const MOONS_PREFIX = 'moons.d/';
/** Directory of the peer cache (`<10-hex address>.peer`). */
export const PEERS_PREFIX = 'peers.d/';

/** A state problem that stops the node from starting; `key` names the store entry. */
export class StateError extends Error {
  readonly key: string;
  constructor(message: string, key: string) {
    super(message);
    this.name = 'StateError';
    this.key = key;
  }
}

const dec = new TextDecoder();
const enc = new TextEncoder();

/** Hashes between event-loop yields while generating an identity (each ~30 ms). */
const GENERATE_STEPS_PER_YIELD = 2;

/**
 * Loads `identity.secret`, or generates and stores a new identity (`identity.secret` 0600 and
 * `identity.public`) if there is none. Rewrites `identity.public` if it is missing or disagrees.
 * @returns the identity and whether it was created now.
 * @throws StateError if `identity.secret` exists but is not a valid secret identity.
 */
export async function loadOrCreateIdentity(
  store: StateStore,
  random: (n: number) => Uint8Array,
): Promise<{ identity: Identity; created: boolean }> {
  const secret = await store.get(IDENTITY_SECRET_KEY);
  let identity: Identity;
  let created = false;
  if (secret !== undefined) {
    const d = Identity.fromString(dec.decode(secret));
    if (!d.ok)
      throw new StateError(
        `${IDENTITY_SECRET_KEY} is not a valid identity (${d.reason})`,
        IDENTITY_SECRET_KEY,
      );
    if (!d.value.hasPrivate)
      throw new StateError(
        `${IDENTITY_SECRET_KEY} holds no private key (a public identity?)`,
        IDENTITY_SECRET_KEY,
      );
    if (!d.value.locallyValidate())
      throw new StateError(
        `${IDENTITY_SECRET_KEY} fails validation (address/key mismatch)`,
        IDENTITY_SECRET_KEY,
      );
    identity = d.value;
  } else {
    // ~0.5 s of memory-hard hashing on average: yield between steps so timers and I/O keep running.
    const steps = Identity.generateSteps(random);
    let i = 0;
    for (;;) {
      const r = steps.next();
      if (r.done) {
        identity = r.value;
        break;
      }
      if (++i % GENERATE_STEPS_PER_YIELD === 0) await yieldToLoop();
    }
    await store.put(IDENTITY_SECRET_KEY, enc.encode(identity.toString(true)));
    created = true;
  }
  const pub = identity.toString(false);
  const storedPub = await store.get(IDENTITY_PUBLIC_KEY).catch(() => undefined);
  if (storedPub === undefined || dec.decode(storedPub).trim() !== pub)
    await store.put(IDENTITY_PUBLIC_KEY, enc.encode(pub));
  return { identity, created };
}

/** Decodes a world file, failing with a StateError that names where it came from. */
export function parseWorld(bytes: Uint8Array, what: string, key = what): World {
  const d = World.fromBytes(bytes);
  if (!d.ok) throw new StateError(`${what} is not a valid world (${d.reason})`, key);
  return d.value;
}

/** Where the chosen planet came from. */
export type PlanetSource = 'given' | 'stored' | 'stored-update' | 'default';

/**
 * Chooses the planet (§7.4, §7.2):
 * - a `given` planet (the user's `--planet`) is the configuration: it is used, except that a
 *   stored planet with the same ID that legitimately updates it (newer, signed with its
 *   `updatesMustBeSignedBy` key — an update a root sent us) wins;
 * - otherwise the stored `planet` file (a custom planet), replaced by the compiled-in default only
 *   if the default is a legitimate update of it (same ID, newer, signed) — so a custom planet wins;
 * - otherwise the default planet.
 * @throws StateError if the stored planet file is corrupt, or is a moon.
 */
export async function choosePlanet(
  store: StateStore,
  given?: World,
): Promise<{ planet: World; source: PlanetSource; warnings: string[] }> {
  const warnings: string[] = [];
  const bytes = await store.get(PLANET_KEY);
  const stored = bytes === undefined ? undefined : parseWorld(bytes, `state file ${PLANET_KEY}`, PLANET_KEY);
  if (stored && stored.type !== WorldType.PLANET)
    throw new StateError(`state file ${PLANET_KEY} holds a moon, not a planet`, PLANET_KEY);
  if (given) {
    if (given.type !== WorldType.PLANET)
      throw new StateError('the given planet is a moon, not a planet', 'planet');
    if (stored && given.shouldBeReplacedBy(stored))
      return { planet: stored, source: 'stored-update', warnings };
    if (stored && stored.id !== given.id)
      warnings.push(
        `replacing the stored planet (world ${stored.id}) with the given one (world ${given.id})`,
      );
    return { planet: given, source: 'given', warnings };
  }
  const def = defaultPlanet();
  if (stored) {
    if (stored.shouldBeReplacedBy(def)) return { planet: def, source: 'default', warnings };
    return { planet: stored, source: 'stored', warnings };
  }
  return { planet: def, source: 'default', warnings };
}

/** Loads every `moons.d/*.moon`; undecodable ones (or planets) are skipped with a warning. */
export async function loadMoons(store: StateStore): Promise<{ moons: World[]; warnings: string[] }> {
  const moons: World[] = [];
  const warnings: string[] = [];
  for (const key of await store.list(MOONS_PREFIX)) {
    if (!key.endsWith('.moon')) continue;
    try {
      const b = await store.get(key);
      if (b === undefined) continue;
      const d = World.fromBytes(b);
      if (!d.ok) warnings.push(`ignoring ${key}: not a valid world (${d.reason})`);
      else if (d.value.type !== WorldType.MOON) warnings.push(`ignoring ${key}: not a moon`);
      else moons.push(d.value);
    } catch (e) {
      warnings.push(`ignoring ${key}: ${(e as Error).message}`);
    }
  }
  return { moons, warnings };
}

/** Reads every `peers.d/*.peer` blob (the core decodes and checks them; bad ones are ignored there). */
export async function loadPeerCache(store: StateStore): Promise<{ blobs: Uint8Array[]; warnings: string[] }> {
  const blobs: Uint8Array[] = [];
  const warnings: string[] = [];
  for (const key of await store.list(PEERS_PREFIX)) {
    if (!key.endsWith('.peer')) continue;
    try {
      const b = await store.get(key);
      if (b !== undefined) blobs.push(b);
    } catch (e) {
      warnings.push(`ignoring ${key}: ${(e as Error).message}`);
    }
  }
  return { blobs, warnings };
}
