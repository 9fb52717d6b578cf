import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { macForAddress, rfc4193Inet, sixPlaneAddress, sixPlaneInet } from '../../protocol/address.ts';
import { CertificateOfOwnership } from '../../protocol/credentials/coo.ts';
import { emptyNetworkConfig, type NetworkConfig } from '../../protocol/netconf.ts';
import { Characteristics, decodeRules, encodeRules, type Rule } from '../../protocol/rules.ts';
import { createRulesContext, evaluateRules, matchIntegerRange, type RulesVerdict } from './rules-engine.ts';
import type { PeerCredentials } from './rules-types.ts';
import {
  arpRequest,
  extHeader,
  icmp4,
  icmp6,
  ip,
  neighborAdvertisement,
  neighborSolicitation,
  tcp4,
  tcp6,
  udp4,
  udp6,
} from './test-frames.ts';

const NWID = 0x8056c2e21c000001n;
const ME = 0x2d1d262d72;
const PEER = 0x1122334455;
const OTHER = 0x0a0b0c0d0e;
const ME_MAC = macForAddress(ME, NWID);
const PEER_MAC = macForAddress(PEER, NWID);

// Rule builders (a rule is `{ not, or, type, ...value }`, §8.8).
type Opt = { not?: boolean; or?: boolean };
function R(type: number, v: Record<string, unknown> = {}, o: Opt = {}): Rule {
  return { not: o.not ?? false, or: o.or ?? false, type, ...v } as Rule;
}
const DROP = R(0);
const ACCEPT = R(1);
const tee = (address: number, length = 0) => R(2, { address, flags: 0, length });
const watch = (address: number, length = 0) => R(3, { address, flags: 0, length });
const redirect = (address: number) => R(4, { address, flags: 0, length: 0 });
const BREAK = R(5);
const PRIORITY = R(6);

function config(over: Partial<NetworkConfig> = {}): NetworkConfig {
  const c = emptyNetworkConfig(NWID, ME);
  c.rules = [ACCEPT];
  return Object.assign(c, over);
}

const noPeer: PeerCredentials = { tags: [], capabilities: [], coos: [] };

interface Row {
  name: string;
  rules: Rule[];
  frame?: Uint8Array;
  etherType?: number;
  inbound?: boolean;
  expect: RulesVerdict;
  cfg?: Partial<NetworkConfig>;
  peer?: PeerCredentials | null;
  macDest?: number;
  macSource?: number;
  ztSource?: number;
  ztDest?: number;
  random?: () => number;
}

const V4UDP = udp4('10.1.2.3', '10.9.9.9', 5000, 53);
const V6UDP = udp6('fd00::1', 'fd00::2', 5000, 53);

function run(row: Row): { v: RulesVerdict; ctx: ReturnType<typeof createRulesContext> } {
  const inbound = row.inbound ?? false;
  const frame = row.frame ?? V4UDP;
  const etherType = row.etherType ?? (frame[0] >> 4 === 6 ? 0x86dd : 0x0800);
  const ctx = createRulesContext(
    config(row.cfg),
    row.peer === undefined ? noPeer : row.peer,
    inbound,
    {
      ztSource: row.ztSource ?? (inbound ? PEER : ME),
      ztDest: row.ztDest ?? (inbound ? ME : PEER),
      macSource: row.macSource ?? (inbound ? PEER_MAC : ME_MAC),
      macDest: row.macDest ?? (inbound ? ME_MAC : PEER_MAC),
      etherType,
      frame,
    },
    row.random,
  );
  return { v: evaluateRules(row.rules, ctx), ctx };
}

/** Rows `[match, ACCEPT]` expecting ACCEPT when `yes`, and the same with NOT expecting `notExpect`. */
function matchRows(
  name: string,
  rule: Rule,
  base: Omit<Row, 'name' | 'rules' | 'expect'>,
  yes: boolean,
  notYes: boolean = !yes,
): Row[] {
  return [
    { ...base, name, rules: [rule, ACCEPT], expect: yes ? 'ACCEPT' : 'NO_MATCH' },
    {
      ...base,
      name: `NOT ${name}`,
      rules: [{ ...rule, not: true }, ACCEPT],
      expect: notYes ? 'ACCEPT' : 'NO_MATCH',
    },
  ];
}

const ARP = arpRequest(new Uint8Array([2, 0, 0, 0, 0, 1]), '10.1.2.3', '10.1.2.4');
const ICMP_ECHO = icmp4('10.1.2.3', '10.9.9.9', 8, 0);
const SYN4 = tcp4('10.1.2.3', '10.9.9.9', 4000, 22, 0x02);
const SYNACK6 = tcp6('fd00::1', 'fd00::2', 22, 4000, 0x12);
const PROB = 100;

const tagsL = [{ id: 1, value: 5 }];
const tagsR: PeerCredentials = { tags: [{ id: 1, value: 7 }], capabilities: [], coos: [] };

const matchTable: Row[] = [
  ...matchRows('zt source', R(24, { address: ME }), {}, true),
  ...matchRows('zt source other', R(24, { address: OTHER }), {}, false),
  ...matchRows('zt dest', R(25, { address: PEER }), {}, true),
  ...matchRows('vlan id 0', R(26, { vlanId: 0 }), {}, true),
  ...matchRows('vlan id 5', R(26, { vlanId: 5 }), {}, false),
  ...matchRows('vlan pcp 0 (unsupported: matches 0)', R(27, { vlanPcp: 0 }), {}, true),
  ...matchRows('vlan pcp 3', R(27, { vlanPcp: 3 }), {}, false),
  ...matchRows('vlan dei 1', R(28, { vlanDei: 1 }), {}, false),
  ...matchRows('mac source', R(29, { mac: ME_MAC }), {}, true),
  ...matchRows('mac dest', R(30, { mac: PEER_MAC }), {}, true),
  ...matchRows('mac dest other', R(30, { mac: ME_MAC }), {}, false),
  ...matchRows('ipv4 source /24', R(31, { ip: ip('10.1.2.0'), prefixBits: 24 }), {}, true),
  ...matchRows('ipv4 source /32 other', R(31, { ip: ip('10.1.2.4'), prefixBits: 32 }), {}, false),
  ...matchRows('ipv4 source /0', R(31, { ip: ip('0.0.0.0'), prefixBits: 0 }), {}, true),
  ...matchRows('ipv4 source /12 (partial byte)', R(31, { ip: ip('10.0.0.0'), prefixBits: 12 }), {}, true),
  ...matchRows('ipv4 dest /16', R(32, { ip: ip('10.9.0.0'), prefixBits: 16 }), {}, true),
  // Wrong family is a hard "no": the NOT-ed rule does not match ARP either.
  ...matchRows(
    'ipv4 source on ARP',
    R(31, { ip: ip('10.1.2.0'), prefixBits: 24 }),
    { frame: ARP, etherType: 0x0806 },
    false,
    false,
  ),
  ...matchRows('ipv6 source /64', R(33, { ip: ip('fd00::'), prefixBits: 64 }), { frame: V6UDP }, true),
  ...matchRows('ipv6 dest /128', R(34, { ip: ip('fd00::2'), prefixBits: 128 }), { frame: V6UDP }, true),
  ...matchRows(
    'ipv6 dest /128 other',
    R(34, { ip: ip('fd00::3'), prefixBits: 128 }),
    { frame: V6UDP },
    false,
  ),
  ...matchRows('ipv6 source on IPv4', R(33, { ip: ip('fd00::'), prefixBits: 8 }), {}, false, false),
  ...matchRows(
    'tos v4 in range',
    R(35, { mask: 0xfc, start: 0x20, end: 0x30 }),
    { frame: udp4('10.1.2.3', '10.9.9.9', 1, 2, 0x2b) },
    true,
  ),
  ...matchRows(
    'tos v4 out of range',
    R(35, { mask: 0xff, start: 0x20, end: 0x28 }),
    { frame: udp4('10.1.2.3', '10.9.9.9', 1, 2, 0x2b) },
    false,
  ),
  ...matchRows(
    'tos v6 traffic class',
    R(35, { mask: 0xff, start: 0xb8, end: 0xb8 }),
    { frame: udp6('fd00::1', 'fd00::2', 1, 2, { trafficClass: 0xb8 }) },
    true,
  ),
  ...matchRows(
    'tos on ARP',
    R(35, { mask: 0, start: 0, end: 255 }),
    { frame: ARP, etherType: 0x0806 },
    false,
    false,
  ),
  ...matchRows('ip protocol v4 udp', R(36, { ipProtocol: 17 }), {}, true),
  ...matchRows('ip protocol v4 tcp', R(36, { ipProtocol: 6 }), {}, false),
  ...matchRows(
    'ip protocol v6 behind hop-by-hop + dest-opts',
    R(36, { ipProtocol: 17 }),
    {
      frame: udp6('fd00::1', 'fd00::2', 1, 2, {
        ext: new Uint8Array([...extHeader(60), ...extHeader(17, 1)]),
        extFirst: 0,
      }),
    },
    true,
  ),
  // An extension header running past the end is invalid: hard no both ways.
  ...matchRows(
    'ip protocol v6 truncated ext',
    R(36, { ipProtocol: 17 }),
    { frame: udp6('fd00::1', 'fd00::2', 1, 2, { ext: extHeader(17, 9), extFirst: 0 }).subarray(0, 60) },
    false,
    false,
  ),
  ...matchRows('ethertype ipv4', R(37, { etherType: 0x0800 }), {}, true),
  ...matchRows('ethertype arp', R(37, { etherType: 0x0806 }), {}, false),
  // ICMP: type match without the code flag is a HARD yes (NOT cannot invert it).
  ...matchRows(
    'icmp echo, no code flag',
    R(38, { icmpType: 8, icmpCode: 0, icmpFlags: 0 }),
    { frame: ICMP_ECHO },
    true,
    true,
  ),
  ...matchRows(
    'icmp echo code 0 with flag',
    R(38, { icmpType: 8, icmpCode: 0, icmpFlags: 1 }),
    { frame: ICMP_ECHO },
    true,
  ),
  ...matchRows(
    'icmp echo code 1 with flag (plain)',
    R(38, { icmpType: 8, icmpCode: 1, icmpFlags: 1 }),
    { frame: ICMP_ECHO },
    false,
    true,
  ),
  ...matchRows(
    'icmp wrong type (hard no)',
    R(38, { icmpType: 0, icmpCode: 0, icmpFlags: 0 }),
    { frame: ICMP_ECHO },
    false,
    false,
  ),
  ...matchRows('icmp on udp (hard no)', R(38, { icmpType: 8, icmpCode: 0, icmpFlags: 0 }), {}, false, false),
  ...matchRows(
    'icmpv6 echo',
    R(38, { icmpType: 128, icmpCode: 0, icmpFlags: 1 }),
    { frame: icmp6('fd00::1', 'fd00::2', 128, 0) },
    true,
  ),
  ...matchRows('dest port 53', R(40, { start: 53, end: 53 }), {}, true),
  ...matchRows('dest port 80-90', R(40, { start: 80, end: 90 }), {}, false),
  ...matchRows('source port 5000', R(39, { start: 4000, end: 6000 }), {}, true),
  ...matchRows(
    'dest port v6 via ext header',
    R(40, { start: 53, end: 53 }),
    { frame: udp6('fd00::1', 'fd00::2', 5000, 53, { ext: extHeader(17), extFirst: 60 }) },
    true,
  ),
  // No port (ICMP): a PLAIN 0, so the NOT-ed rule matches.
  ...matchRows(
    'dest port on icmp (plain 0)',
    R(40, { start: 0, end: 65535 }),
    { frame: ICMP_ECHO },
    false,
    true,
  ),
  // IPv4 accepts port 0 (p >= 0) …
  ...matchRows(
    'v4 port 0 in [0,10]',
    R(40, { start: 0, end: 10 }),
    { frame: udp4('10.1.2.3', '10.9.9.9', 1, 0) },
    true,
  ),
  // … IPv6 does not (p > 0), and that is a plain 0.
  ...matchRows(
    'v6 port 0 in [0,10]',
    R(40, { start: 0, end: 10 }),
    { frame: udp6('fd00::1', 'fd00::2', 1, 0) },
    false,
    true,
  ),
  ...matchRows(
    'port on ARP (hard no)',
    R(40, { start: 0, end: 65535 }),
    { frame: ARP, etherType: 0x0806 },
    false,
    false,
  ),
  ...matchRows('characteristics inbound', R(41, { mask: Characteristics.INBOUND }), { inbound: true }, true),
  ...matchRows('characteristics inbound on outbound', R(41, { mask: Characteristics.INBOUND }), {}, false),
  ...matchRows('tcp SYN v4', R(41, { mask: Characteristics.TCP_SYN }), { frame: SYN4 }, true),
  ...matchRows('tcp ACK v4 on bare SYN', R(41, { mask: Characteristics.TCP_ACK }), { frame: SYN4 }, false),
  ...matchRows('tcp ACK v6 on SYN|ACK', R(41, { mask: Characteristics.TCP_ACK }), { frame: SYNACK6 }, true),
  ...matchRows('tcp flags on udp', R(41, { mask: 0xfffn }), {}, false),
  ...matchRows(
    'multicast dest',
    R(41, { mask: Characteristics.MULTICAST }),
    { macDest: 0x333300000001 },
    true,
  ),
  ...matchRows(
    'broadcast dest',
    R(41, { mask: Characteristics.BROADCAST }),
    { macDest: 0xffffffffffff },
    true,
  ),
  ...matchRows(
    'broadcast on multicast',
    R(41, { mask: Characteristics.BROADCAST }),
    { macDest: 0x333300000001 },
    false,
  ),
  ...matchRows('frame size in range', R(42, { start: V4UDP.length, end: V4UDP.length }), {}, true),
  ...matchRows('frame size out of range', R(42, { start: 0, end: V4UDP.length - 1 }), {}, false),
  ...matchRows('random p = prng', R(43, { probability: PROB }), { random: () => PROB }, true),
  ...matchRows('random p < prng', R(43, { probability: PROB - 1 }), { random: () => PROB }, false),
  ...matchRows(
    'tags difference |5-7| <= 2',
    R(44, { tagId: 1, tagValue: 2 }),
    { cfg: { tags: tagsL as never }, peer: tagsR },
    true,
  ),
  ...matchRows(
    'tags difference |5-7| <= 1',
    R(44, { tagId: 1, tagValue: 1 }),
    { cfg: { tags: tagsL as never }, peer: tagsR },
    false,
  ),
  ...matchRows(
    'tags and 5&7 == 5',
    R(45, { tagId: 1, tagValue: 5 }),
    { cfg: { tags: tagsL as never }, peer: tagsR },
    true,
  ),
  ...matchRows(
    'tags or 5|7 == 7',
    R(46, { tagId: 1, tagValue: 7 }),
    { cfg: { tags: tagsL as never }, peer: tagsR },
    true,
  ),
  ...matchRows(
    'tags xor 5^7 == 2',
    R(47, { tagId: 1, tagValue: 2 }),
    { cfg: { tags: tagsL as never }, peer: tagsR },
    true,
  ),
  ...matchRows(
    'tags xor 5^7 == 3',
    R(47, { tagId: 1, tagValue: 3 }),
    { cfg: { tags: tagsL as never }, peer: tagsR },
    false,
  ),
  ...matchRows(
    'tags equal 5/7',
    R(48, { tagId: 1, tagValue: 5 }),
    { cfg: { tags: tagsL as never }, peer: tagsR },
    false,
  ),
  ...matchRows(
    'tags equal 7/7',
    R(48, { tagId: 1, tagValue: 7 }),
    { cfg: { tags: [{ id: 1, value: 7 }] as never }, peer: tagsR },
    true,
  ),
  ...matchRows(
    'tags: our tag missing (hard no)',
    R(48, { tagId: 2, tagValue: 7 }),
    { cfg: { tags: tagsL as never }, peer: tagsR },
    false,
    false,
  ),
  ...matchRows(
    'tags: their tag missing, inbound (hard no)',
    R(48, { tagId: 1, tagValue: 5 }),
    { inbound: true, cfg: { tags: tagsL as never } },
    false,
    false,
  ),
  ...matchRows(
    'tags: their tag missing, outbound (hard yes)',
    R(48, { tagId: 1, tagValue: 99 }),
    { cfg: { tags: tagsL as never } },
    true,
    true,
  ),
  ...matchRows(
    'tag sender inbound = their tag',
    R(49, { tagId: 1, tagValue: 7 }),
    { inbound: true, cfg: { tags: tagsL as never }, peer: tagsR },
    true,
  ),
  ...matchRows(
    'tag sender outbound = our tag',
    R(49, { tagId: 1, tagValue: 5 }),
    { cfg: { tags: tagsL as never }, peer: tagsR },
    true,
  ),
  ...matchRows(
    'tag sender inbound, theirs missing (hard no)',
    R(49, { tagId: 1, tagValue: 7 }),
    { inbound: true, cfg: { tags: tagsL as never } },
    false,
    false,
  ),
  ...matchRows(
    'tag receiver outbound = their tag',
    R(50, { tagId: 1, tagValue: 7 }),
    { cfg: { tags: tagsL as never }, peer: tagsR },
    true,
  ),
  ...matchRows(
    'tag receiver outbound, theirs missing (hard yes)',
    R(50, { tagId: 1, tagValue: 1 }),
    { cfg: { tags: tagsL as never } },
    true,
    true,
  ),
  ...matchRows(
    'tag receiver inbound = our tag',
    R(50, { tagId: 1, tagValue: 5 }),
    { inbound: true, cfg: { tags: tagsL as never }, peer: tagsR },
    true,
  ),
  ...matchRows(
    'tag receiver inbound, ours missing (hard no)',
    R(50, { tagId: 3, tagValue: 5 }),
    { inbound: true, peer: tagsR },
    false,
    false,
  ),
  // INTEGER_RANGE big-endian 16 bits at index 0 reads frame bytes 6..7 (offset quirk): 0x00 0x11 → 17 (IPv4 byte 6-7 = flags/frag 0, byte 8 ttl 64, byte 9 proto 17).
  ...matchRows(
    'integer range BE u16 @0 reads bytes 6..7',
    R(51, { start: 0n, end: 0n, index: 0, format: 15 }),
    {},
    true,
  ),
  ...matchRows(
    'integer range BE u16 @2 reads bytes 8..9 (ttl,proto)',
    R(51, { start: 0x4011n, end: 0x4011n, index: 2, format: 15 }),
    {},
    true,
  ),
  ...matchRows(
    'integer range past the end reads 0',
    R(51, { start: 0n, end: 0n, index: 1000, format: 7 }),
    {},
    true,
  ),
  ...matchRows('unknown match type 20, flag 0x8 clear', R(20, { raw: new Uint8Array(0) }), {}, false),
  ...matchRows(
    'unknown match type 20, flag 0x8 set',
    R(20, { raw: new Uint8Array(0) }),
    { cfg: { flags: 0x8 } },
    true,
  ),
  ...matchRows(
    'unknown match type 60, flag 0x8 set',
    R(60, { raw: new Uint8Array(0) }),
    { cfg: { flags: 0x8 } },
    true,
  ),
];

describe('rules engine: one row per match type (§8.8)', () => {
  for (const row of matchTable) {
    it(row.name, () => {
      assert.equal(run(row).v, row.expect);
      // The binary form decodes to rules that decide the same way.
      const d = decodeRules(encodeRules(row.rules));
      assert.ok(d.ok);
      assert.equal(run({ ...row, rules: d.value }).v, row.expect);
    });
  }
});

describe('rules engine: actions (§8.8)', () => {
  it('DROP, ACCEPT, BREAK, PRIORITY, unknown action, empty list', () => {
    assert.equal(run({ name: '', rules: [DROP, ACCEPT], expect: 'DROP' }).v, 'DROP');
    assert.equal(run({ name: '', rules: [ACCEPT, DROP], expect: 'ACCEPT' }).v, 'ACCEPT');
    assert.equal(run({ name: '', rules: [BREAK, ACCEPT], expect: 'NO_MATCH' }).v, 'NO_MATCH');
    assert.equal(run({ name: '', rules: [PRIORITY, DROP], expect: 'ACCEPT' }).v, 'ACCEPT');
    assert.equal(
      run({ name: '', rules: [R(9, { raw: new Uint8Array(0) }), DROP], expect: 'DROP' }).v,
      'DROP',
    );
    assert.equal(run({ name: '', rules: [], expect: 'NO_MATCH' }).v, 'NO_MATCH');
  });
  it('a set that did not match skips its action; the next set starts fresh', () => {
    const no = R(37, { etherType: 0x86dd });
    assert.equal(run({ name: '', rules: [no, DROP, ACCEPT], expect: 'ACCEPT' }).v, 'ACCEPT');
    assert.equal(run({ name: '', rules: [no, ACCEPT, DROP], expect: 'DROP' }).v, 'DROP');
  });
  it('TEE records a copy (length 0 = whole frame, else min) and continues', () => {
    const a = run({ name: '', rules: [tee(OTHER), ACCEPT], expect: 'ACCEPT' });
    assert.equal(a.v, 'ACCEPT');
    assert.deepEqual([a.ctx.ccTarget, a.ctx.ccLength, a.ctx.ccWatch], [OTHER, V4UDP.length, false]);
    const b = run({ name: '', rules: [tee(OTHER, 10), DROP], expect: 'DROP' });
    assert.deepEqual([b.v, b.ctx.ccLength], ['DROP', 10]);
    const c = run({ name: '', rules: [tee(OTHER, 60000)], expect: 'NO_MATCH' });
    assert.deepEqual([c.v, c.ctx.ccLength], ['NO_MATCH', V4UDP.length]);
  });
  it('WATCH records a watch copy', () => {
    const a = run({ name: '', rules: [watch(OTHER, 4), ACCEPT], expect: 'ACCEPT' });
    assert.deepEqual([a.ctx.ccTarget, a.ctx.ccLength, a.ctx.ccWatch], [OTHER, 4, true]);
  });
  it('TEE/REDIRECT to the source or the destination is a no-op', () => {
    for (const t of [ME, PEER]) {
      const a = run({ name: '', rules: [tee(t), redirect(t), DROP], expect: 'DROP' });
      assert.deepEqual([a.v, a.ctx.ccTarget, a.ctx.ztDest], ['DROP', 0, PEER]);
    }
  });
  it('TEE/WATCH/REDIRECT to me: SUPER_ACCEPT inbound, no-op outbound', () => {
    const me = ME;
    for (const act of [tee(me), watch(me), redirect(me)]) {
      assert.equal(
        run({ name: '', rules: [act, DROP], inbound: true, ztDest: OTHER, expect: 'SUPER_ACCEPT' }).v,
        'SUPER_ACCEPT',
      );
      assert.equal(
        run({ name: '', rules: [act, DROP], ztSource: OTHER, ztDest: PEER, expect: 'DROP' }).v,
        'DROP',
      );
    }
  });
  it('REDIRECT rewrites ztDest and returns REDIRECT', () => {
    const a = run({ name: '', rules: [redirect(OTHER), ACCEPT], expect: 'REDIRECT' });
    assert.deepEqual([a.v, a.ctx.ztDest], ['REDIRECT', OTHER]);
  });
  it('inbound: a non-matching set whose action targets me turns a later ACCEPT into SUPER_ACCEPT', () => {
    const no = R(37, { etherType: 0x86dd });
    assert.equal(
      run({ name: '', rules: [no, tee(ME), ACCEPT], inbound: true, expect: 'SUPER_ACCEPT' }).v,
      'SUPER_ACCEPT',
    );
    assert.equal(
      run({ name: '', rules: [no, tee(OTHER), ACCEPT], inbound: true, expect: 'ACCEPT' }).v,
      'ACCEPT',
    );
    assert.equal(run({ name: '', rules: [no, tee(ME), ACCEPT], expect: 'ACCEPT' }).v, 'ACCEPT');
  });
});

describe('rules engine: NOT / OR combinations', () => {
  const yes = R(37, { etherType: 0x0800 });
  const no = R(37, { etherType: 0x0806 });
  const cases: Array<[string, Rule[], RulesVerdict]> = [
    ['yes AND yes', [yes, yes, ACCEPT], 'ACCEPT'],
    ['yes AND no', [yes, no, ACCEPT], 'NO_MATCH'],
    ['no OR yes', [no, { ...yes, or: true }, ACCEPT], 'ACCEPT'],
    ['no OR no', [no, { ...no, or: true }, ACCEPT], 'NO_MATCH'],
    ['yes AND NOT yes', [yes, { ...yes, not: true }, ACCEPT], 'NO_MATCH'],
    ['NOT no', [{ ...no, not: true }, ACCEPT], 'ACCEPT'],
    ['no OR NOT no', [no, { ...no, or: true, not: true }, ACCEPT], 'ACCEPT'],
    ['yes OR no AND no', [yes, { ...no, or: true }, no, ACCEPT], 'NO_MATCH'],
    ['no AND no OR yes (left to right)', [no, no, { ...yes, or: true }, ACCEPT], 'ACCEPT'],
  ];
  for (const [name, rules, expect] of cases)
    it(name, () => assert.equal(run({ name, rules, expect }).v, expect));

  it('AND short-circuits (the PRNG is not consulted) but OR is still evaluated', () => {
    let calls = 0;
    const random = () => {
      calls++;
      return 0;
    };
    run({ name: '', rules: [no, R(43, { probability: 0 }), ACCEPT], random, expect: 'NO_MATCH' });
    assert.equal(calls, 0);
    const a = run({
      name: '',
      rules: [no, R(43, { probability: 0 }, { or: true }), ACCEPT],
      random,
      expect: 'ACCEPT',
    });
    assert.equal(calls, 1);
    assert.equal(a.v, 'ACCEPT');
  });
});

describe('rules engine: skipDrop and superAccept semantics of tag matches', () => {
  const cfg = { tags: tagsL as never };
  it('their tag missing outbound: hard yes AND the next DROP is skipped', () => {
    // With their tag present and equal the set matches and DROPs …
    const peer = { tags: [{ id: 1, value: 5 }], capabilities: [], coos: [] };
    assert.equal(
      run({ name: '', rules: [R(48, { tagId: 1, tagValue: 5 }), DROP], cfg, peer, expect: 'DROP' }).v,
      'DROP',
    );
    // … missing, the DROP is skipped and the list falls through.
    assert.equal(
      run({ name: '', rules: [R(48, { tagId: 1, tagValue: 5 }), DROP], cfg, expect: 'NO_MATCH' }).v,
      'NO_MATCH',
    );
    // Only ONE drop is skipped.
    assert.equal(
      run({ name: '', rules: [R(48, { tagId: 1, tagValue: 5 }), DROP, DROP], cfg, expect: 'DROP' }).v,
      'DROP',
    );
  });
  it('receiver tag missing outbound skips the drop too', () => {
    assert.equal(
      run({ name: '', rules: [R(50, { tagId: 1, tagValue: 5 }), DROP, ACCEPT], cfg, expect: 'ACCEPT' }).v,
      'ACCEPT',
    );
  });
  it('superAccept (inbound, we are a TEE target) turns missing-tag matches into hard yes', () => {
    const no = R(37, { etherType: 0x86dd });
    const rules = [no, tee(ME), R(48, { tagId: 1, tagValue: 5 }), ACCEPT];
    assert.equal(run({ name: '', rules, inbound: true, cfg, expect: 'SUPER_ACCEPT' }).v, 'SUPER_ACCEPT');
    // Without the TEE-to-me set, the same inbound frame does not match.
    assert.equal(
      run({ name: '', rules: rules.slice(2), inbound: true, cfg, expect: 'NO_MATCH' }).v,
      'NO_MATCH',
    );
    // TAG_SENDER under superAccept: hard yes even with a mismatching tag.
    const peer = { tags: [{ id: 1, value: 9 }], capabilities: [], coos: [] };
    const r2 = [no, tee(ME), R(49, { tagId: 1, tagValue: 5 }), ACCEPT];
    assert.equal(
      run({ name: '', rules: r2, inbound: true, cfg, peer, expect: 'SUPER_ACCEPT' }).v,
      'SUPER_ACCEPT',
    );
  });
});

describe('rules engine: sender IP/MAC authenticated (§8.8 characteristics)', () => {
  const IPA = R(41, { mask: Characteristics.SENDER_IP_AUTHENTICATED });
  const MACA = R(41, { mask: Characteristics.SENDER_MAC_AUTHENTICATED });
  const coo = (f: (c: CertificateOfOwnership) => void) => {
    const c = new CertificateOfOwnership({ networkId: NWID, timestamp: 1, id: 1, issuedTo: PEER });
    f(c);
    return c;
  };
  const peerWith = (c: CertificateOfOwnership): PeerCredentials => ({
    tags: [],
    capabilities: [],
    coos: [c],
  });
  const v4 = udp4('10.1.2.3', '10.9.9.9', 1, 2);
  const cases: Array<[string, Partial<Row>, RulesVerdict]> = [
    [
      'inbound, sender COO owns the IPv4 source',
      { inbound: true, frame: v4, peer: peerWith(coo((c) => c.addIp(ip('10.1.2.3')))) },
      'ACCEPT',
    ],
    [
      'inbound, COO owns another IPv4',
      { inbound: true, frame: v4, peer: peerWith(coo((c) => c.addIp(ip('10.1.2.4')))) },
      'NO_MATCH',
    ],
    ['inbound, no COO', { inbound: true, frame: v4 }, 'NO_MATCH'],
    [
      'inbound, ARP sender IP owned',
      { inbound: true, frame: ARP, etherType: 0x0806, peer: peerWith(coo((c) => c.addIp(ip('10.1.2.3')))) },
      'ACCEPT',
    ],
    [
      'inbound, IPv6 source owned',
      { inbound: true, frame: V6UDP, peer: peerWith(coo((c) => c.addIp(ip('fd00::1')))) },
      'ACCEPT',
    ],
    [
      'inbound, NS is always authenticated',
      {
        inbound: true,
        frame: neighborSolicitation('fd00::9', 'ff02::1:ff00:2', ip('fd00::2'), new Uint8Array(6)),
      },
      'ACCEPT',
    ],
    [
      'inbound, NA uses its target (owned)',
      {
        inbound: true,
        frame: neighborAdvertisement('fe80::1', 'fd00::2', ip('fd00::7'), new Uint8Array(6)),
        peer: peerWith(coo((c) => c.addIp(ip('fd00::7')))),
      },
      'ACCEPT',
    ],
    [
      'inbound, NA uses its target, not its source',
      {
        inbound: true,
        frame: neighborAdvertisement('fd00::7', 'fd00::2', ip('fd00::8'), new Uint8Array(6)),
        peer: peerWith(coo((c) => c.addIp(ip('fd00::7')))),
      },
      'NO_MATCH',
    ],
    [
      'outbound uses OUR COOs',
      { frame: v4, cfg: { certificatesOfOwnership: [coo((c) => c.addIp(ip('10.1.2.3')))] } },
      'ACCEPT',
    ],
    [
      'outbound ignores the peer COOs',
      { frame: v4, peer: peerWith(coo((c) => c.addIp(ip('10.1.2.3')))) },
      'NO_MATCH',
    ],
  ];
  for (const [name, over, expect] of cases)
    it(name, () => assert.equal(run({ name, rules: [IPA, ACCEPT], expect, ...over }).v, expect));

  it('NDP-emulated 6PLANE / RFC4193 prefixes of our own assigned address count as owned (inbound)', () => {
    const six = sixPlaneAddress(NWID, PEER);
    const src = Array.from({ length: 8 }, (_, i) => ((six[2 * i] << 8) | six[2 * i + 1]).toString(16)).join(
      ':',
    );
    const frame = udp6(src, 'fd00::2', 1, 2);
    const cfg = { flags: 0x4, staticIps: [sixPlaneInet(NWID, ME)] };
    assert.equal(
      run({ name: '', rules: [IPA, ACCEPT], inbound: true, frame, cfg, expect: 'ACCEPT' }).v,
      'ACCEPT',
    );
    // Not without the NDP emulation flag, nor without our 6PLANE address assigned.
    assert.equal(
      run({
        name: '',
        rules: [IPA, ACCEPT],
        inbound: true,
        frame,
        cfg: { ...cfg, flags: 0 },
        expect: 'NO_MATCH',
      }).v,
      'NO_MATCH',
    );
    assert.equal(
      run({
        name: '',
        rules: [IPA, ACCEPT],
        inbound: true,
        frame,
        cfg: { ...cfg, staticIps: [rfc4193Inet(NWID, ME)] },
        expect: 'NO_MATCH',
      }).v,
      'NO_MATCH',
    );
  });

  it('sender MAC authenticated by a MAC thing', () => {
    const peer = peerWith(coo((c) => c.addMac(PEER_MAC)));
    assert.equal(run({ name: '', rules: [MACA, ACCEPT], inbound: true, peer, expect: 'ACCEPT' }).v, 'ACCEPT');
    assert.equal(run({ name: '', rules: [MACA, ACCEPT], inbound: true, expect: 'NO_MATCH' }).v, 'NO_MATCH');
  });
});

describe('rules engine: INTEGER_RANGE quirks', () => {
  const f = new Uint8Array([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0]);
  it('big-endian reads at index + (8 - bytes)', () => {
    // 8 bits at index 0 → byte 7 (0x80); 32 bits at index 0 → bytes 4..7.
    assert.equal(matchIntegerRange(0x80n, 0x80n, 0, 7, f), 1);
    assert.equal(matchIntegerRange(0x50607080n, 0x50607080n, 0, 31, f), 1);
    assert.equal(matchIntegerRange(0x10n, 0x10n, 0, 7, f), 0);
    // 12 bits: 2 bytes at index 6, masked to the low 12 bits: 0x7080 & 0xfff = 0x080.
    assert.equal(matchIntegerRange(0x080n, 0x080n, 0, 11, f), 1);
  });
  it('little-endian reads at index; odd widths keep the high bits', () => {
    assert.equal(matchIntegerRange(0x2010n, 0x2010n, 0x80 & 0, 0x80 | 15, f), 1);
    // 12 bits LE at index 0: 16-bit LE value 0x2010 >> 4 = 0x201.
    assert.equal(matchIntegerRange(0x201n, 0x201n, 0, 0x80 | 11, f), 1);
    assert.equal(matchIntegerRange(0x010n, 0x010n, 0, 0x80 | 11, f), 0);
  });
  it('a read past the end gives 0; ranges are inclusive; widths of 2^32 or more wrap', () => {
    assert.equal(matchIntegerRange(0n, 0n, 5, 31, f), 1);
    assert.equal(matchIntegerRange(1n, 5n, 5, 31, f), 0);
    assert.equal(matchIntegerRange(0x70n, 0x80n, 0, 7, f), 1);
    // end - start = 2^32 is stored as width 0: only `start` matches.
    assert.equal(matchIntegerRange(0x80n, 0x80n + 0x100000000n, 0, 7, f), 1);
    assert.equal(matchIntegerRange(0x7fn, 0x7fn + 0x100000000n, 0, 7, f), 0);
  });
});

describe('rules engine: header-layout details', () => {
  it('IPv4 with options: ports, ICMP and TCP flags are read after IHL*4 bytes', () => {
    // Rebuild a UDP/IPv4 frame with a 4-byte options field (IHL 6).
    const base = udp4('10.1.2.3', '10.9.9.9', 5000, 53);
    const f = new Uint8Array(base.length + 4);
    f.set(base.subarray(0, 20), 0);
    f[0] = 0x46;
    f.set([1, 1, 1, 0], 20); // NOP NOP NOP EOL
    f.set(base.subarray(20), 24);
    assert.equal(
      run({ name: '', rules: [R(40, { start: 53, end: 53 }), ACCEPT], frame: f, expect: 'ACCEPT' }).v,
      'ACCEPT',
    );
    assert.equal(
      run({ name: '', rules: [R(39, { start: 5000, end: 5000 }), ACCEPT], frame: f, expect: 'ACCEPT' }).v,
      'ACCEPT',
    );
    // Read at offset 20 instead, the "ports" would be 0x0101 / 0x0100.
    assert.equal(
      run({ name: '', rules: [R(40, { start: 0x100, end: 0x100 }), ACCEPT], frame: f, expect: 'NO_MATCH' }).v,
      'NO_MATCH',
    );
  });
  it('TCP flags: the NS bit and the reserved bits come from the low nibble of byte 12', () => {
    const f = Uint8Array.from(SYN4);
    f[20 + 12] |= 0x0f; // data offset nibble untouched, reserved (3 bits) + NS set
    const mask = (m: bigint) =>
      run({ name: '', rules: [R(41, { mask: m }), ACCEPT], frame: f, expect: 'ACCEPT' }).v;
    assert.equal(mask(Characteristics.TCP_NS), 'ACCEPT');
    assert.equal(mask(Characteristics.TCP_RESERVED_0), 'ACCEPT');
    assert.equal(mask(Characteristics.TCP_RESERVED_2), 'ACCEPT');
    assert.equal(
      run({
        name: '',
        rules: [R(41, { mask: Characteristics.TCP_NS }), ACCEPT],
        frame: SYN4,
        expect: 'NO_MATCH',
      }).v,
      'NO_MATCH',
    );
  });
  it('TCP flags over IPv6 behind an extension header', () => {
    const seg = tcp6('fd00::1', 'fd00::2', 1, 2, 0x01);
    const f = new Uint8Array(seg.length + 8);
    f.set(seg.subarray(0, 40), 0);
    f[6] = 60;
    f.set(extHeader(6), 40);
    f.set(seg.subarray(40), 48);
    assert.equal(
      run({ name: '', rules: [R(41, { mask: Characteristics.TCP_FIN }), ACCEPT], frame: f, expect: 'ACCEPT' })
        .v,
      'ACCEPT',
    );
    assert.equal(
      run({
        name: '',
        rules: [R(41, { mask: Characteristics.TCP_SYN }), ACCEPT],
        frame: f,
        expect: 'NO_MATCH',
      }).v,
      'NO_MATCH',
    );
  });
});

describe('rules engine: NOT inverts every plain match (property)', () => {
  // Matches that only ever give plain results on these frames: NOT must flip the decision.
  const frames = [V4UDP, V6UDP, SYN4, ICMP_ECHO];
  const plain: Rule[] = [
    R(24, { address: ME }),
    R(25, { address: OTHER }),
    R(26, { vlanId: 0 }),
    R(29, { mac: ME_MAC }),
    R(30, { mac: 0x020000000000 }),
    R(37, { etherType: 0x86dd }),
    R(41, { mask: Characteristics.TCP_SYN | Characteristics.INBOUND }),
    R(42, { start: 40, end: 60 }),
    R(43, { probability: 0x80000000 }),
  ];
  it('for each (rule, frame, direction, prng)', () => {
    let n = 0;
    for (const rule of plain)
      for (const frame of frames)
        for (const inbound of [false, true])
          for (const r of [0, 0x7fffffff, 0xffffffff]) {
            const a = run({
              name: '',
              rules: [rule, ACCEPT],
              frame,
              inbound,
              random: () => r,
              expect: 'ACCEPT',
            }).v;
            const b = run({
              name: '',
              rules: [{ ...rule, not: true }, ACCEPT],
              frame,
              inbound,
              random: () => r,
              expect: 'ACCEPT',
            }).v;
            assert.notEqual(a, b, `${rule.type} ${inbound}`);
            n++;
          }
    assert.equal(n, plain.length * frames.length * 2 * 3);
  });
});
