/**
 * Path MTU per physical destination (protocol.md §3.1, §3.3): the largest UDP payload a sender
 * puts in one datagram before it fragments. Like the reference's local.conf `physical` block
 * (`{ "10.0.0.0/8": { "mtu": 9000 } }`), the node takes an MTU per CIDR, clamped to
 * `ZT_MIN_PHYSMTU`..`ZT_MAX_PHYSMTU` (1400..10324); the longest matching prefix wins.
 *
 * Defaults when no rule matches:
 * - loopback (127.0.0.0/8, ::1): `ZT_MAX_PHYSMTU` (10324). The loopback interface's own MTU is
 *   64 KiB, so a datagram of up to 10324 bytes is never IP-fragmented or dropped on it, and a
 *   2800-byte VL2 frame (a ~2840-byte packet) leaves as ONE datagram instead of two: half the
 *   sendto/recvmsg calls, no fragment header, no reassembly copy. Receivers accept a whole
 *   packet in one datagram up to their buffer (§3.3; the reference takes up to 10024 bytes), so
 *   this is wire-compatible with ZeroTier One on the same host.
 * - everything else: `ZT_DEFAULT_PHYSMTU` (1432), as the reference.
 * @module
 */
import { DEFAULT_PHYS_MTU, MAX_PHYS_MTU, MIN_PHYS_MTU } from '../protocol/fragment.ts';
import type { InetAddress } from '../protocol/inet-address.ts';
import { parseIpv4Text, parseIpv6Text } from '../util/ip-text.ts';

/**
 * Physical MTU per CIDR, as the node option `physicalMtu`: keys are `a.b.c.d/len`, `ipv6/len`
 * or a bare address (a host route); values are MTUs in bytes (clamped to 1400..10324).
 */
export type PhysicalMtuConfig = Readonly<Record<string, number>>;

interface Rule {
  readonly family: 4 | 6;
  readonly prefix: Uint8Array;
  readonly bits: number;
  readonly mtu: number;
}

/** Clamps an MTU to `ZT_MIN_PHYSMTU`..`ZT_MAX_PHYSMTU` as the reference does for local.conf. */
export function clampPhysicalMtu(mtu: number): number {
  return Math.min(MAX_PHYS_MTU, Math.max(MIN_PHYS_MTU, Math.floor(mtu)));
}

/** True for 127.0.0.0/8 and ::1 (the host's own loopback interface). */
export function isLoopbackAddress(a: InetAddress): boolean {
  const b = a.ip;
  if (a.family === 4) return b[0] === 127;
  for (let i = 0; i < 15; i++) if (b[i] !== 0) return false;
  return b[15] === 1;
}

function parseRule(cidr: string, mtu: number): Rule {
  if (typeof mtu !== 'number' || !Number.isFinite(mtu))
    throw new TypeError(`physicalMtu: MTU of ${cidr} must be a finite number`);
  const slash = cidr.indexOf('/');
  const ipText = slash >= 0 ? cidr.slice(0, slash) : cidr;
  const v4 = parseIpv4Text(ipText);
  const ip = v4 ?? parseIpv6Text(ipText);
  if (ip === null) throw new TypeError(`physicalMtu: not a CIDR: ${cidr}`);
  const max = ip.length * 8;
  let bits = max;
  if (slash >= 0) {
    const t = cidr.slice(slash + 1);
    bits = /^\d{1,3}$/.test(t) ? Number(t) : -1;
    if (bits < 0 || bits > max) throw new TypeError(`physicalMtu: bad prefix length in ${cidr}`);
  }
  return { family: v4 ? 4 : 6, prefix: ip, bits, mtu: clampPhysicalMtu(mtu) };
}

function matches(r: Rule, a: InetAddress): boolean {
  if (r.family !== a.family) return false;
  const full = r.bits >>> 3;
  for (let i = 0; i < full; i++) if (a.ip[i] !== r.prefix[i]) return false;
  const rest = r.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a.ip[full] & mask) === (r.prefix[full] & mask);
}

/** The path-MTU table of a node (see the module documentation). */
export class PhysicalMtu {
  /** Rules, longest prefix first. */
  private readonly rules: readonly Rule[];

  /** @throws TypeError on a key that is not a CIDR or a non-numeric MTU (API misuse). */
  constructor(config: PhysicalMtuConfig = {}) {
    const rules: Rule[] = [];
    for (const [cidr, mtu] of Object.entries(config)) rules.push(parseRule(cidr, mtu));
    rules.sort((x, y) => y.bits - x.bits);
    this.rules = rules;
  }

  /** The MTU to fragment at when sending to `to` (§3.3). Cheap: a few byte compares per rule. */
  mtuFor(to: InetAddress): number {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) if (matches(rules[i], to)) return rules[i].mtu;
    return isLoopbackAddress(to) ? MAX_PHYS_MTU : DEFAULT_PHYS_MTU;
  }
}
