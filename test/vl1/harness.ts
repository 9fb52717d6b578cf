/**
 * In-process ZeroTier networks for VL1 tests: real `Node` cores (src/core) on the in-memory UDP
 * network (src/testing) with a fake clock, each node driven like the runtime drives it (one
 * timer armed at `nextDeadline()`, `receive` for every datagram).
 */
import { readFileSync } from 'node:fs';
import { Node, type NodeEvent } from '../../src/core/node.ts';
import { Identity } from '../../src/protocol/identity.ts';
import { type InetAddress, ipToString, parseInetAddress } from '../../src/protocol/inet-address.ts';
import { World, WorldType } from '../../src/protocol/world.ts';
import type { ReArmableTimer } from '../../src/testing/clock.ts';
import { SeededRandom } from '../../src/testing/random.ts';
import type { UdpAddress } from '../../src/testing/udp-binding.ts';
import type { SimHost, SimUdpSocket, UdpNetwork } from '../../src/testing/udp-network.ts';

const FIXTURE = new URL('./fixtures/identities.json', import.meta.url);
const IDS: string[] = JSON.parse(readFileSync(FIXTURE, 'utf8')).identities;

/** The i-th pre-generated test identity (generating costs ~0.5 s each). */
export function testIdentity(i: number): Identity {
  const d = Identity.fromString(IDS[i]);
  if (!d.ok) throw new Error(`fixture identity ${i}: ${d.reason}`);
  return d.value;
}

/** Number of fixture identities. */
export const TEST_IDENTITY_COUNT = IDS.length;

/** UdpAddress → InetAddress. */
export function toInet(a: UdpAddress): InetAddress {
  const r = parseInetAddress(`${a.ip}/${a.port}`);
  if (!r) throw new Error(`bad address ${a.ip}/${a.port}`);
  return r;
}

/** InetAddress → UdpAddress. */
export function toUdp(a: InetAddress): UdpAddress {
  return { ip: ipToString(a), port: a.port };
}

/** A planet with the given roots (signed with the first root's key). */
export function makePlanet(
  roots: { identity: Identity; endpoints: string[] }[],
  timestamp = 1_700_000_000_000,
): World {
  const signer = roots[0].identity;
  return World.create({
    type: WorldType.PLANET,
    id: 4242n,
    timestamp,
    roots: roots.map((r) => ({
      identity: r.identity.publicOnly(),
      stableEndpoints: r.endpoints.map((e) => {
        const a = parseInetAddress(e);
        if (!a) throw new Error(`bad endpoint ${e}`);
        return a;
      }),
    })),
    signingKey: { publicKey: signer.publicKey, privateKey: signer.privateKey as Uint8Array },
  });
}

/** One simulated ZeroTier node: host, socket, core, recorded events. */
export class SimNode {
  readonly node: Node;
  readonly events: NodeEvent[] = [];
  readonly messages: { from: string; typeId: bigint; text: string }[] = [];
  readonly sockets: SimUdpSocket[] = [];
  private readonly timer: ReArmableTimer;

  constructor(
    readonly net: UdpNetwork,
    readonly name: string,
    readonly host: SimHost,
    identity: Identity,
    planet: World,
    opts: {
      role?: 'leaf' | 'root';
      port?: number;
      seed?: string;
      peerCache?: Uint8Array[];
      bindAddress?: string;
      moons?: World[];
    } = {},
  ) {
    const rng = new SeededRandom(opts.seed ?? `node:${name}`);
    const clock = net.clock;
    this.node = new Node(
      {
        identity,
        planet,
        random: (n) => rng.bytes(n),
        now: clock.now(),
        role: opts.role,
        peerCache: opts.peerCache,
        moons: opts.moons,
      },
      {
        send: (socket, to, data, ttl) => {
          const s = this.sockets[socket];
          if (s && !s.closed) s.send(data, toUdp(to), ttl !== undefined ? { ttl } : undefined);
        },
        event: (e) => {
          if (e.type === 'trace') return;
          this.events.push(e);
          if (e.type === 'user-message')
            this.messages.push({ from: e.from, typeId: e.typeId, text: new TextDecoder().decode(e.data) });
        },
      },
    );
    this.timer = clock.timer(() => this.tick(), `node:${name}`);
    this.bind(opts.port ?? 9993, opts.bindAddress ?? '0.0.0.0');
  }

  /** Binds a socket (default: every IPv4 address of the host) and registers it with the node. */
  bind(port: number, address = '0.0.0.0'): void {
    const s = this.host.bind({ port, address });
    const id = this.sockets.length;
    this.sockets.push(s);
    s.onMessage = (data, from) => {
      this.node.receive(id, toInet(from), data, this.net.clock.now());
      this.rearm();
    };
    this.node.addLocalSocket(id, toInet(s.localAddress));
    this.rearm();
  }

  private tick(): void {
    this.node.poll(this.net.clock.now());
    this.rearm();
  }

  /** Re-arms the node's single timer at its next deadline. */
  rearm(): void {
    const now = this.net.clock.now();
    this.timer.arm(Math.max(now, this.node.nextDeadline()));
  }

  /** Our address as 10 hex digits. */
  get address(): string {
    return this.node.identity.addressString;
  }

  /** Sends a text USER_MESSAGE. */
  say(to: SimNode, text: string, typeId = 0x10000n): boolean {
    const ok = this.node.sendUserMessage(
      to.node.address,
      typeId,
      new TextEncoder().encode(text),
      this.net.clock.now(),
    );
    this.rearm();
    return ok;
  }

  /** The peer entry for `other`, if known. */
  peerInfo(other: SimNode) {
    return this.node.peer(other.node.address);
  }

  /** True if `other` is reached over an alive direct path. */
  directTo(other: SimNode): boolean {
    return this.peerInfo(other)?.direct === true;
  }

  /** Stops the node's timer and closes its sockets. */
  stop(): void {
    this.timer.disarm();
    for (const s of this.sockets) s.close();
  }
}

/** Root + leaves on one UdpNetwork. */
export interface Testnet {
  net: UdpNetwork;
  planet: World;
  root: SimNode;
  leaves: SimNode[];
}

/** Where a leaf lives. */
export type LeafPlacement =
  | { kind: 'public' }
  | { kind: 'nat'; type: 'full-cone' | 'address-restricted' | 'port-restricted' | 'symmetric' };

/**
 * Builds a root (public 198.51.100.1:9993) and `n` leaves, each in its own /24 so the
 * per-/24 identity validation limit (§9.2) does not serialize the start (as on the Internet).
 */
export function buildTestnet(
  net: UdpNetwork,
  n: number,
  placement: (i: number) => LeafPlacement = () => ({ kind: 'public' }),
): Testnet {
  const rootId = testIdentity(0);
  const ROOT_IP = '198.51.100.1';
  const planet = makePlanet([{ identity: rootId, endpoints: [`${ROOT_IP}/9993`] }]);
  const rootHost = net.addHost('root', { addresses: [ROOT_IP] });
  const root = new SimNode(net, 'root', rootHost, rootId, planet, { role: 'root' });
  const leaves: SimNode[] = [];
  for (let i = 0; i < n; i++) {
    const p = placement(i);
    let host: SimHost;
    if (p.kind === 'public')
      host = net.addHost(`leaf${i}`, { addresses: [`20.${Math.floor(i / 200)}.${i % 200}.10`] });
    else {
      const nat = net.addNat(`nat${i}`, { publicIp: `40.${Math.floor(i / 200)}.${i % 200}.1`, type: p.type });
      host = net.addHost(`leaf${i}`, { addresses: [`192.168.1.${10 + (i % 200)}`], behind: nat });
    }
    leaves.push(new SimNode(net, `leaf${i}`, host, testIdentity(1 + i), planet));
  }
  return { net, planet, root, leaves };
}

/** Runs the clock until `cond()` holds (checked every 100 ms of fake time), at most `maxMs`. */
export function runUntil(net: UdpNetwork, cond: () => boolean, maxMs: number): boolean {
  const end = net.clock.now() + maxMs;
  while (net.clock.now() < end) {
    if (cond()) return true;
    net.clock.advance(100);
  }
  return cond();
}

/** True when `b` got a USER_MESSAGE with this text from `a`. */
export function got(b: SimNode, a: SimNode, text: string): boolean {
  return b.messages.some((m) => m.from === a.address && m.text === text);
}
