/**
 * The Ethernet port between a joined network and a TCP/IP stack (architecture.md "link/").
 *
 * ```ts
 * import { EthernetPort, bindStack } from './link/index.ts';
 * const port = new EthernetPort({ networkId, mac, send: (f) => network.sendFrame(f) });
 * port.on('frame', (f) => console.log('rx', f.length));   // raw layer-2 access
 * ```
 * @module
 */

export {
  ETHERNET_HEADER_LENGTH,
  EthernetPort,
  type EthernetPortEvents,
  type EthernetPortOptions,
  type FrameReceiver,
  type FrameSender,
  type MulticastChange,
  type NetworkStatus,
  type PortAddress,
  type PortConfigSource,
  type PortCounters,
  type PortDropReason,
  type PortRoute,
  type PortUpdate,
} from './ethernet-port.ts';
export { type BindableStack, bindStack } from './stack-binding.ts';
