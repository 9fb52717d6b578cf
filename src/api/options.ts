/**
 * Options of {@link ZeroTierNode.start} and how they become a {@link NodeRunner}'s: `storage` (a state
 * directory or a store), `planet` (a {@link World}, its bytes, or a file path; §7.4: a given planet
 * wins), `port` (0 = random, the embedded default of architecture.md), and the test hooks (`udp`,
 * `clock`, `random`) that let a whole world run in memory.
 * @module
 */

import { readFile } from 'node:fs/promises';
import type { PhysicalMtuConfig } from '../core/phys-mtu.ts';
import { World } from '../protocol/world.ts';
import type { RunnerClock } from '../runtime/node-runner.ts';
import { FileStore, type StateStore } from '../runtime/store.ts';
import type { UdpStack } from '../testing/udp-binding.ts';

/** Options of {@link ZeroTierNode.start}. */
export interface ZeroTierNodeOptions {
  /**
   * Where the node keeps its identity, planet, peers and network configs: a directory path
   * (the reference's layout: identity.secret, planet, peers.d, networks.d) or a store such as
   * `new MemoryStore()` (with its change callback for your own persistence).
   */
  storage: string | StateStore;
  /** Custom roots: a planet {@link World}, its serialized bytes, or the path of a planet file. Default: the stored or public planet. */
  planet?: World | Uint8Array | string;
  /** Primary UDP port; 0 (default) picks a random free port. */
  port?: number;
  /** Secondary UDP port: undefined = random in 20000–65499 (§3.1), `false` = none. */
  secondaryPort?: number | false;
  /** Local address to bind (default `'::'`: all addresses, both families). */
  bindAddress?: string;
  /** Advertise local interface addresses to peers for direct paths (default true). */
  advertiseInterfaces?: boolean;
  /** Peer activity timeout in ms (default 30000, §9.1). */
  activityTimeoutMs?: number;
  /**
   * Physical (UDP) MTU per destination, like the reference's local.conf `physical` block: keys are
   * CIDRs (`'10.0.0.0/8'`, `'fd00::/8'`) or bare addresses, values the largest datagram in bytes
   * before a packet is split into ZeroTier fragments (§3.3), clamped to 1400..10324; the longest
   * matching prefix wins. Defaults: 10324 on loopback (a 2800-byte frame is one datagram), 1432
   * elsewhere (the reference's default). A larger MTU halves the datagrams per frame on paths
   * known to carry them (jumbo-frame LANs); a smaller one avoids IP fragmentation on tunnels.
   *
   * @example `{ physicalMtu: { '192.168.1.0/24': 9000, '10.8.0.1': 1400 } }`
   * @throws TypeError (from start) for a key that is not a CIDR or a value that is not a number.
   */
  physicalMtu?: PhysicalMtuConfig;
  /**
   * Join again, at start, every network whose config is saved in the storage (`networks.d/`, kept
   * by `stop()` and deleted by `leave()`), as the reference service does. Default false: networks
   * are joined by calling `join`.
   */
  rejoin?: boolean;
  /** Test hook: the UDP implementation (default: the OS). */
  udp?: UdpStack;
  /** Test hook: time and the timer (default: the real clock). */
  clock?: RunnerClock;
  /** Test hook: `n` cryptographically random bytes (default node:crypto). */
  random?: (n: number) => Uint8Array;
}

/** The store for `storage`. @throws TypeError on anything else. */
export function resolveStorage(storage: ZeroTierNodeOptions['storage']): StateStore {
  if (typeof storage === 'string') return new FileStore(storage);
  if (
    storage &&
    typeof storage === 'object' &&
    typeof storage.get === 'function' &&
    typeof storage.put === 'function'
  )
    return storage;
  throw new TypeError('ZeroTierNode.start: options.storage must be a directory path or a StateStore');
}

/** The planet for `planet`. @throws TypeError for an unusable value or file. */
export async function resolvePlanet(planet: ZeroTierNodeOptions['planet']): Promise<World | undefined> {
  if (planet === undefined) return undefined;
  if (planet instanceof World) return planet;
  let bytes: Uint8Array;
  let what = 'options.planet';
  if (typeof planet === 'string') {
    what = planet;
    bytes = new Uint8Array(await readFile(planet));
  } else if (planet instanceof Uint8Array) bytes = planet;
  else throw new TypeError('ZeroTierNode.start: options.planet must be a World, bytes or a file path');
  const d = World.fromBytes(bytes);
  if (!d.ok) throw new TypeError(`ZeroTierNode.start: ${what} is not a valid planet (${d.reason})`);
  return d.value;
}
