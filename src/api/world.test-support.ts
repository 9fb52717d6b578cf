/**
 * Test support: a private world on loopback UDP — a planet signed here, our root serving it (with
 * the runner's root-role VL2 tables, so it answers MULTICAST_GATHERs, §6.14), and helpers to start ZeroTierNodes on it.
 * @module
 */

import { randomFillSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { c25519Public } from '../crypto/c25519.ts';
import { Identity } from '../protocol/identity.ts';
import { parseInetAddress } from '../protocol/inet-address.ts';
import { World, WorldType } from '../protocol/world.ts';
import { NodeRunner } from '../runtime/node-runner.ts';
import { MemoryStore } from '../runtime/store.ts';
import type { ZeroTierNodeOptions } from './options.ts';
import { ZeroTierNode } from './zerotier-node.ts';

const random = (n: number) => randomFillSync(new Uint8Array(n));

/** A free UDP port on loopback (the root's port goes into the planet before it binds). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((ok, fail) => {
    s.once('error', fail);
    s.bind(0, '127.0.0.1', () => ok());
  });
  const port = s.address().port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** A root on loopback and its planet. */
export interface TestWorld {
  planet: World;
  root: NodeRunner;
  /** Starts a ZeroTierNode on this world (loopback only, interfaces not advertised). */
  startNode(store?: MemoryStore, extra?: Partial<ZeroTierNodeOptions>): Promise<ZeroTierNode>;
  /** Stops the root. */
  stop(): Promise<void>;
}

/** Builds a {@link TestWorld}. */
export async function createTestWorld(): Promise<TestWorld> {
  const rootId = Identity.generate(random);
  const port = await freeUdpPort();
  const key = random(64);
  const planet = World.create({
    type: WorldType.PLANET,
    id: 4242n,
    timestamp: Date.now(),
    roots: [{ identity: rootId.publicOnly(), stableEndpoints: [parseInetAddress(`127.0.0.1/${port}`)!] }],
    signingKey: { publicKey: c25519Public(key), privateKey: key },
  });
  const store = new MemoryStore([['identity.secret', new TextEncoder().encode(rootId.toString(true))]]);
  const root = new NodeRunner({
    store,
    planet,
    role: 'root',
    port,
    secondaryPort: false,
    bindAddress: '127.0.0.1',
    advertiseInterfaces: false,
  });
  await root.start();
  return {
    planet,
    root,
    startNode: (s = new MemoryStore(), extra = {}) =>
      ZeroTierNode.start({
        storage: s,
        planet,
        port: 0,
        secondaryPort: false,
        bindAddress: '127.0.0.1',
        advertiseInterfaces: false,
        ...extra,
      }),
    async stop() {
      await root.stop();
    },
  };
}
