/**
 * Human-readable rules (for status output, traces and test failure messages), written in the
 * spirit of ZeroTier's rules language: one statement per action, the action first and its
 * matches after it — `drop not ethertype 0x86dd;`, `accept ipprotocol 17 or ipprotocol 6 and
 * dport 8000-8016;`. Display only: no parser, and the text is not meant to be fed back.
 * @module
 */

import { formatAddress, formatMac } from '../../protocol/address.ts';
import { Characteristics, type Rule } from '../../protocol/rules.ts';
import { formatIp } from '../../stack/wire/ip-address.ts';

const ACTIONS: Record<number, string> = {
  0: 'drop',
  1: 'accept',
  2: 'tee',
  3: 'watch',
  4: 'redirect',
  5: 'break',
  6: 'priority',
};

const CHR: Array<[bigint, string]> = Object.entries(Characteristics).map(([k, v]) => [v, k.toLowerCase()]);

function hex(n: number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}

/** One match without its not/or prefix. */
export function formatMatch(r: Rule): string {
  switch (r.type) {
    case 24:
      return `ztsrc ${formatAddress(r.address)}`;
    case 25:
      return `ztdest ${formatAddress(r.address)}`;
    case 26:
      return `vlan ${r.vlanId}`;
    case 27:
      return `vlanpcp ${r.vlanPcp}`;
    case 28:
      return `vlandei ${r.vlanDei}`;
    case 29:
      return `macsrc ${formatMac(r.mac)}`;
    case 30:
      return `macdest ${formatMac(r.mac)}`;
    case 31:
    case 33:
      return `ipsrc ${formatIp(r.ip)}/${r.prefixBits}`;
    case 32:
    case 34:
      return `ipdest ${formatIp(r.ip)}/${r.prefixBits}`;
    case 35:
      return `iptos ${hex(r.mask, 2)} ${r.start}-${r.end}`;
    case 36:
      return `ipprotocol ${r.ipProtocol}`;
    case 37:
      return `ethertype ${hex(r.etherType, 4)}`;
    case 38:
      return `icmp ${r.icmpType} ${(r.icmpFlags & 1) !== 0 ? r.icmpCode : -1}`;
    case 39:
      return `sport ${r.start}-${r.end}`;
    case 40:
      return `dport ${r.start}-${r.end}`;
    case 41: {
      const names = CHR.filter(([bit]) => (r.mask & bit) !== 0n).map(([, n]) => n);
      return `chr ${names.length > 0 ? names.join(',') : '0'}`;
    }
    case 42:
      return `framesize ${r.start}-${r.end}`;
    case 43:
      return `random ${(r.probability >>> 0) / 0xffffffff}`;
    case 44:
      return `tdiff ${r.tagId} ${r.tagValue}`;
    case 45:
      return `tand ${r.tagId} ${r.tagValue}`;
    case 46:
      return `tor ${r.tagId} ${r.tagValue}`;
    case 47:
      return `txor ${r.tagId} ${r.tagValue}`;
    case 48:
      return `teq ${r.tagId} ${r.tagValue}`;
    case 49:
      return `tseq ${r.tagId} ${r.tagValue}`;
    case 50:
      return `treq ${r.tagId} ${r.tagValue}`;
    case 51:
      return `integer ${(r.format & 0x80) !== 0 ? 'le' : 'be'}${(r.format & 63) + 1}@${r.index} ${r.start}-${r.end}`;
    default:
      return `unknown-match-${r.type}`;
  }
}

function formatAction(r: Rule): string {
  const name = ACTIONS[r.type] ?? `unknown-action-${r.type}`;
  if (r.type === 2 || r.type === 3)
    return `${name} ${r.length === 0 ? -1 : r.length} ${formatAddress(r.address)}`;
  if (r.type === 4) return `${name} ${formatAddress(r.address)}`;
  if (r.type === 6) return `${name} 0`;
  return name;
}

/** The rules as statements, one string per action (matches after a list's last action become a trailing `# …` line). */
export function formatRules(rules: readonly Rule[]): string[] {
  const out: string[] = [];
  let matches: string[] = [];
  for (const r of rules) {
    if (r.type <= 15) {
      out.push(`${[formatAction(r), ...matches].join(' ')};`);
      matches = [];
      continue;
    }
    const text = `${r.not ? 'not ' : ''}${formatMatch(r)}`;
    matches.push(matches.length === 0 ? text : `${r.or ? 'or' : 'and'} ${text}`);
  }
  if (matches.length > 0) out.push(`# (no action) ${matches.join(' ')}`);
  return out;
}
