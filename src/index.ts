/**
 * zerotier-sdk: a ZeroTier 1.x node for Node.js with its own user-space TCP/IP stack.
 *
 * Start here: {@link ZeroTierNode} — a node in three lines, then Node-style sockets on the network:
 * ```ts
 * import { ZeroTierNode } from 'zerotier-sdk';
 * const node = await ZeroTierNode.start({ storage: './zt-state' });
 * const net = await node.join('8056c2e21c000001');          // resolves once OK with addresses
 * console.log(node.address, net.addresses, await node.ping('10.147.17.1'));
 * const page = await node.fetch('http://10.147.17.1/');      // also node.net, node.dgram, node.http, node.bsd
 * await node.stop();
 * ```
 * Errors of the node API carry a stable `code` ({@link ZtError}: `ERR_ZT_NOT_JOINED`, `ERR_ZT_ACCESS_DENIED`…).
 *
 * The layers under it are exported too, from the bottom up:
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
 * // once both are online (USER_MESSAGE is a datagram: resend until answered)
 * a.sendUserMessage(b.address!, 0x10000n, new TextEncoder().encode('hello'));
 * ```
 * @packageDocumentation
 */

export type { NetworkSnapshot, ZeroTierNetwork } from './api/network.ts';
export type { ZeroTierNodeOptions } from './api/options.ts';
export type { PingOptions } from './api/ping.ts';
export type { MultiServer, NodeDgram, NodeHttp, NodeNet } from './api/sockets.ts';
export {
  type AddressEvent,
  type JoinOptions,
  type PeerEvent,
  ZeroTierNode,
  type ZeroTierNodeEvents,
} from './api/zerotier-node.ts';
export { Node } from './core/node.ts';
export type { NodeEvent, NodeIo, NodeOptions, PeerInfo } from './core/node-types.ts';
export { c25519Public } from './crypto/c25519.ts';
export { ZT_ERROR_CODES, ZtError, type ZtErrorCode } from './errors.ts';
export * from './link/index.ts';
export { defaultPlanet } from './protocol/default-planet.ts';
export { Identity } from './protocol/identity.ts';
export { type InetAddress, inetAddressToString, parseInetAddress } from './protocol/inet-address.ts';
export { World, type WorldRoot, WorldType } from './protocol/world.ts';
export { NodeRunner, type NodeRunnerOptions, type StartInfo } from './runtime/node-runner.ts';
export { FileStore, MemoryStore, type StateStore } from './runtime/store.ts';
export { Stack, type StackOptions } from './stack/stack.ts';
