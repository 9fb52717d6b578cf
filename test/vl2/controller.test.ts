/**
 * A private network run by an in-test controller (real C25519 signatures on chunks, COM, COO, tags
 * and capabilities — protocol.md §6.13, §8.3–§8.7): members join and reach OK with the assigned
 * address and route; the membership gate and credential exchange let members talk (§9.8); the
 * rules (§8.8) drop what they should, a shared tag and a capability open what they should; a
 * non-member is refused with ERROR NEED_MEMBERSHIP_CERTIFICATE; a COM revocation shuts a member
 * out; a pushed config is applied.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Vl2Packet } from '../../src/core/node-types.ts';
import { arpRequest, udp4 } from '../../src/core/vl2/test-frames.ts';
import { formatNetworkId, macForAddress, macToBytes } from '../../src/protocol/address.ts';
import {
  CredentialType,
  REVOCATION_FLAG_FAST_PROPAGATE,
  Revocation,
} from '../../src/protocol/credentials/index.ts';
import type { Rule } from '../../src/protocol/rules.ts';
import {
  decodeError,
  ErrorCode,
  encodeFrame,
  encodeNetworkCredentials,
  Verb,
} from '../../src/protocol/verbs/index.ts';
import { UdpNetwork } from '../../src/testing/udp-network.ts';
import { Writer } from '../../src/util/result.ts';
import { buildTestnet, testIdentity } from '../vl1/harness.ts';
import { ControllerStub, ethFrame, frameTo, runUntil, Vl2Node } from './harness.ts';

const DEPT = 100;
const SSH_CAP = 1;
const R = (type: number, v: Record<string, unknown> = {}, o: { not?: boolean; or?: boolean } = {}): Rule =>
  ({ not: o.not ?? false, or: o.or ?? false, type, ...v }) as Rule;
const ACCEPT = R(1);
const DROP = R(0);
const udpPort = (p: number) => [R(36, { ipProtocol: 17 }), R(40, { start: p, end: p })];
// ARP passes; UDP 7 passes; UDP 9999 is dropped; same department (tag 100) passes; else capabilities.
const RULES: Rule[] = [
  R(37, { etherType: 0x0806 }),
  ACCEPT,
  ...udpPort(7),
  ACCEPT,
  ...udpPort(9999),
  DROP,
  R(48, { tagId: DEPT, tagValue: 10 }),
  ACCEPT,
];
const SSH_RULES: Rule[] = [...udpPort(22), ACCEPT];

describe('private network with a controller stub: config, gate, credentials, rules', () => {
  const net = new UdpNetwork({ seed: 'vl2-controller' });
  const tn = buildTestnet(net, 5);
  const [ctrlSim, aSim, bSim, cSim, xSim] = tn.leaves;
  const root = new Vl2Node(tn.root, net);
  const [a, b, c, x] = [aSim, bSim, cSim, xSim].map((s) => new Vl2Node(s, net));
  const all = [root, a, b, c, x];
  const ctrl = new ControllerStub(ctrlSim, testIdentity(1), net, RULES);
  ctrl.members.set(a.address, {
    ip: '10.9.0.1',
    tags: [{ id: DEPT, value: 10 }],
    capabilities: [{ id: SSH_CAP, rules: SSH_RULES }],
  });
  ctrl.members.set(b.address, { ip: '10.9.0.2', tags: [{ id: DEPT, value: 20 }] });
  ctrl.members.set(c.address, { ip: '10.9.0.3', tags: [{ id: DEPT, value: 10 }] });
  const NWID = ctrl.nwid;
  assert.ok(
    runUntil(net, all, () => all.every((n) => n.sim.node.online) && ctrlSim.node.online, 30_000),
    'online',
  );
  const [na, nb, nc, nx] = [a, b, c, x].map((n) => n.vl2.join(NWID, net.clock.now()));
  const rx = new Map<number, string[]>();
  for (const [n, v] of [
    [na, a],
    [nb, b],
    [nc, c],
  ] as const) {
    const log: string[] = [];
    rx.set(v.address, log);
    n.port.on('frame', (f) => {
      const ip = f.subarray(14);
      log.push(f[12] === 0x08 && f[13] === 0x06 ? 'arp' : `udp:${(ip[22] << 8) | ip[23]}`);
    });
  }
  const xPackets: Vl2Packet[] = [];
  xSim.node.setVl2Handler((p) => {
    xPackets.push({ ...p, payload: Uint8Array.from(p.payload) });
    x.vl2.handle(p);
  });
  const udp = (from: Vl2Node, fromIp: string, to: Vl2Node, toIp: string, port: number) =>
    from.vl2
      .network(NWID)!
      .port.send(frameTo(NWID, from.address, to.address, udp4(fromIp, toIp, 1234, port)));
  const settle = (ms = 3_000) => runUntil(net, all, () => false, ms);

  it('members reach OK with the controller’s name, address and route; the non-member is ACCESS_DENIED', () => {
    assert.ok(
      runUntil(
        net,
        all,
        () => [na, nb, nc].every((n) => n.status === 'OK') && nx.status === 'ACCESS_DENIED',
        20_000,
      ),
      `statuses ${[na, nb, nc, nx].map((n) => n.status)}`,
    );
    const info = na.info();
    assert.equal(info.id, formatNetworkId(NWID));
    assert.equal(info.name, 'vl2-test');
    assert.equal(info.type, 'PRIVATE');
    assert.deepEqual(info.addresses, ['10.9.0.1/24']);
    assert.deepEqual(info.routes, [{ target: '10.9.0.0/24', via: null, flags: 0, metric: 0 }]);
    assert.equal(info.broadcast, true);
    assert.equal(na.port.addresses[0].address, '10.9.0.1');
    assert.equal(na.port.routes[0].prefixLength, 24);
    // The config came in several signed chunks, and was persisted.
    assert.ok(ctrl.chunks(a.address, ctrl.members.get(a.address)!, 1).length > 1);
    assert.ok(
      a.events.some(
        (e) => e.type === 'persist' && e.key === `networks.d/${formatNetworkId(NWID)}.conf` && e.data,
      ),
    );
    const statuses = a.events.flatMap((e) => (e.type === 'network' ? [e.network.status] : []));
    assert.deepEqual([...new Set(statuses)], ['REQUESTING_CONFIGURATION', 'OK']);
    assert.ok(x.events.some((e) => e.type === 'network' && e.network.status === 'ACCESS_DENIED'));
  });

  it('same department (tag) passes; credentials were exchanged and verified (COM, tags)', () => {
    assert.equal(udp(a, '10.9.0.1', c, '10.9.0.3', 5000), true);
    assert.ok(
      runUntil(net, all, () => rx.get(c.address)!.includes('udp:5000'), 5_000),
      'c got it',
    );
    assert.ok(nc.members.get(a.address)?.com, 'c holds a’s COM');
    assert.equal(nc.members.get(a.address)?.tags.get(DEPT)?.value, 10);
    assert.equal(nc.gate(a.address), true);
  });

  it('different department: a’s frame to b is dropped by b’s inbound rules (a cannot see b’s tag yet)', () => {
    // Outbound, a does not hold b's tag: a tag match on an unknown remote tag passes outbound and
    // the receiver decides (§8.8), so the frame leaves and b drops it.
    assert.equal(udp(a, '10.9.0.1', b, '10.9.0.2', 5000), true);
    assert.ok(
      runUntil(net, all, () => (nb.drops['rx-rules'] ?? 0) === 1, 5_000),
      'b dropped it',
    );
    assert.deepEqual(rx.get(b.address), []);
  });

  it('UDP 9999 is dropped by a’s outbound rules; UDP 7 passes', () => {
    assert.equal(udp(a, '10.9.0.1', c, '10.9.0.3', 9999), false);
    assert.equal(na.drops['tx-rules'], 1);
    assert.equal(udp(b, '10.9.0.2', a, '10.9.0.1', 7), true);
    assert.ok(runUntil(net, all, () => rx.get(a.address)!.includes('udp:7'), 5_000));
    settle(1_000);
    assert.ok(!rx.get(c.address)!.includes('udp:9999'));
  });

  it('now that b presented its tag, a’s outbound rules drop a→b UDP 5000 before sending', () => {
    assert.equal(na.members.get(b.address)?.tags.get(DEPT)?.value, 20);
    assert.equal(udp(a, '10.9.0.1', b, '10.9.0.2', 5000), false);
    assert.equal(na.drops['tx-rules'], 2);
  });

  it('the capability opens UDP 22 for its holder (checked by the receiver with the presented cap)', () => {
    assert.equal(udp(a, '10.9.0.1', b, '10.9.0.2', 22), true);
    assert.ok(
      runUntil(net, all, () => rx.get(b.address)!.includes('udp:22'), 5_000),
      'b got ssh',
    );
    assert.equal(nb.members.get(a.address)?.capabilities.has(SSH_CAP), true);
    const before = nc.drops['rx-rules'] ?? 0;
    udp(b, '10.9.0.2', c, '10.9.0.3', 22);
    assert.ok(
      runUntil(net, all, () => (nc.drops['rx-rules'] ?? 0) > before, 5_000),
      'b holds no capability',
    );
    assert.ok(!rx.get(c.address)!.includes('udp:22'));
  });

  it('an ARP request to c’s IPv4 reaches c (multicast to its ARP group) and only c', () => {
    const arp = arpRequest(macToBytes(na.mac), '10.9.0.1', '10.9.0.3');
    assert.equal(na.port.send(ethFrame(0xffffffffffff, na.mac, 0x0806, arp)), true);
    assert.ok(
      runUntil(net, all, () => rx.get(c.address)!.includes('arp'), 10_000),
      'c got the ARP',
    );
    settle(1_000);
    assert.ok(!rx.get(b.address)!.includes('arp'));
  });

  it('a non-member’s FRAME is refused with ERROR NEED_MEMBERSHIP_CERTIFICATE', () => {
    const before = na.port.counters.rxFrames;
    const w = new Writer(64);
    encodeFrame(w, { nwid: NWID, etherType: 0x0800, data: udp4('10.9.0.66', '10.9.0.1', 1, 7) });
    xSim.node.sendToPeer(a.address, Verb.FRAME, w.finish(), net.clock.now());
    xSim.rearm();
    const refused = () =>
      xPackets.some((p) => {
        if (p.verb !== Verb.ERROR || p.peer !== a.address) return false;
        const e = decodeError(p.payload);
        return e.ok && e.value.code === ErrorCode.NEED_MEMBERSHIP_CERTIFICATE && e.value.nwid === NWID;
      });
    assert.ok(runUntil(net, all, refused, 5_000), 'x got the ERROR');
    assert.equal(na.port.counters.rxFrames, before);
    assert.ok((na.drops['rx-not-a-member'] ?? 0) >= 1);
  });

  it('a COM revocation from the controller shuts b out of a (its frames are refused)', () => {
    const rev = new Revocation({
      id: 7,
      networkId: NWID,
      credentialId: 0,
      threshold: net.clock.now(),
      target: b.address,
      credentialType: CredentialType.COM,
    }).sign(ctrl.identity);
    const w = new Writer(256);
    encodeNetworkCredentials(w, { coms: [], revocations: [rev] });
    ctrlSim.node.sendToPeer(a.address, Verb.NETWORK_CREDENTIALS, w.finish(), net.clock.now());
    ctrlSim.rearm();
    assert.ok(
      runUntil(net, all, () => !na.gate(b.address), 5_000),
      'b no longer passes a’s gate',
    );
    const n = rx.get(a.address)!.length;
    const refusedBefore = na.drops['rx-not-a-member'] ?? 0;
    udp(b, '10.9.0.2', a, '10.9.0.1', 7);
    settle(3_000);
    assert.equal(rx.get(a.address)!.length, n);
    assert.ok((na.drops['rx-not-a-member'] ?? 0) > refusedBefore);
    // c did not get the revocation: b still talks to c.
    assert.equal(udp(b, '10.9.0.2', c, '10.9.0.3', 7), true);
    assert.ok(
      runUntil(net, all, () => rx.get(c.address)!.includes('udp:7'), 5_000),
      'c still accepts b',
    );
    assert.equal(nc.gate(b.address), true);
  });

  it('a pushed config (NETWORK_CONFIG) is assembled, verified and applied', () => {
    ctrl.revision = 2;
    ctrl.members.get(c.address)!.ip = '10.9.0.33';
    ctrl.push(c.address, net.clock.now());
    assert.ok(
      runUntil(net, all, () => nc.config?.revision === 2, 5_000),
      'revision 2 applied',
    );
    assert.deepEqual(nc.info().addresses, ['10.9.0.33/24']);
    assert.equal(nc.port.addresses[0].address, '10.9.0.33');
    assert.equal(nc.status, 'OK');
    assert.equal(macForAddress(c.address, NWID), nc.mac);
  });

  it('a fast-propagate COM revocation sent to a alone is forwarded by a to c (§8.7)', () => {
    assert.equal(nc.gate(b.address), true);
    const rev = new Revocation({
      id: 8,
      networkId: NWID,
      credentialId: 0,
      threshold: net.clock.now(),
      target: b.address,
      credentialType: CredentialType.COM,
      flags: REVOCATION_FLAG_FAST_PROPAGATE,
    }).sign(ctrl.identity);
    const w = new Writer(256);
    encodeNetworkCredentials(w, { coms: [], revocations: [rev] });
    // (a's inbound credentials rate limit is 1 s per peer)
    settle(1_500);
    ctrlSim.node.sendToPeer(a.address, Verb.NETWORK_CREDENTIALS, w.finish(), net.clock.now());
    ctrlSim.rearm();
    assert.ok(
      runUntil(net, all, () => !nc.gate(b.address), 5_000),
      'c no longer admits b',
    );
    assert.ok(nc.members.get(b.address)!.comRevocationThreshold >= rev.threshold);
  });
});
