/**
 * Surface addresses and direct-path pushes (protocol.md §9.6, §9.4 step 3): the external
 * addresses peers report for us, the reset of paths when a root sees us move, and
 * PUSH_DIRECT_PATHS to trust-established peers.
 * @module
 */
import { type InetAddress, IpScope, inetAddressToString, ipScope } from '../protocol/inet-address.ts';
import { encodePushDirectPaths, type PushedPath } from '../protocol/verbs/push-direct-paths.ts';
import { Verb } from '../protocol/verbs/verb.ts';
import { Writer } from '../util/result.ts';
import {
  DIRECT_PATH_PUSH_INTERVAL,
  DIRECT_PATH_PUSH_INTERVAL_HAVEPATH,
  SURFACE_ADDRESS_EXPIRATION,
  TRUST_EXPIRATION,
} from './constants.ts';
import type { Node } from './node.ts';
import type { Peer } from './peer.ts';

/** Records an external address reported by `reporter` (§9.6). */
export function recordSurface(
  n: Node,
  reporter: Peer,
  socket: number,
  reported: InetAddress,
  reporterAddr: InetAddress,
  now: number,
): void {
  const scope = ipScope(reported);
  if (scope === IpScope.NONE || scope === IpScope.LOOPBACK || scope === IpScope.MULTICAST) return;
  if (scope !== ipScope(reporterAddr)) return;
  const key = `${reporter.address}|${socket}|${scope}|${reported.family}`;
  const prev = n.surface.get(key);
  n.surface.set(key, { address: reported, time: now });
  if (
    prev &&
    n.topology.isUpstream(reporter.address) &&
    now - prev.time < SURFACE_ADDRESS_EXPIRATION &&
    inetAddressToString(prev.address) !== inetAddressToString(reported)
  ) {
    // Our external address changed (NAT rebooted / we moved): every path in that scope and
    // family is suspect; re-probe them and treat them as not alive until heard (§9.6).
    for (const p of n.topology.peers.values())
      for (const x of p.paths)
        if (x.scope === scope && x.address.family === reported.family) {
          x.lastReceive = Math.min(x.lastReceive, now - 19000);
          n.contact(p, x.socket, x.address, now, true);
        }
  }
}

/**
 * PUSH_DIRECT_PATHS to a trust-established peer (§9.4 step 3), triggered by a packet
 * from it: at most every 15 s if the trigger was relayed, 120 s if direct; sent back over the
 * path the trigger arrived on.
 */
export function maybePushDirectPaths(
  n: Node,
  peer: Peer,
  socket: number,
  from: InetAddress,
  hops: number,
  now: number,
): void {
  if (now - peer.trustEstablished >= TRUST_EXPIRATION) return;
  const interval = hops > 0 ? DIRECT_PATH_PUSH_INTERVAL : DIRECT_PATH_PUSH_INTERVAL_HAVEPATH;
  if (now - peer.lastDirectPathPush < interval) return;
  // Runs for every authenticated packet from a trust-established peer: with nothing to push (no
  // interface address given, no surface learned — e.g. loopback-only nodes) return before
  // allocating anything.
  if (n.interfaceAddresses.length === 0 && n.surface.size === 0) return;
  const seen = new Set<string>();
  const paths: PushedPath[] = [];
  const add = (a: InetAddress) => {
    const k = inetAddressToString(a);
    if (seen.has(k) || !n.usableAddress(a) || paths.length >= 64) return;
    seen.add(k);
    paths.push({ flags: 0, extension: new Uint8Array(0), address: a });
  };
  for (const a of n.interfaceAddresses) add(a);
  for (const s of n.surface.values()) if (now - s.time < SURFACE_ADDRESS_EXPIRATION) add(s.address);
  if (paths.length === 0) return;
  peer.lastDirectPathPush = now;
  const w = new Writer(256);
  encodePushDirectPaths(w, { paths });
  n.sendOn(peer, socket, from, Verb.PUSH_DIRECT_PATHS, w.finish(), now, { compress: true });
}
