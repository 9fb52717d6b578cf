import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { macForAddress } from '../../protocol/address.ts';
import { Capability } from '../../protocol/credentials/capability.ts';
import { Tag } from '../../protocol/credentials/tag.ts';
import { emptyNetworkConfig, type NetworkConfig } from '../../protocol/netconf.ts';
import type { Rule } from '../../protocol/rules.ts';
import { ExtFrameFlag, filterIncoming, filterOutgoing } from './rules-filter.ts';
import type { PeerCredentials } from './rules-types.ts';
import { tcp4, udp4 } from './test-frames.ts';

const NWID = 0x8056c2e21c000001n;
const ME = 0x2d1d262d72;
const PEER = 0x1122334455;
const TAP = 0x0a0b0c0d0e;
const SINK = 0x0102030405;

type Opt = { not?: boolean; or?: boolean };
function R(type: number, v: Record<string, unknown> = {}, o: Opt = {}): Rule {
  return { not: o.not ?? false, or: o.or ?? false, type, ...v } as Rule;
}
const DROP = R(0);
const ACCEPT = R(1);
const tee = (address: number, length = 0) => R(2, { address, flags: 0, length });
const watch = (address: number, length = 0) => R(3, { address, flags: 0, length });
const redirect = (address: number) => R(4, { address, flags: 0, length: 0 });
const dport = (p: number) => R(40, { start: p, end: p });
const ETHER_V4 = R(37, { etherType: 0x0800 });

function cap(id: number, rules: Rule[]): Capability {
  return new Capability({ networkId: NWID, timestamp: 1000, id, rules });
}

function config(rules: Rule[], over: Partial<NetworkConfig> = {}): NetworkConfig {
  const c = emptyNetworkConfig(NWID, ME);
  c.rules = rules;
  return Object.assign(c, over);
}

const SSH = tcp4('10.0.0.1', '10.0.0.2', 40000, 22, 0x02);
const DNS = udp4('10.0.0.1', '10.0.0.2', 40000, 53);

function out(c: NetworkConfig, frame: Uint8Array, peer: PeerCredentials | null = null, noTee = false) {
  return filterOutgoing(
    c,
    peer,
    {
      ztSource: ME,
      ztDest: PEER,
      macSource: macForAddress(ME, NWID),
      macDest: macForAddress(PEER, NWID),
      etherType: 0x0800,
      frame,
    },
    { noTee },
  );
}

function inb(c: NetworkConfig, frame: Uint8Array, peer: PeerCredentials | null = null) {
  return filterIncoming(c, peer, {
    ztSource: PEER,
    ztDest: ME,
    macSource: macForAddress(PEER, NWID),
    macDest: macForAddress(ME, NWID),
    etherType: 0x0800,
    frame,
  });
}

const peerCaps = (...caps: Capability[]): PeerCredentials => ({ tags: [], capabilities: caps, coos: [] });

describe('filterOutgoing (§8.8 applying rules)', () => {
  it('base ACCEPT sends, base DROP drops, empty rules drop', () => {
    assert.equal(out(config([ACCEPT]), DNS).accept, 1);
    assert.equal(out(config([DROP]), DNS).accept, 0);
    assert.equal(out(config([]), DNS).accept, 0);
  });

  it('base NO_MATCH: our capabilities in id order; the first that accepts wins', () => {
    const c = config([dport(53), ACCEPT], {
      capabilities: [cap(1, [dport(80), ACCEPT]), cap(7, [dport(22), ACCEPT])],
    });
    const d = out(c, SSH);
    assert.deepEqual([d.accept, d.capabilityId, d.baseVerdict], [1, 7, 'NO_MATCH']);
    assert.deepEqual([out(c, DNS).accept, out(c, DNS).capabilityId], [1, null]);
    assert.equal(out(c, tcp4('10.0.0.1', '10.0.0.2', 1, 443, 2)).accept, 0);
  });

  it('a DROP inside a capability only ends that capability', () => {
    const c = config([], { capabilities: [cap(1, [DROP]), cap(2, [ETHER_V4, ACCEPT])] });
    assert.deepEqual([out(c, DNS).accept, out(c, DNS).capabilityId], [1, 2]);
  });

  it('the base DROP is final: capabilities are not tried', () => {
    const c = config([DROP], { capabilities: [cap(1, [ACCEPT])] });
    assert.equal(out(c, DNS).accept, 0);
  });

  it('outbound ignores the receiver’s capabilities', () => {
    assert.equal(out(config([]), DNS, peerCaps(cap(1, [ACCEPT]))).accept, 0);
  });

  it('TEE → EXT_FRAME copy with flags 0x02; WATCH 0x16; length kept', () => {
    const t = out(config([tee(TAP, 20), ACCEPT]), DNS);
    assert.deepEqual([t.accept, t.extFrames], [1, [{ kind: 'tee', to: TAP, flags: 0x02, length: 20 }]]);
    const w = out(config([watch(TAP), ACCEPT]), DNS);
    assert.deepEqual(w.extFrames, [
      { kind: 'watch', to: TAP, flags: ExtFrameFlag.WATCH_OUT, length: DNS.length },
    ]);
    assert.equal(ExtFrameFlag.WATCH_OUT, 0x16);
  });

  it('no copy when the frame is dropped, or with noTee', () => {
    assert.deepEqual(out(config([tee(TAP), DROP]), DNS).extFrames, []);
    assert.deepEqual(out(config([tee(TAP), ACCEPT]), DNS, null, true).extFrames, []);
  });

  it('REDIRECT → EXT_FRAME 0x04 to the new target and not sent to the original', () => {
    const d = out(config([dport(53), redirect(SINK), ACCEPT]), DNS);
    assert.deepEqual(
      [d.accept, d.extFrames],
      [0, [{ kind: 'redirect', to: SINK, flags: 0x04, length: DNS.length }]],
    );
    assert.equal(out(config([dport(53), redirect(SINK), ACCEPT]), SSH).accept, 1);
  });

  it('a capability’s REDIRECT redirects; its TEE is sent before the base list’s TEE', () => {
    const c = config([tee(TAP, 8)], { capabilities: [cap(3, [tee(SINK, 4), redirect(0x0505050505)])] });
    const d = out(c, DNS);
    assert.equal(d.accept, 0);
    assert.equal(d.capabilityId, 3);
    assert.deepEqual(d.extFrames, [
      { kind: 'tee', to: SINK, flags: 0x02, length: 4 },
      { kind: 'tee', to: TAP, flags: 0x02, length: 8 },
      { kind: 'redirect', to: 0x0505050505, flags: 0x04, length: DNS.length },
    ]);
  });

  it('SUPER_ACCEPT means plain accept when sending', () => {
    // PRIORITY is an accept; a capability that returns ACCEPT gives 1 either way.
    assert.equal(out(config([R(6)]), DNS).accept, 1);
  });

  it('multicast pass (no ztDest) and tag rules fail open when the receiver is unknown', () => {
    const c = config([R(48, { tagId: 1, tagValue: 5 }), DROP, ACCEPT], {
      tags: [new Tag({ networkId: NWID, timestamp: 1, id: 1, value: 5, issuedTo: ME })],
    });
    const d = filterOutgoing(c, null, {
      ztSource: ME,
      ztDest: 0,
      macSource: macForAddress(ME, NWID),
      macDest: 0xffffffffffff,
      etherType: 0x0800,
      frame: DNS,
    });
    assert.equal(d.accept, 1);
  });
});

describe('filterIncoming (§8.8 applying rules)', () => {
  it('results 0 / 1 / 2', () => {
    assert.equal(inb(config([DROP]), DNS).accept, 0);
    assert.equal(inb(config([ACCEPT]), DNS).accept, 1);
    assert.equal(inb(config([tee(ME), DROP]), DNS).accept, 2);
  });

  it('base NO_MATCH: the SENDER’s capabilities in id order, not ours', () => {
    const c = config([dport(53), ACCEPT], { capabilities: [cap(1, [ACCEPT])] });
    assert.equal(inb(c, SSH).accept, 0);
    const d = inb(c, SSH, peerCaps(cap(4, [dport(80), ACCEPT]), cap(9, [dport(22), ACCEPT])));
    assert.deepEqual([d.accept, d.capabilityId], [1, 9]);
    assert.equal(inb(c, SSH, null).accept, 0);
  });

  it('a capability’s SUPER_ACCEPT is 2 inbound', () => {
    const d = inb(config([]), DNS, peerCaps(cap(1, [tee(ME)])));
    assert.deepEqual([d.accept, d.capabilityId], [2, 1]);
  });

  it('copies use 0x08 / 0x1c and a redirect 0x0a (and drops locally)', () => {
    assert.deepEqual(inb(config([tee(TAP), ACCEPT]), DNS).extFrames, [
      { kind: 'tee', to: TAP, flags: 0x08, length: DNS.length },
    ]);
    assert.deepEqual(inb(config([watch(TAP, 9), ACCEPT]), DNS).extFrames, [
      { kind: 'watch', to: TAP, flags: 0x1c, length: 9 },
    ]);
    const r = inb(config([redirect(SINK)]), DNS);
    assert.deepEqual(
      [r.accept, r.extFrames],
      [0, [{ kind: 'redirect', to: SINK, flags: 0x0a, length: DNS.length }]],
    );
  });

  it('tag gate: open only to senders presenting the right tag (real Tag credentials)', () => {
    const mine = new Tag({ networkId: NWID, timestamp: 1, id: 100, value: 1, issuedTo: ME });
    const c = config([R(48, { tagId: 100, tagValue: 1 }), ACCEPT], { tags: [mine] });
    const good: PeerCredentials = {
      tags: [new Tag({ networkId: NWID, timestamp: 1, id: 100, value: 1, issuedTo: PEER })],
      capabilities: [],
      coos: [],
    };
    const bad: PeerCredentials = {
      tags: [new Tag({ networkId: NWID, timestamp: 1, id: 100, value: 2, issuedTo: PEER })],
      capabilities: [],
      coos: [],
    };
    assert.equal(inb(c, DNS, good).accept, 1);
    assert.equal(inb(c, DNS, bad).accept, 0);
    assert.equal(inb(c, DNS, null).accept, 0);
  });
});
