/**
 * One joined network as the public API shows it: the VL2 {@link Network} (status, config), its
 * {@link EthernetPort}, and the user-space {@link Stack} bound to that port with TCP registered
 * (architecture.md layers: core/vl2 → link → stack → sockets). The node's one timer (its
 * {@link PollableHost}, the runner) polls the stack.
 *
 * Per I/O batch, not per packet: TCP defers its batch work to the end of the batch (`onflush` →
 * `host.defer`), where it flushes — one stretch ACK per connection for all the segments the batch
 * carried, the batch's bulk data as one chunk, and the next burst of senders held at the burst limit
 * (tcp `deferAcks`, `deferReads`, `burstLimit`) — and the runner re-arms its timer after it.
 *
 * Per-network socket modules (`net`, `dgram`, `bsd`) are created on first use and bound to this
 * network's stack only; `node.net` & co. choose among networks by route.
 * @module
 */

import { BsdSockets } from '../bsd/sockets.ts';
import type { Network, NetworkInfo, RouteInfo } from '../core/vl2/network.ts';
import { createDgram, type DgramModule } from '../dgram/index.ts';
import type { EthernetPort, PortAddress } from '../link/ethernet-port.ts';
import { afterEachFrame, bindStack } from '../link/stack-binding.ts';
import { createNet, type NetModule } from '../net/index.ts';
import { routePrefix as routePrefixOf } from '../net/route-choice.ts';
import { macToBytes } from '../protocol/address.ts';
import type { PollableHost } from '../runtime/node-runner.ts';
import { Stack } from '../stack/stack.ts';
import { TcpLayer } from '../stack/tcp/index.ts';
import type { IpAddress } from '../stack/types.ts';
import { ipFromString } from '../stack/wire/ip-address.ts';

/** A snapshot of a joined network (what {@link ZeroTierNode.join} resolves to, and `node.networks` lists). */
export interface NetworkSnapshot {
  /** Network id, 16 hex digits. */
  id: string;
  /** Name given by the controller (or `adhoc-…`, §1.2). */
  name: string;
  /** `REQUESTING_CONFIGURATION`, `OK`, `ACCESS_DENIED`, `NOT_FOUND`, `CLIENT_TOO_OLD`, `AUTHENTICATION_REQUIRED`, `PORT_ERROR`. */
  status: NetworkInfo['status'];
  /** Our MAC on it (§1.3), `aa:bb:cc:dd:ee:ff`. */
  mac: string;
  mtu: number;
  /** Assigned addresses, `ip/prefix` (IPv4, RFC4193, 6PLANE). */
  addresses: string[];
  /** Managed routes (§8.2 `RT`). */
  routes: RouteInfo[];
}

/**
 * TCP on a joined network (measured with two processes over loopback UDP, /tmp-style bulk runs in
 * the P2 report): ACKs coalesced per I/O batch (12k segments drew 8.1k ACKs before, ~400 after),
 * received data delivered once per batch (one socket push per batch, not per segment), at
 * most 16 segments per connection per call (the rest after the batch), slow start counting every
 * segment a stretch ACK covers (RFC 3465 L = 16), and a 512 KiB receive window: the receiving
 * process, not the wire, is the bottleneck, and a 4 MiB window let CUBIC queue more datagrams than
 * the UDP socket buffer holds (75–290 retransmissions per 48 MiB, srtt 12–40 ms; 512 KiB: 0–1).
 * 512 KiB still carries 80 Mbit/s at 50 ms RTT, more than one connection's CPU budget today.
 */
export const TCP_BATCHING = {
  deferAcks: true,
  deferReads: true,
  burstLimit: 16,
  abcLimit: 16,
  receiveBufferSize: 512 << 10,
} as const;

/** The binding object the socket modules take (structurally net's, dgram's and bsd's). */
interface SocketBinding {
  readonly stack: Stack;
  readonly tcp: TcpLayer;
  now(): number;
  kick(): void;
}

/** A joined network with its stack. See the module documentation. */
export class ZeroTierNetwork {
  /** Network id as a bigint. */
  readonly nwid: bigint;
  /** The user-space TCP/IP stack on this network. */
  readonly stack: Stack;
  /** Its TCP layer. */
  readonly tcp: TcpLayer;
  /** The binding the socket modules use. */
  readonly binding: SocketBinding;
  private unbind: (() => void) | null;
  private netModule: NetModule | undefined;
  private dgramModule: DgramModule | undefined;
  private bsdModule: BsdSockets | undefined;

  /** @internal Created by {@link ZeroTierNode.join}. */
  constructor(
    /** The VL2 network. */
    readonly network: Network,
    private readonly host: PollableHost,
    now: () => number,
    random: (n: number) => Uint8Array,
  ) {
    this.nwid = network.id;
    const port = network.port;
    this.stack = new Stack({
      mac: macToBytes(network.mac),
      mtu: port.mtu,
      onFrame: (f) => port.send(f),
      random,
    });
    // Frames on a ZeroTier network are authenticated end to end (Poly1305 / AES-GMAC-SIV, §4), so a
    // corrupted segment cannot arrive: verifying TCP checksums again is pure cost (tcp/README.md).
    // Once per I/O batch (not per frame): TCP's deferred ACKs and bursts; the host re-arms the timer
    // afterwards (a batch can move the stack's deadline: delayed ACKs, retransmission timers).
    // One function for the network's life: no closure per packet.
    const afterBatch = (): void => {
      this.tcp.flush(now());
    };
    const tcp = new TcpLayer(this.stack.ip, {
      random,
      verifyChecksum: false,
      ...TCP_BATCHING,
      onflush: () => host.defer(afterBatch),
    });
    this.tcp = tcp;
    this.stack.registerTransport(6, tcp);
    this.stack.setTime(now());
    tcp.poll(now());
    const stack = this.stack;
    // bindStack drives a structural stack: this one kicks the host after every inbound frame (a frame
    // can move the stack's deadline). Inside the runner's datagram handling a kick costs a compare:
    // the runner re-arms when that datagram is done; TCP asks for its flush itself (onflush).
    const kicking = afterEachFrame(stack, () => host.kick());
    this.unbind = bindStack(port, kicking, now);
    this.binding = { stack, tcp, now, kick: () => host.kick() };
    host.addPollable(this.stack, now);
  }

  /** Network id, 16 hex digits. */
  get id(): string {
    return this.network.info().id;
  }

  /** Current status. */
  get status(): NetworkInfo['status'] {
    return this.network.status;
  }

  /** The network's virtual Ethernet port (raw frames: `port.on('frame', …)`). */
  get port(): EthernetPort {
    return this.network.port;
  }

  /** Addresses assigned on the port (parsed). */
  get portAddresses(): readonly PortAddress[] {
    return this.network.port.addresses;
  }

  /** A snapshot: `id, name, status, mac, mtu, addresses, routes`. */
  snapshot(): NetworkSnapshot {
    const i = this.network.info();
    return {
      id: i.id,
      name: i.name,
      status: i.status,
      mac: i.mac,
      mtu: i.mtu,
      addresses: i.addresses,
      routes: i.routes,
    };
  }

  /** A `node:net`-compatible module bound to this network's stack only. */
  get net(): NetModule {
    this.netModule ??= createNet(this.binding);
    return this.netModule;
  }

  /** A `node:dgram`-compatible module bound to this network's stack only. */
  get dgram(): DgramModule {
    this.dgramModule ??= createDgram(this.binding);
    return this.dgramModule;
  }

  /** BSD-style calls (numeric fds, errno results) on this network's stack. */
  get bsd(): BsdSockets {
    this.bsdModule ??= new BsdSockets(this.binding);
    return this.bsdModule;
  }

  /**
   * How specific this network's route to `dst` is: the longest prefix among its addresses'
   * subnets and its managed routes that holds `dst`, or -1 when it has none.
   */
  routePrefix(dst: string | IpAddress): number {
    let ip: IpAddress;
    try {
      ip = ipFromString(dst);
    } catch {
      return -1;
    }
    return routePrefixOf(this.stack, ip);
  }

  /** @internal Detaches the stack from the port and the runner's timer (leave/stop). */
  detach(): void {
    // BSD descriptors are closed too: a blocked call (accept, recv…) would otherwise wait forever
    // on a stack that no longer runs, and keep the process alive.
    this.bsdModule?.closeAll();
    this.unbind?.();
    this.unbind = null;
    this.host.deletePollable(this.stack);
  }
}
