// In-process VL2 data path over the pieces of this folder: four stacks on four Ethernet ports,
// joined by a tiny switch that does what a network does with a frame — classify it (§1.4, §9.10),
// filter it outbound with the sender's config and inbound with the receiver's (§8.8), then
// deliver it. Credentials are REAL: tags and capabilities signed by a controller identity and
// verified before use (§8.4, §8.5); a tampered capability is ignored.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EthernetPort } from '../../link/ethernet-port.ts';
import { bindStack } from '../../link/stack-binding.ts';
import { macForAddress, macFromBytes, macToBytes } from '../../protocol/address.ts';
import { Capability } from '../../protocol/credentials/capability.ts';
import { Tag } from '../../protocol/credentials/tag.ts';
import { Identity } from '../../protocol/identity.ts';
import { emptyNetworkConfig, type NetworkConfig } from '../../protocol/netconf.ts';
import type { Rule } from '../../protocol/rules.ts';
import { Stack } from '../../stack/stack.ts';
import { parseIp } from '../../stack/wire/ip-address.ts';
import { classifyOutgoingFrame } from './frame-checks.ts';
import { filterIncoming, filterOutgoing } from './rules-filter.ts';
import type { PeerCredentials } from './rules-types.ts';

const cv = JSON.parse(
  readFileSync(new URL('../../../test/vectors/crypto-vectors.json', import.meta.url), 'utf8'),
);
const ctrlId = Identity.fromString(cv.identities.A);
assert.ok(ctrlId.ok);
const CTRL = ctrlId.value;
const NWID = (BigInt(CTRL.address) << 24n) | 0x000001n;

const DEPT = 100;
const SSH_CAP = 1;
type Opt = { not?: boolean; or?: boolean };
const R = (type: number, v: Record<string, unknown> = {}, o: Opt = {}): Rule =>
  ({ not: o.not ?? false, or: o.or ?? false, type, ...v }) as Rule;
const ACCEPT = R(1);
const DROP = R(0);
const udpPort = (p: number) => [R(36, { ipProtocol: 17 }), R(40, { start: p, end: p })];

// Base rules: ARP and ICMP pass; UDP 7 passes; UDP 9999 is dropped outright; same-department
// members (tag 100 equal) may talk; everything else falls through to capabilities.
const RULES: Rule[] = [
  R(37, { etherType: 0x0806 }),
  ACCEPT,
  R(36, { ipProtocol: 1 }),
  ACCEPT,
  ...udpPort(7),
  ACCEPT,
  ...udpPort(9999),
  DROP,
  R(48, { tagId: DEPT, tagValue: 10 }),
  ACCEPT,
];
const SSH_RULES: Rule[] = [...udpPort(22), ACCEPT];

interface Member {
  address: number;
  ip: string;
  config: NetworkConfig;
  presented: PeerCredentials;
  port: EthernetPort;
  stack: Stack;
  received: string[];
}

function member(address: number, ip: string, dept: number, ssh: boolean, tamper = false): Member {
  const config = emptyNetworkConfig(NWID, address);
  config.rules = RULES;
  config.timestamp = 1000;
  config.staticIps = [{ family: 4, ip: parseIp(ip) as Uint8Array, port: 24 }];
  config.tags = [
    new Tag({ networkId: NWID, timestamp: 1000, id: DEPT, value: dept, issuedTo: address }).sign(CTRL),
  ];
  if (ssh) {
    const cap = new Capability({ networkId: NWID, timestamp: 1000, id: SSH_CAP, rules: SSH_RULES }).sign(
      CTRL,
      address,
    );
    if (tamper) cap.rules = [ACCEPT]; // the signature no longer covers the rules
    config.capabilities = [cap];
  }
  const port = new EthernetPort({ networkId: NWID, mac: macForAddress(address, NWID) });
  const stack = new Stack({ mac: port.mac, onFrame: (f) => port.send(f) });
  bindStack(port, stack, () => 0);
  port.applyConfig(config);
  port.update({ status: 'OK' });
  const received: string[] = [];
  const sock = stack.udp.open(4);
  sock.bind(undefined, 0);
  for (const p of [7, 22, 5000, 9999]) {
    const s = stack.udp.open(4);
    s.bind(undefined, p);
    s.onMessage = (d) => received.push(`${p}:${Buffer.from(d).toString()}`);
  }
  // What this member presents to others: only credentials that verify with the controller.
  const presented: PeerCredentials = {
    tags: config.tags.filter((t) => t.verify(CTRL)),
    capabilities: config.capabilities.filter((c) => c.verify(CTRL)),
    coos: [],
  };
  return { address, ip, config, presented, port, stack, received };
}

function network(members: Member[]) {
  const queue: Array<[Member, Uint8Array]> = [];
  const log: string[] = [];
  const byAddr = new Map(members.map((m) => [m.address, m]));
  for (const m of members) m.port.setSender((f) => queue.push([m, Uint8Array.from(f)]));
  const carry = (from: Member, to: Member, frame: Uint8Array, multicast: boolean) => {
    const f = {
      ztSource: from.address,
      ztDest: to.address,
      macSource: macFromBytes(frame, 6),
      macDest: macFromBytes(frame, 0),
      etherType: (frame[12] << 8) | frame[13],
      frame: frame.subarray(14),
    };
    const o = filterOutgoing(from.config, to.presented, f, { noTee: multicast });
    if (o.accept === 0) return log.push(`out-drop ${from.ip}>${to.ip}`);
    const i = filterIncoming(to.config, from.presented, f);
    if (i.accept === 0) return log.push(`in-drop ${from.ip}>${to.ip}`);
    to.port.deliver(frame);
  };
  const pump = (now: number) => {
    for (let n = 0; n < 1000 && queue.length > 0; n++) {
      const [from, frame] = queue.shift() as [Member, Uint8Array];
      const c = classifyOutgoingFrame(from.config, frame);
      if (c.kind === 'unicast') {
        const to = byAddr.get(c.to);
        if (to) carry(from, to, frame, false);
      } else if (c.kind === 'multicast') {
        for (const to of members) if (to !== from) carry(from, to, frame, true);
      }
    }
    for (const m of members) m.stack.poll(now);
  };
  const send = (from: Member, to: Member, port: number, text: string) => {
    from.stack.udp.open(4).send(Buffer.from(text), parseIp(to.ip) as Uint8Array, port);
    for (let t = 1; t < 20; t++) pump(t);
  };
  return { send, log, pump };
}

describe('VL2 pipeline: rules, tags and capabilities between four stacks', () => {
  const a = member(0x1111111111, '10.9.0.1', 10, true);
  const b = member(0x2222222222, '10.9.0.2', 20, false);
  const c = member(0x3333333333, '10.9.0.3', 10, false);
  const d = member(0x4444444444, '10.9.0.4', 30, true, true);
  const net = network([a, b, c, d]);

  it('the credentials really are signed by the controller (and the tampered one is not)', () => {
    assert.equal(a.presented.capabilities.length, 1);
    assert.equal(d.config.capabilities.length, 1);
    assert.equal(d.presented.capabilities.length, 0);
    assert.equal(a.presented.tags.length, 1);
  });

  it('base ACCEPT: UDP 7 passes between anyone (after ARP)', () => {
    net.send(b, a, 7, 'echo');
    assert.deepEqual(a.received, ['7:echo']);
  });

  it('base DROP: UDP 9999 is blocked even between same-department members', () => {
    net.send(a, c, 9999, 'nope');
    assert.deepEqual(c.received, []);
    assert.ok(net.log.includes('out-drop 10.9.0.1>10.9.0.3'));
  });

  it('tags: same department (10/10) talks on other ports, different department (10/20) does not', () => {
    net.send(a, c, 5000, 'dept');
    assert.deepEqual(c.received, ['5000:dept']);
    net.send(a, b, 5000, 'other-dept');
    assert.deepEqual(b.received, []);
  });

  it('capability: the holder may send UDP 22, checked on both ends; others may not', () => {
    net.send(a, b, 22, 'ssh');
    assert.deepEqual(b.received, ['22:ssh']);
    net.send(b, c, 22, 'no-cap');
    assert.deepEqual(c.received, ['5000:dept']);
    assert.ok(net.log.includes('out-drop 10.9.0.2>10.9.0.3'));
  });

  it('a tampered capability opens the sender side only: the receiver drops the frame', () => {
    net.send(d, b, 22, 'forged');
    assert.deepEqual(b.received, ['22:ssh']);
    assert.ok(net.log.includes('in-drop 10.9.0.4>10.9.0.2'));
  });

  it('every frame crossed the Ethernet ports (counters)', () => {
    for (const m of [a, b, c, d]) assert.ok(m.port.counters.txFrames > 0);
    assert.ok(a.port.counters.rxFrames > 0 && b.port.counters.rxFrames > 0);
    assert.equal(macToBytes(a.port.macNumber).length, 6);
  });
});
