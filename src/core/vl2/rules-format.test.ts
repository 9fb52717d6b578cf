import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Characteristics, type Rule } from '../../protocol/rules.ts';
import { adHocPortRangeRules } from './adhoc-rules.ts';
import { formatRules } from './rules-format.ts';
import { ip } from './test-frames.ts';

describe('formatRules', () => {
  it('the ad-hoc port-range set reads as statements', () => {
    assert.deepEqual(formatRules(adHocPortRangeRules(8000, 8016)), [
      'drop not ethertype 0x86dd;',
      'accept ipprotocol 58;',
      'accept ipprotocol 17 or ipprotocol 6 and dport 8000-8016;',
      'accept not chr tcp_syn;',
      'accept chr tcp_syn and chr tcp_ack;',
      'drop;',
    ]);
  });
  it('actions with targets, matches with values, dangling matches', () => {
    const R = (type: number, v: Record<string, unknown> = {}): Rule =>
      ({ not: false, or: false, type, ...v }) as Rule;
    const lines = formatRules([
      R(31, { ip: ip('10.0.0.0'), prefixBits: 8 }),
      R(41, { mask: Characteristics.INBOUND | Characteristics.TCP_FIN }),
      R(2, { address: 0x0a0b0c0d0e, flags: 0, length: 64 }),
      R(38, { icmpType: 8, icmpCode: 0, icmpFlags: 0 }),
      R(4, { address: 0x0102030405, flags: 0, length: 0 }),
      R(48, { tagId: 1, tagValue: 2 }),
    ]);
    assert.deepEqual(lines, [
      'tee 64 0a0b0c0d0e ipsrc 10.0.0.0/8 and chr inbound,tcp_fin;',
      'redirect 0102030405 icmp 8 -1;',
      '# (no action) teq 1 2',
    ]);
  });
});
