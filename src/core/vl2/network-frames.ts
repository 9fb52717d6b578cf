/**
 * Frames of one network (protocol.md §6.7, §6.8, §6.14, §6.15, §9.7–§9.10), using W1's pure
 * pieces: NDP emulation, outgoing classification, the rules filters and the MAC checks.
 *
 * Send (a frame from the Ethernet port): NDP emulation → classify → unicast (outbound rules for the
 * receiver, credentials pushed first, FRAME or EXT_FRAME) / multicast (outbound rules, then the
 * §9.7 fan-out with gathers) / bridged (EXT_FRAME to the active bridges).
 * Receive: gate (else ERROR NEED_MEMBERSHIP_CERTIFICATE) → inbound rules → MAC checks → port.
 * @module
 */

import type { MulticastGroup } from '../../protocol/address.ts';
import type { CertificateOfMembership } from '../../protocol/credentials/index.ts';
import { SpecialistFlag, specialistsWith } from '../../protocol/netconf.ts';
import {
  ErrorCode,
  EXT_FRAME_FLAG_ACK,
  encodeError,
  encodeExtFrame,
  encodeMulticastFrame,
  encodeMulticastGather,
  encodeOk,
  type GatherResults,
  MulticastFrameFlag,
  Verb,
} from '../../protocol/verbs/index.ts';
import { Writer } from '../../util/result.ts';
import {
  checkExtFrameAddressing,
  checkMulticastFrameAddressing,
  classifyOutgoingFrame,
  isBridge,
} from './frame-checks.ts';
import { MULTICAST_TRANSMIT_TIMEOUT } from './multicast.ts';
import { emulateNeighborAdvertisement } from './ndp-emulation.ts';
import type { Network } from './network.ts';
import { type ExtFrameOrder, filterIncoming, filterOutgoing } from './rules-filter.ts';

const ETH = 14;
/** FRAME payload header: nwid[8] || etherType[2] (§6.7). */
const FRAME_HEADER = 10;
/** §9.8: how often a member that keeps passing the gate is re-reported to VL1 as trusted. */
const TRUST_MARK_PERIOD = 1_000;
/** §9.10: at most this many active bridges get a bridged frame. */
const MAX_BRIDGE_SPRAY = 32;
/** §9.7: at most this many anchors/replicators get a gather. */
const MAX_GATHER_SPECIALISTS = 16;

function sendExtFrame(
  net: Network,
  to: number,
  flags: number,
  dst: number,
  src: number,
  etherType: number,
  payload: Uint8Array,
): void {
  const w = new Writer(ETH + 9 + payload.length);
  encodeExtFrame(w, { nwid: net.id, flags, destMac: dst, srcMac: src, etherType, data: payload });
  net.ctx.send(to, Verb.EXT_FRAME, w.finish());
}

function sendOrders(
  net: Network,
  orders: readonly ExtFrameOrder[],
  dst: number,
  src: number,
  etherType: number,
  payload: Uint8Array,
): void {
  for (const o of orders) {
    if (o.to === net.ctx.address) continue;
    sendExtFrame(
      net,
      o.to,
      o.flags,
      dst,
      src,
      etherType,
      payload.subarray(0, Math.min(o.length, payload.length)),
    );
  }
}

/**
 * The Ethernet port's sender: a frame from the local stack goes out on the network. Returns false
 * when it was dropped (counted on the network by reason).
 */
export function sendFrameFromPort(net: Network, frame: Uint8Array): boolean {
  const c = net.config;
  if (!c || net.status !== 'OK') {
    net.drop('tx-not-configured');
    return false;
  }
  const na = emulateNeighborAdvertisement(c, frame);
  if (na) {
    // §9.11: the NS is answered locally and not sent (delivered after the stack's send returns).
    const answer = na.frame;
    net.ctx.defer(() => net.port.deliver(answer));
    return true;
  }
  const k = classifyOutgoingFrame(c, frame, net.macs);
  const payload = frame.subarray(ETH);
  switch (k.kind) {
    case 'drop':
      net.drop(`tx-${k.reason}`);
      return false;
    case 'unicast': {
      const m = net.members.get(k.to);
      const d = filterOutgoing(
        c,
        m ? m.usable(c) : null,
        {
          ztSource: net.ctx.address,
          ztDest: k.to,
          macSource: k.srcMac,
          macDest: k.dstMac,
          etherType: k.etherType,
          frame: payload,
        },
        net.filterOptions,
      );
      if (d.extFrames.length > 0) sendOrders(net, d.extFrames, k.dstMac, k.srcMac, k.etherType, payload);
      if (d.accept === 0) {
        if (d.extFrames.length === 0) net.drop('tx-rules');
        return d.extFrames.length > 0;
      }
      net.pushCredentials(k.to);
      if (k.srcMac === net.mac) {
        // §6.7 FRAME: nwid[8] || etherType[2] || payload, written into the network's reused
        // buffer (the per-frame path: no allocation; `ctx.send` copies it into the packet).
        const len = FRAME_HEADER + payload.length;
        if (net.txFrame.length < len) {
          net.txFrame = new Uint8Array(len);
          net.txFrame.set(net.idBytes, 0);
        }
        const out = net.txFrame;
        out[8] = k.etherType >>> 8;
        out[9] = k.etherType & 0xff;
        out.set(payload, FRAME_HEADER);
        net.ctx.send(k.to, Verb.FRAME, out.subarray(0, len));
      } else sendExtFrame(net, k.to, 0, k.dstMac, k.srcMac, k.etherType, payload);
      return true;
    }
    case 'multicast': {
      const d = filterOutgoing(
        c,
        null,
        {
          ztSource: net.ctx.address,
          ztDest: 0,
          macSource: k.srcMac,
          macDest: k.group.mac,
          etherType: k.etherType,
          frame: payload,
        },
        net.filterOptions,
      );
      sendOrders(net, d.extFrames, k.group.mac, k.srcMac, k.etherType, payload);
      if (d.accept === 0) {
        net.drop('tx-rules');
        return false;
      }
      return sendMulticast(net, k.group, k.srcMac, k.etherType, payload);
    }
    case 'bridged': {
      // §9.10: to the bridge that MAC was learned behind, else to all active bridges.
      const learned = net.bridgeRoutes.get(k.dstMac);
      let bridges =
        learned !== undefined
          ? [learned]
          : specialistsWith(c, SpecialistFlag.ACTIVE_BRIDGE).filter((b) => b !== net.ctx.address);
      if (bridges.length === 0) {
        net.drop('tx-no-bridge');
        return false;
      }
      if (bridges.length > MAX_BRIDGE_SPRAY) bridges = shuffle(net, bridges).slice(0, MAX_BRIDGE_SPRAY);
      for (const b of bridges) {
        const m = net.members.get(b);
        const d = filterOutgoing(
          c,
          m ? m.usable(c) : null,
          {
            ztSource: net.ctx.address,
            ztDest: b,
            macSource: k.srcMac,
            macDest: k.dstMac,
            etherType: k.etherType,
            frame: payload,
          },
          net.filterOptions,
        );
        if (d.accept === 0) continue;
        net.pushCredentials(b);
        sendExtFrame(net, b, 0, k.dstMac, k.srcMac, k.etherType, payload);
      }
      return true;
    }
  }
}

function shuffle<T>(net: Network, xs: T[]): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = net.ctx.random32() % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** One MULTICAST_FRAME to `to`, after the per-recipient outbound rules (noTee) and a credential push. */
function multicastTo(
  net: Network,
  to: number,
  group: MulticastGroup,
  srcMac: number,
  etherType: number,
  payload: Uint8Array,
  gatherLimit: number,
): boolean {
  const c = net.config;
  if (!c || to === net.ctx.address) return false;
  const m = net.members.get(to);
  const d = filterOutgoing(
    c,
    m ? m.usable(c) : null,
    {
      ztSource: net.ctx.address,
      ztDest: to,
      macSource: srcMac,
      macDest: group.mac,
      etherType,
      frame: payload,
    },
    net.filterOptionsNoTee,
  );
  if (d.accept === 0) return false;
  net.pushCredentials(to);
  const w = new Writer(40 + payload.length);
  encodeMulticastFrame(w, {
    nwid: net.id,
    flags: 0,
    ...(gatherLimit > 0 && { gatherLimit }),
    ...(srcMac !== net.mac && { srcMac }),
    group,
    etherType,
    data: payload,
  });
  net.ctx.send(to, Verb.MULTICAST_FRAME, w.finish(), { expectReply: gatherLimit > 0 });
  return true;
}

/**
 * Sends a multicast (§9.7): to known members (active bridges first) up to the multicast limit;
 * with fewer members than the limit, gathers (MULTICAST_GATHER to the best root, the controller
 * and anchors/replicators) and queues the frame for 5 s so gather results still get it.
 */
export function sendMulticast(
  net: Network,
  group: MulticastGroup,
  srcMac: number,
  etherType: number,
  payload: Uint8Array,
): boolean {
  const c = net.config;
  if (!c) return false;
  const limit = c.multicastLimit;
  if (limit === 0) {
    net.drop('tx-multicast-disabled');
    return false;
  }
  const now = net.ctx.now();
  const me = net.ctx.address;
  // §9.7: with multicast replicators (and us neither one nor a bridge), one frame to a replicator,
  // source MAC included and "please replicate" set, instead of the fan-out.
  const replicators = specialistsWith(c, SpecialistFlag.MULTICAST_REPLICATOR);
  if (replicators.length > 0 && !replicators.includes(me) && !isBridge(c, me)) {
    const to = replicators[0];
    net.pushCredentials(to);
    const w = new Writer(40 + payload.length);
    encodeMulticastFrame(w, {
      nwid: net.id,
      flags: MulticastFrameFlag.REPLICATE,
      srcMac,
      group,
      etherType,
      data: payload,
    });
    net.ctx.send(to, Verb.MULTICAST_FRAME, w.finish());
    return true;
  }
  const bridges = specialistsWith(c, SpecialistFlag.ACTIVE_BRIDGE).filter((b) => b !== me);
  const known = shuffle(
    net,
    net.multicast.members(group, now).filter((a) => a !== me && !bridges.includes(a)),
  );
  const recipients = [...bridges, ...known];
  const sentTo = new Set<number>();
  if (recipients.length >= limit) {
    for (const to of recipients) {
      if (sentTo.size >= limit) break;
      if (multicastTo(net, to, group, srcMac, etherType, payload, 0)) sentTo.add(to);
    }
    return true;
  }
  const gatherLimit = limit - recipients.length + 1;
  if (net.multicast.gatherDue(group, now, recipients.length)) {
    const targets = new Set<number>();
    const up = net.ctx.bestUpstream();
    if (up !== undefined) targets.add(up);
    if (!net.adHoc) targets.add(net.controller);
    const specials = [
      ...specialistsWith(c, SpecialistFlag.ANCHOR),
      ...specialistsWith(c, SpecialistFlag.MULTICAST_REPLICATOR),
    ];
    for (const s of shuffle(net, specials).slice(0, MAX_GATHER_SPECIALISTS)) targets.add(s);
    targets.delete(me);
    const w = new Writer(64 + 200);
    encodeMulticastGather(w, {
      nwid: net.id,
      flags: 0,
      group,
      limit: gatherLimit,
      ...(c.com && { com: c.com }),
    });
    const body = w.finish();
    for (const t of targets) net.ctx.send(t, Verb.MULTICAST_GATHER, body, { expectReply: true });
  }
  for (const to of recipients)
    if (multicastTo(net, to, group, srcMac, etherType, payload, gatherLimit)) sentTo.add(to);
  net.multicast.enqueue({
    group,
    srcMac,
    etherType,
    payload: Uint8Array.from(payload),
    sentTo,
    limit,
    expires: now + MULTICAST_TRANSMIT_TIMEOUT,
  });
  return true;
}

/** Gather results arrived (OK(MULTICAST_GATHER) or implicit in OK(MULTICAST_FRAME)): learn, send queued frames. */
export function gatherResults(net: Network, group: MulticastGroup, r: GatherResults): void {
  const now = net.ctx.now();
  const me = net.ctx.address;
  for (const a of r.members) if (a !== me) net.multicast.like(group, a, now);
  for (const p of net.multicast.waiting(group, now)) {
    for (const a of r.members) {
      if (p.sentTo.size >= p.limit) break;
      if (a === me || p.sentTo.has(a)) continue;
      p.sentTo.add(a); // tried once, whatever the rules say
      multicastTo(net, a, group, p.srcMac, p.etherType, p.payload, 0);
    }
  }
}

/** The gather answer (§6.14): up to `limit` members in random order, never `requester`; us first if we subscribe. */
export function gatherAnswer(
  net: Network,
  requester: number,
  group: MulticastGroup,
  limit: number,
): GatherResults | null {
  const now = net.ctx.now();
  const known = net.multicast.members(group, now).filter((a) => a !== requester && a !== net.ctx.address);
  const self = net.subscribes(group) && net.config !== null;
  const members = [...(self ? [net.ctx.address] : []), ...shuffle(net, known)].slice(0, limit);
  if (members.length === 0) return null;
  return { totalKnown: known.length + (self ? 1 : 0), members };
}

/** ERROR NEED_MEMBERSHIP_CERTIFICATE in re a frame from a non-member (§9.8). */
function refuse(net: Network, to: number, verb: number, packetId: bigint): void {
  net.drop('rx-not-a-member');
  const w = new Writer(18);
  encodeError(w, {
    inReVerb: verb,
    inRePacketId: packetId,
    code: ErrorCode.NEED_MEMBERSHIP_CERTIFICATE,
    nwid: net.id,
  });
  net.ctx.send(to, Verb.ERROR, w.finish());
}

/** Gate for an inbound frame; on success marks trust and opens the announcement to that member. */
function admit(net: Network, from: number, verb: number, packetId: bigint): boolean {
  if (!net.config) {
    net.drop('rx-not-configured');
    return false;
  }
  if (!net.gate(from)) {
    refuse(net, from, verb, packetId);
    return false;
  }
  const m = net.member(from);
  const now = net.ctx.now();
  m.lastSeen = now;
  if (now - m.lastTrustMarked >= TRUST_MARK_PERIOD || now < m.lastTrustMarked) {
    m.lastTrustMarked = now;
    net.ctx.trustEstablished(from);
  }
  net.announceToMember(from);
  return true;
}

/** Inbound unicast frame (FRAME, or EXT_FRAME when `ext` gives its MACs and flags), §6.7/§6.8. */
export function receiveFrame(
  net: Network,
  from: number,
  verb: number,
  packetId: bigint,
  etherType: number,
  payload: Uint8Array,
  ext?: { srcMac: number; dstMac: number; flags: number; com?: CertificateOfMembership },
): void {
  if (ext?.com) net.offerCom(from, ext.com);
  if (!admit(net, from, verb, packetId)) return;
  const c = net.config!;
  const srcMac = ext ? ext.srcMac : net.macs.macOf(from);
  const dstMac = ext ? ext.dstMac : net.mac;
  const m = net.member(from);
  const d = filterIncoming(
    c,
    m.usable(c),
    {
      ztSource: from,
      ztDest: net.ctx.address,
      macSource: srcMac,
      macDest: dstMac,
      etherType,
      frame: payload,
    },
    net.filterOptions,
  );
  if (d.extFrames.length > 0) sendOrders(net, d.extFrames, dstMac, srcMac, etherType, payload);
  if (d.accept === 0) {
    net.drop('rx-rules');
    return;
  }
  if (ext) {
    if (d.accept === 1) {
      const v = checkExtFrameAddressing(c, from, srcMac, dstMac);
      if (v !== null) {
        net.drop(`rx-${v}`);
        return;
      }
    }
    // §9.10: a foreign source MAC from an accepted EXT_FRAME lives behind that bridge.
    if (srcMac !== net.macs.macOf(from)) net.learnBridgeRoute(srcMac, from);
    if ((ext.flags & EXT_FRAME_FLAG_ACK) !== 0) {
      const w = new Writer(17);
      encodeOk(w, {
        inReVerb: Verb.EXT_FRAME,
        inRePacketId: packetId,
        kind: 'EXT_FRAME',
        body: { nwid: net.id },
      });
      net.ctx.send(from, Verb.OK, w.finish());
    }
  }
  // The port assembles the Ethernet header and payload in its reused buffer (valid during the call).
  net.port.deliverParts(dstMac, srcMac, etherType, payload);
}

/** Inbound MULTICAST_FRAME (§6.15). */
export function receiveMulticastFrame(
  net: Network,
  from: number,
  packetId: bigint,
  f: {
    group: MulticastGroup;
    srcMac?: number;
    etherType: number;
    data: Uint8Array;
    gatherLimit?: number;
    com?: CertificateOfMembership;
  },
): void {
  if (f.com) net.offerCom(from, f.com);
  if (!admit(net, from, Verb.MULTICAST_FRAME, packetId)) return;
  const c = net.config!;
  const srcMac = f.srcMac ?? net.macs.macOf(from);
  const v = checkMulticastFrameAddressing(c, from, srcMac, f.group.mac);
  if (v !== null) {
    net.drop(`rx-${v}`);
    return;
  }
  if (srcMac !== net.macs.macOf(from)) net.learnBridgeRoute(srcMac, from);
  const m = net.member(from);
  const d = filterIncoming(
    c,
    m.usable(c),
    {
      ztSource: from,
      ztDest: net.ctx.address,
      macSource: srcMac,
      macDest: f.group.mac,
      etherType: f.etherType,
      frame: f.data,
    },
    net.filterOptions,
  );
  sendOrders(net, d.extFrames, f.group.mac, srcMac, f.etherType, f.data);
  if (d.accept === 0) {
    net.drop('rx-rules');
  } else {
    // §1.4: an ARP broadcast arrives as an ordinary Ethernet broadcast.
    net.port.deliverParts(f.group.mac, srcMac, f.etherType, f.data);
  }
  if (f.gatherLimit !== undefined && f.gatherLimit > 0) {
    const g = gatherAnswer(net, from, f.group, f.gatherLimit);
    if (g) {
      const w = new Writer(64 + g.members.length * 5);
      encodeOk(w, {
        inReVerb: Verb.MULTICAST_FRAME,
        inRePacketId: packetId,
        kind: 'MULTICAST_FRAME',
        body: { nwid: net.id, group: f.group, flags: 0, gather: g },
      });
      net.ctx.send(from, Verb.OK, w.finish());
    }
  }
}
