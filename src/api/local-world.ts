/**
 * A private world on loopback UDP, used by `ztsdk demo`, the tests and the benchmarks: a planet
 * signed here, our root serving it (with the runner's root-role VL2 tables, so it answers
 * MULTICAST_GATHERs, §6.14), and helpers to start ZeroTierNodes on it.
 * @module
 */

import { randomFillSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { c25519Public } from '../crypto/c25519.ts';
import { Identity } from '../protocol/identity.ts';
import { parseInetAddress } from '../protocol/inet-address.ts';
import { ErrorCode, encodeError, Verb } from '../protocol/verbs/index.ts';
import { World, WorldType } from '../protocol/world.ts';
import { NodeRunner } from '../runtime/node-runner.ts';
import { MemoryStore } from '../runtime/store.ts';
import { Writer } from '../util/result.ts';
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

/** Network number (low 24 bits) the root's stub controller denies. */
export const DENIED_SUFFIX = 0xacce55n;

/** A root on loopback and its planet. */
export interface TestWorld {
  planet: World;
  root: NodeRunner;
  /** A network id on the root's stub controller: denied when `denied`, else not found. */
  controllerNetwork(denied: boolean): string;
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
  // The root doubles as a stub controller (networks `<root address><6 hex>`, §1.2): network
  // number DENIED_SUFFIX answers NETWORK_ACCESS_DENIED, every other one OBJ_NOT_FOUND (§6.3, §9.9);
  // everything else goes to the runner's own root-role VL2.
  const rootNode = root.node!;
  const rootVl2 = root.vl2!;
  rootNode.setVl2Handler((p) => {
    if (p.verb === Verb.NETWORK_CONFIG_REQUEST && p.payload.length >= 8) {
      const nwid = new DataView(p.payload.buffer, p.payload.byteOffset, 8).getBigUint64(0);
      if (nwid >> 24n === BigInt(rootNode.address)) {
        const w = new Writer(18);
        encodeError(w, {
          inReVerb: Verb.NETWORK_CONFIG_REQUEST,
          inRePacketId: p.packetId,
          code:
            (nwid & 0xffffffn) === DENIED_SUFFIX ? ErrorCode.NETWORK_ACCESS_DENIED : ErrorCode.OBJ_NOT_FOUND,
          nwid,
        });
        rootNode.sendToPeer(p.peer, Verb.ERROR, w.finish(), p.now);
        return;
      }
    }
    rootVl2.handle(p);
  });
  return {
    planet,
    root,
    controllerNetwork: (denied) =>
      ((BigInt(rootNode.address) << 24n) | (denied ? DENIED_SUFFIX : 0x000bad0n))
        .toString(16)
        .padStart(16, '0'),
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
