/**
 * The runtime: the only layer with sockets, timers and files (architecture.md). Run a VL1 node on
 * real UDP with {@link NodeRunner}, keep its state in a directory ({@link FileStore}, the
 * reference's layout) or in memory ({@link MemoryStore}), and bind UDP through
 * {@link DgramUdpStack}.
 *
 * ```ts
 * import { FileStore, NodeRunner } from './runtime/index.ts';
 * const runner = new NodeRunner({ store: new FileStore('/var/lib/my-node'), port: 0 });
 * runner.on('online', () => console.log('online as', runner.address));
 * runner.on('user-message', (m) => console.log(m.from, m.typeId, m.data));
 * await runner.start();
 * // … later
 * await runner.stop();
 * ```
 * @module
 */
export {
  DEFAULT_PORT,
  NodeRunner,
  type NodeRunnerEvents,
  type NodeRunnerOptions,
  type RunnerClock,
  realClock,
  SECONDARY_PORT_MAX,
  SECONDARY_PORT_MIN,
  type StartInfo,
} from './node-runner.ts';
export {
  choosePlanet,
  loadMoons,
  loadOrCreateIdentity,
  loadPeerCache,
  type PlanetSource,
  parseWorld,
  StateError,
} from './state.ts';
export {
  FileStore,
  isSecretKey,
  isValidKey,
  MemoryStore,
  type StateStore,
  type StoreChangeHandler,
  StoreError,
} from './store.ts';
export { DgramBinding, DgramUdpStack, MAX_UDP_PAYLOAD, unmapAddress } from './udp.ts';
export type {
  UdpAddress,
  UdpBinding,
  UdpBindOptions,
  UdpMessageHandler,
  UdpSendOptions,
  UdpStack,
} from './udp-binding.ts';
