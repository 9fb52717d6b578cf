import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyNetworkConfig } from '../../protocol/netconf.ts';
import { decodeRules, encodeRules } from '../../protocol/rules.ts';
import { adHocIpv4Rules, adHocPortRangeRules } from './adhoc-rules.ts';
import { createRulesContext, evaluateRules, type RulesVerdict } from './rules-engine.ts';
import { arpRequest, icmp6, tcp6, udp4, udp6 } from './test-frames.ts';

const NWID = 0xff1f401f50000000n; // ports 0x1f40..0x1f50 (8000..8016)

function decide(
  rules: ReturnType<typeof adHocPortRangeRules>,
  frame: Uint8Array,
  etherType: number,
): RulesVerdict {
  const c = emptyNetworkConfig(NWID, 0x0102030405);
  const ctx = createRulesContext(c, null, true, {
    ztSource: 0x0a0b0c0d0e,
    ztDest: 0x0102030405,
    macSource: 0x020000000001,
    macDest: 0x020000000002,
    etherType,
    frame,
  });
  return evaluateRules(rules, ctx);
}

describe('ad-hoc network rules (§1.2)', () => {
  const rules = adHocPortRangeRules(8000, 8016);
  const rows: Array<[string, Uint8Array, number, RulesVerdict]> = [
    ['IPv4 dropped', udp4('10.0.0.1', '10.0.0.2', 1, 8000), 0x0800, 'DROP'],
    ['ARP dropped', arpRequest(new Uint8Array(6), '10.0.0.1', '10.0.0.2'), 0x0806, 'DROP'],
    ['ICMPv6 accepted', icmp6('fc00::1', 'fc00::2', 128, 0), 0x86dd, 'ACCEPT'],
    ['TCP SYN to a port in range', tcp6('fc00::1', 'fc00::2', 40000, 8010, 0x02), 0x86dd, 'ACCEPT'],
    ['UDP to a port in range', udp6('fc00::1', 'fc00::2', 40000, 8016), 0x86dd, 'ACCEPT'],
    ['TCP SYN to a port out of range', tcp6('fc00::1', 'fc00::2', 40000, 22, 0x02), 0x86dd, 'DROP'],
    ['TCP SYN+ACK (reply) from any port', tcp6('fc00::1', 'fc00::2', 22, 40000, 0x12), 0x86dd, 'ACCEPT'],
    ['TCP ACK (established) to any port', tcp6('fc00::1', 'fc00::2', 40000, 22, 0x10), 0x86dd, 'ACCEPT'],
    // Quirk: "not a SYN" is true for every non-TCP frame, so UDP passes to any port.
    ['UDP to a port out of range (quirk: accepted)', udp6('fc00::1', 'fc00::2', 40000, 22), 0x86dd, 'ACCEPT'],
  ];
  for (const [name, frame, et, expect] of rows)
    it(name, () => assert.equal(decide(rules, frame, et), expect));

  it('14 rules, canonical binary form round-trips', () => {
    assert.equal(rules.length, 14);
    const d = decodeRules(encodeRules(rules));
    assert.ok(d.ok);
    assert.deepEqual(encodeRules(d.value), encodeRules(rules));
    assert.equal(encodeRules(rules)[0], 0x80 | 37);
    assert.throws(() => adHocPortRangeRules(0, 70000), RangeError);
  });

  it('IPv4 ad-hoc networks accept everything', () => {
    assert.equal(decide(adHocIpv4Rules(), udp4('10.0.0.1', '10.0.0.2', 1, 2), 0x0800), 'ACCEPT');
  });
});
