/**
 * In-process VL2 networks: the VL1 testnet of test/vl1/harness.ts (real `Node`s on the in-memory
 * UDP network, fake clock) with a {@link Vl2} manager on every node, and a tiny network controller
 * built from the credential codecs (real signatures) that answers NETWORK_CONFIG_REQUEST with
 * signed config chunks (§6.12, §6.13) carrying a COM, a COO, tags and capabilities.
 */

import type { Vl2Event } from '../../src/core/vl2/network.ts';
import { Vl2 } from '../../src/core/vl2/vl2.ts';
import { macForAddress, macToBytes } from '../../src/protocol/address.ts';
import {
  Capability,
  CertificateOfMembership,
  CertificateOfOwnership,
  Tag,
} from '../../src/protocol/credentials/index.ts';
import type { Identity } from '../../src/protocol/identity.ts';
import {
  emptyNetworkConfig,
  encodeNetworkConfig,
  NetconfFlag,
  type NetworkConfig,
  NetworkType,
} from '../../src/protocol/netconf.ts';
import type { Rule } from '../../src/protocol/rules.ts';
import {
  decodeNetworkConfigRequest,
  ErrorCode,
  encodeConfigChunk,
  encodeError,
  encodeOk,
  splitConfigIntoChunks,
  Verb,
} from '../../src/protocol/verbs/index.ts';
import { parseIp } from '../../src/stack/wire/ip-address.ts';
import type { UdpNetwork } from '../../src/testing/udp-network.ts';
import { Writer } from '../../src/util/result.ts';
import type { SimNode } from '../vl1/harness.ts';

/** A SimNode with a VL2 manager, polled with the node. */
export class Vl2Node {
  readonly vl2: Vl2;
  readonly events: Vl2Event[] = [];
  /** Work deferred by the core (with `opts.deferred`), run at the next {@link poll}. */
  private readonly deferred: (() => void)[] = [];
  /** Stacks etc. polled with the node. */
  readonly pollers: ((now: number) => void)[] = [];
  constructor(
    readonly sim: SimNode,
    net: UdpNetwork,
    opts: { deferred?: boolean } = {},
  ) {
    let i = 0;
    this.vl2 = new Vl2(sim.node, {
      random: (n) => {
        // Deterministic per node (the node's own PRNG is private): a counter-based stream.
        const b = new Uint8Array(n);
        for (let k = 0; k < n; k++) b[k] = (i++ * 131 + sim.node.address) & 0xff;
        return b;
      },
      now: net.clock.now(),
      clock: () => net.clock.now(),
      event: (e) => this.events.push(e),
      defer: opts.deferred ? (fn: () => void) => this.deferred.push(fn) : (fn: () => void) => fn(),
    });
  }
  get address(): number {
    return this.sim.node.address;
  }
  /** Polls VL2 and re-arms the node's timer (sends may have queued work). */
  poll(now: number): void {
    for (const fn of this.deferred.splice(0)) fn();
    for (const p of this.pollers) p(now);
    this.vl2.poll(now);
    this.sim.rearm();
  }
}

/** Runs the clock in 100 ms steps, polling every VL2 node, until `cond()` or `maxMs`. */
export function runUntil(net: UdpNetwork, nodes: Vl2Node[], cond: () => boolean, maxMs: number): boolean {
  const end = net.clock.now() + maxMs;
  while (net.clock.now() < end) {
    for (const n of nodes) n.poll(net.clock.now());
    if (cond()) return true;
    net.clock.advance(100);
  }
  return cond();
}

/** An Ethernet frame. */
export function ethFrame(dst: number, src: number, etherType: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  macToBytes(dst, f, 0);
  macToBytes(src, f, 6);
  f[12] = etherType >> 8;
  f[13] = etherType & 0xff;
  f.set(payload, 14);
  return f;
}

/** An IPv4 frame from `from` to `to` on `nwid`. */
export function frameTo(nwid: bigint, from: number, to: number, ipPayload: Uint8Array): Uint8Array {
  return ethFrame(macForAddress(to, nwid), macForAddress(from, nwid), 0x0800, ipPayload);
}

/** What the controller gives one member. */
export interface MemberSpec {
  ip: string;
  tags?: { id: number; value: number }[];
  capabilities?: { id: number; rules: Rule[] }[];
}

/** A tiny network controller on a SimNode: answers config requests with signed chunks. */
export class ControllerStub {
  readonly nwid: bigint;
  readonly members = new Map<number, MemberSpec>();
  /** Config requests received, by member. */
  readonly requests: number[] = [];
  revision = 1;
  /** Chunk size (small, so configs arrive in several chunks). */
  maxChunk = 600;

  constructor(
    readonly sim: SimNode,
    readonly identity: Identity,
    readonly net: UdpNetwork,
    readonly rules: Rule[],
    suffix = 0x000001n,
  ) {
    this.nwid = (BigInt(identity.address) << 24n) | suffix;
    sim.node.setVl2Handler((p) => {
      if (p.verb !== Verb.NETWORK_CONFIG_REQUEST) return;
      const d = decodeNetworkConfigRequest(p.payload);
      if (!d.ok || d.value.nwid !== this.nwid) return;
      this.requests.push(p.peer);
      const spec = this.members.get(p.peer);
      if (!spec) {
        const w = new Writer(32);
        encodeError(w, {
          inReVerb: Verb.NETWORK_CONFIG_REQUEST,
          inRePacketId: p.packetId,
          code: ErrorCode.NETWORK_ACCESS_DENIED,
          nwid: this.nwid,
        });
        sim.node.sendToPeer(p.peer, Verb.ERROR, w.finish(), p.now);
        return;
      }
      for (const chunk of this.chunks(p.peer, spec, p.now)) {
        const w = new Writer(1024);
        encodeOk(w, {
          inReVerb: Verb.NETWORK_CONFIG_REQUEST,
          inRePacketId: p.packetId,
          kind: 'NETWORK_CONFIG_REQUEST',
          body: chunk,
        });
        sim.node.sendToPeer(p.peer, Verb.OK, w.finish(), p.now, { compress: true });
      }
    });
  }

  /** The config of `member` (needs its identity: the COM binds it, §8.3). */
  config(member: number, spec: MemberSpec, now: number): NetworkConfig {
    const id = this.sim.node.peerIdentity(member);
    if (!id) throw new Error('controller: member identity unknown');
    const ctrl = this.identity;
    const c = emptyNetworkConfig(this.nwid, member);
    c.timestamp = now;
    c.revision = this.revision;
    c.name = 'vl2-test';
    c.type = NetworkType.PRIVATE;
    c.multicastLimit = 32;
    c.flags = NetconfFlag.ENABLE_BROADCAST;
    const ip = parseIp(spec.ip) as Uint8Array;
    c.staticIps = [{ family: 4, ip, port: 24 }];
    c.routes = [
      {
        target: { family: 4, ip: Uint8Array.of(ip[0], ip[1], ip[2], 0), port: 24 },
        via: null,
        flags: 0,
        metric: 0,
      },
    ];
    c.rules = this.rules;
    c.com = CertificateOfMembership.create({
      networkId: this.nwid,
      timestamp: now,
      maxDelta: c.credentialTimeMaxDelta,
      issuedTo: id,
    }).sign(ctrl);
    c.certificatesOfOwnership = [
      new CertificateOfOwnership({ networkId: this.nwid, timestamp: now, id: 1, issuedTo: member })
        .addIp(ip)
        .sign(ctrl),
    ];
    c.tags = (spec.tags ?? []).map((t) =>
      new Tag({ networkId: this.nwid, timestamp: now, id: t.id, value: t.value, issuedTo: member }).sign(
        ctrl,
      ),
    );
    c.capabilities = (spec.capabilities ?? []).map((k) =>
      new Capability({ networkId: this.nwid, timestamp: now, id: k.id, rules: k.rules }).sign(ctrl, member),
    );
    return c;
  }

  /** The config of `member` as signed chunks (§6.13). */
  chunks(member: number, spec: MemberSpec, now: number) {
    const dict = encodeNetworkConfig(this.config(member, spec, now));
    const updateId = BigInt(now) * 1000n + BigInt(member % 1000) + 1n;
    return splitConfigIntoChunks(this.nwid, dict, updateId, (r) => this.identity.sign(r), {
      maxChunk: this.maxChunk,
    });
  }

  /** Pushes a new config to `member` unsolicited (NETWORK_CONFIG, §9.9). */
  push(member: number, now: number): void {
    const spec = this.members.get(member);
    if (!spec) throw new Error('push: not a member');
    for (const chunk of this.chunks(member, spec, now)) {
      const w = new Writer(1024);
      encodeConfigChunk(w, chunk);
      this.sim.node.sendToPeer(member, Verb.NETWORK_CONFIG, w.finish(), now, { compress: true });
    }
    this.sim.rearm();
  }
}
