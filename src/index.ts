/**
 * zerotier-sdk: a ZeroTier 1.x node for Node.js with its own user-space TCP/IP stack.
 *
 * The one-call `ZeroTierNode` API (join a network, then use `node.net`, `node.dgram`, `node.http`,
 * `node.fetch`, `node.bsd`) is being built; this entry point exports the layers that are complete
 * and tested today, from the bottom up:
 *
 * - identities and worlds: {@link Identity}, {@link World}, {@link defaultPlanet};
 * - a VL1 node on real UDP sockets: {@link NodeRunner} with a {@link FileStore} or {@link MemoryStore}
 *   (peers, roots, relaying, direct paths, USER_MESSAGE), and the sans-I/O {@link Node} under it;
 * - the virtual Ethernet port of a joined network: {@link EthernetPort} (raw layer-2 frames);
 * - the user-space TCP/IP stack: {@link Stack} (Ethernet, ARP, IPv4/IPv6, ICMP, NDP, UDP, TCP).
 *
 * @example A private world in one process (see `examples/private-world.ts`, which runs as is):
 * ```ts
 * import { randomBytes } from 'node:crypto';
 * import { Identity, MemoryStore, NodeRunner, World, WorldType, c25519Public, parseInetAddress } from 'zerotier-sdk';
 *
 * const rootId = Identity.generate((n) => randomBytes(n));
 * const key = new Uint8Array(randomBytes(64));
 * const planet = World.create({
 *   type: WorldType.PLANET, id: 4242n, timestamp: Date.now(),
 *   roots: [{ identity: rootId.publicOnly(), stableEndpoints: [parseInetAddress('127.0.0.1/19993')!] }],
 *   signingKey: { publicKey: c25519Public(key), privateKey: key },
 * });
 * const rootStore = new MemoryStore();
 * await rootStore.put('identity.secret', new TextEncoder().encode(rootId.toString(true)));
 * const root = new NodeRunner({ store: rootStore, planet, role: 'root', port: 19993, bindAddress: '127.0.0.1' });
 * await root.start();
 * const a = new NodeRunner({ store: new MemoryStore(), planet, bindAddress: '127.0.0.1' });
 * const b = new NodeRunner({ store: new MemoryStore(), planet, bindAddress: '127.0.0.1' });
 * await a.start(); await b.start();
 * b.on('user-message', (m) => console.log(`b got "${Buffer.from(m.data)}" from ${m.from}`));
 * a.once('online', () => a.sendUserMessage(b.address!, 0x10000n, new TextEncoder().encode('hello')));
 * ```
 * @packageDocumentation
 */

export { Node } from './core/node.ts';
export type { NodeEvent, NodeIo, NodeOptions, PeerInfo } from './core/node-types.ts';
export { c25519Public } from './crypto/c25519.ts';
export * from './link/index.ts';
export { defaultPlanet } from './protocol/default-planet.ts';
export { Identity } from './protocol/identity.ts';
export { type InetAddress, inetAddressToString, parseInetAddress } from './protocol/inet-address.ts';
export { World, type WorldRoot, WorldType } from './protocol/world.ts';
export { NodeRunner, type NodeRunnerOptions, type StartInfo } from './runtime/node-runner.ts';
export { FileStore, MemoryStore, type StateStore } from './runtime/store.ts';
export { Stack, type StackOptions } from './stack/stack.ts';
