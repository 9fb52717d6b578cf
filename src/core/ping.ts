/**
 * The 5-second housekeeping tick (protocol.md §9.2): contact roots until they answer, run the
 * keepalive (ECHO heartbeats, full HELLO every 60 s) for upstreams and active peers, expire
 * paths, retry peer-cache paths and wanted moons, and recompute ONLINE.
 * @module
 */
import { formatAddress } from '../protocol/address.ts';
import {
  MIN_UNITE_INTERVAL,
  PEER_FORGET_AFTER,
  PEER_PING_PERIOD,
  SURFACE_ADDRESS_EXPIRATION,
} from './constants.ts';
import type { Node } from './node.ts';
import type { Peer } from './peer.ts';

/** §9.2: the 5 s tick. */
export function pingTick(n: Node, now: number): void {
  if (n.sockets.size === 0) {
    n.updateOnline(now);
    return;
  }
  // Peer cache paths are tried once, with HELLO (they are hints, never trusted: §7.4).
  if (n.cachedPaths.size > 0) {
    for (const [a, paths] of n.cachedPaths) {
      const p = n.topology.peers.get(a);
      if (!p) continue;
      for (const to of paths)
        if (n.usableAddress(to) && n.topology.allowedPathFor(a, to)) n.sendHello(p, now, to);
    }
    n.cachedPaths.clear();
  }
  // Moons asked for and not yet obtained: reach the seed (WHOIS via a root if need be) and
  // HELLO it every tick; the HELLO lists the moon with timestamp 0 (§7.2).
  for (const seed of n.topology.wantedMoons.values()) {
    const p = n.topology.peers.get(seed);
    if (p) n.sendHello(p, now);
    else n.requestWhois(seed, now);
  }
  const upstreams = new Set(n.topology.upstreamAddresses());
  for (const a of upstreams) {
    const p = n.topology.peers.get(a);
    if (!p) continue;
    expirePaths(n, p, now);
    if (!p.hasAlivePath(now)) {
      // Not connected: HELLO every stable endpoint every tick until one answers (§9.2, scale 0).
      const eps = n.topology.stableEndpoints(a).filter((e) => n.usableAddress(e));
      for (const e of eps) n.sendHello(p, now, e);
      if (eps.length === 0) keepalive(n, p, now);
    } else {
      keepalive(n, p, now);
      // §9.2: an upstream reached over one family is still probed over the other (a HELLO to
      // one of its stable endpoints of that family), here once a minute per family.
      for (const fam of [4, 6] as const) {
        if (p.paths.some((x) => x.address.family === fam && x.alive(now))) continue;
        const eps = n.topology
          .stableEndpoints(a)
          .filter((e) => e.family === fam && n.usableAddress(e) && n.socketsFor(e).length > 0);
        if (eps.length === 0 || now - p.lastFamilyProbe[fam] < PEER_PING_PERIOD) continue;
        p.lastFamilyProbe[fam] = now;
        n.sendHello(p, now, eps[n.random(1)[0] % eps.length]);
      }
    }
    n.announcePeer(p, now);
    announcePreferred(n, p, now);
  }
  for (const p of [...n.topology.peers.values()]) {
    if (upstreams.has(p.address)) continue;
    expirePaths(n, p, now);
    if (now - p.lastActivity < n.activityTimeout) keepalive(n, p, now);
    n.announcePeer(p, now);
    announcePreferred(n, p, now);
    if (p.paths.length === 0 && now - p.lastReceive >= PEER_FORGET_AFTER && !n.whois.has(p.address))
      n.topology.peers.delete(p.address);
  }
  for (const [k, t] of n.unites) if (now - t >= MIN_UNITE_INTERVAL) n.unites.delete(k);
  for (const [k, s] of n.surface) if (now - s.time >= SURFACE_ADDRESS_EXPIRATION) n.surface.delete(k);
  n.updateOnline(now);
}

/** Emits `path … preferred` when the path `sendToPeer` would use changes. */
export function announcePreferred(n: Node, p: Peer, now: number): void {
  const best = p.bestPath(now, true);
  const key = best?.key;
  if (key === p.announcedPreferred) return;
  p.announcedPreferred = key;
  if (best) n.emit({ type: 'path', address: formatAddress(p.address), path: best.text, state: 'preferred' });
}

/** Drops a peer's expired paths (243 s without traffic, §9.1) with a `path … expired` event each. */
export function expirePaths(n: Node, p: Peer, now: number): void {
  for (const x of p.expirePaths(now))
    n.emit({ type: 'path', address: formatAddress(p.address), path: x.text, state: 'expired' });
}

/**
 * §9.2 keepalive: full HELLO on every path once a minute, otherwise ECHO (or HELLO for old
 * peers) on paths where nothing was sent for 14 s.
 */
export function keepalive(n: Node, p: Peer, now: number): void {
  const full = now - p.lastHelloSent >= PEER_PING_PERIOD;
  let sent = false;
  for (const x of [...p.paths]) {
    if (x.expired(now)) continue;
    if (full) {
      n.sendHello(p, now, x.address, x.socket);
      sent = true;
    } else if (x.needsHeartbeat(now)) n.contact(p, x.socket, x.address, now);
  }
  if (full && sent) p.lastHelloSent = now;
}
