/**
 * Relaying (protocol.md §3.4) and introductions (§9.4): what a root does with a packet or
 * fragment that is not addressed to it — forward it unchanged except the hop count to the
 * destination's best path (or to its own upstream), and, for packet heads, unite the two ends
 * with RENDEZVOUS at most once per 30 s per pair.
 * @module
 */

import { formatAddress } from '../protocol/address.ts';
import { FRAG_DEST, FRAG_HOPS } from '../protocol/fragment.ts';
import { type InetAddress, IpScope, inetAddressToString } from '../protocol/inet-address.ts';
import { FLAGS_HOPS_MASK, PKT_DEST, PKT_FLAGS, PKT_SOURCE } from '../protocol/packet.ts';
import { encodeRendezvous } from '../protocol/verbs/rendezvous.ts';
import { Verb } from '../protocol/verbs/verb.ts';
import { readU40 } from '../util/bytes.ts';
import { Writer } from '../util/result.ts';
import { MIN_UNITE_INTERVAL, RELAY_MAX_HOPS } from './constants.ts';
import type { Node } from './node.ts';
import type { Path } from './path.ts';
import type { Peer } from './peer.ts';

/** The relay of a node (roots, and other nodes on trust-established paths). Internal to src/core. */
export class Relay {
  constructor(private readonly node: Node) {}

  /** Forwards one datagram not addressed to us (`frag`: a fragment rather than a head). */
  relay(socket: number, from: InetAddress, d: Uint8Array, frag: boolean, now: number): void {
    const n = this.node;
    // §3.4: roots relay; other nodes only for datagrams arriving on a path that recently
    // carried trust-established traffic (a peer that passed a network's membership gate).
    if (!n.isRoot && !n.pathTrusted(socket, from, now)) {
      n.drop('not-relaying');
      return;
    }
    const hopsAt = frag ? FRAG_HOPS : PKT_FLAGS;
    if ((d[hopsAt] & FLAGS_HOPS_MASK) >= RELAY_MAX_HOPS) {
      n.drop('hops-exceeded');
      return;
    }
    const destAddr = readU40(d, frag ? FRAG_DEST : PKT_DEST);
    const dest = n.topology.peers.get(destAddr);
    let path = dest?.bestPath(now, true) ?? dest?.bestPath(now);
    if (!path) {
      // §3.4: no direct path to the destination: hand it to our own best upstream (another
      // root of a multi-root planet), never back to where it came from.
      const srcAddr = frag ? -1 : readU40(d, PKT_SOURCE);
      const up = n.bestUpstream(now, srcAddr);
      path = up && up.address !== destAddr ? up.bestPath(now, true) : undefined;
    }
    if (!path) {
      n.drop('relay-no-path');
      return;
    }
    if (path.socket === socket && path.text === inetAddressToString(from)) {
      n.drop('relay-no-path'); // never back to the source
      return;
    }
    d[hopsAt] = (d[hopsAt] & ~FLAGS_HOPS_MASK) | (((d[hopsAt] & FLAGS_HOPS_MASK) + 1) & FLAGS_HOPS_MASK);
    n.counters.relayed++;
    n.counters.datagramsSent++;
    n.io.send(path.socket, path.address, d);
    path.lastSend = now;
    if (!frag && dest && path.key === dest.bestPath(now)?.key)
      this.maybeUnite(readU40(d, PKT_SOURCE), dest, now);
  }

  /**
   * §9.4 step 1: introduce `a` and `b` (RENDEZVOUS to each with the other's address), at most
   * once per 30 s per pair. Per IP scope, each side's best path per family; scan scopes from
   * private (7) down, IPv6 before IPv4, and take the first scope/family both sides have.
   */
  private maybeUnite(aAddr: number, b: Peer, now: number): void {
    const n = this.node;
    const a = n.topology.peers.get(aAddr);
    if (!a || a === b) return;
    const key = aAddr < b.address ? `${aAddr}:${b.address}` : `${b.address}:${aAddr}`;
    const last = n.unites.get(key);
    if (last !== undefined && now - last < MIN_UNITE_INTERVAL) return;
    const pick = bestPerScopeFamily(a, now);
    const pickB = bestPerScopeFamily(b, now);
    let pa: Path | undefined;
    let pb: Path | undefined;
    for (let scope = 7; scope >= 0 && !pa; scope--) {
      for (const fam of [6, 4]) {
        const x = pick.get(`${scope}|${fam}`);
        const y = pickB.get(`${scope}|${fam}`);
        if (x && y) {
          pa = x;
          pb = y;
          break;
        }
      }
    }
    if (!pa || !pb) return;
    n.unites.set(key, now);
    n.counters.united++;
    n.trace(`unite ${formatAddress(a.address)} @ ${pa.text} <-> ${formatAddress(b.address)} @ ${pb.text}`);
    const toA = rendezvousPayload(b.address, pb.address);
    const toB = rendezvousPayload(a.address, pa.address);
    // The two RENDEZVOUS go in random order (§9.4).
    if ((n.random(1)[0] & 1) === 0) {
      n.sendRouted(a, Verb.RENDEZVOUS, toA, now);
      n.sendRouted(b, Verb.RENDEZVOUS, toB, now);
    } else {
      n.sendRouted(b, Verb.RENDEZVOUS, toB, now);
      n.sendRouted(a, Verb.RENDEZVOUS, toA, now);
    }
  }
}

/** Per (scope, family), the peer's best alive path. */
function bestPerScopeFamily(p: Peer, now: number): Map<string, Path> {
  const m = new Map<string, Path>();
  for (const x of p.paths) {
    if (!x.alive(now) || x.scope === IpScope.NONE) continue;
    const k = `${x.scope}|${x.address.family}`;
    const cur = m.get(k);
    if (!cur || x.quality(now) <= cur.quality(now)) m.set(k, x);
  }
  return m;
}

function rendezvousPayload(address: number, at: InetAddress): Uint8Array {
  const w = new Writer(32);
  encodeRendezvous(w, { flags: 0, address, peer: at });
  return w.finish();
}
