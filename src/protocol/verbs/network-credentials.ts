/**
 * NETWORK_CREDENTIALS (0x0a) (protocol.md §6.11):
 * ```
 * [COM …]                zero or more COMs (each starts with 0x01)
 * 0x00                   terminator
 * u16 nCaps, caps…       §8.4
 * u16 nTags, tags…       §8.5
 * u16 nRevs, revs…       §8.7
 * u16 nCoos, coos…       §8.6
 * ```
 * The trailing sections may be absent (older senders); absent sections decode as
 * `undefined`, and the encoder writes sections up to the last one that is set (1.14
 * always writes all four).
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';
import {
  Capability,
  CertificateOfMembership,
  CertificateOfOwnership,
  Revocation,
  Tag,
} from '../credentials/index.ts';

/** NETWORK_CREDENTIALS payload. */
export interface NetworkCredentials {
  readonly coms: readonly CertificateOfMembership[];
  readonly capabilities?: readonly Capability[];
  readonly tags?: readonly Tag[];
  readonly revocations?: readonly Revocation[];
  readonly coos?: readonly CertificateOfOwnership[];
}

interface Encodable {
  encode(w: Writer): void;
}

/** Writes a NETWORK_CREDENTIALS payload. */
export function encodeNetworkCredentials(w: Writer, v: NetworkCredentials): void {
  for (const c of v.coms) c.encode(w);
  w.u8(0);
  const sections: (readonly Encodable[] | undefined)[] = [v.capabilities, v.tags, v.revocations, v.coos];
  let last = -1;
  sections.forEach((s, i) => {
    if (s !== undefined) last = i;
  });
  for (let i = 0; i <= last; i++) {
    const s = sections[i] ?? [];
    if (s.length > 0xffff) throw new RangeError('encodeNetworkCredentials: too many credentials');
    w.u16(s.length);
    for (const c of s) c.encode(w);
  }
}

function readList<T>(r: Reader, decode: (r: Reader) => Decoded<T>, what: string): Decoded<T[] | undefined> {
  if (r.remaining === 0) return ok(undefined);
  const n = r.u16();
  if (r.overrun) return fail('creds-truncated');
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const d = decode(r);
    if (!d.ok) return fail(`creds-${what}-${d.reason}`);
    out.push(d.value);
  }
  return ok(out);
}

/**
 * Decodes a NETWORK_CREDENTIALS payload. Reasons: `creds-truncated`, or
 * `creds-<com|cap|tag|rev|coo>-<credential reason>`.
 */
export function decodeNetworkCredentials(payload: Uint8Array): Decoded<NetworkCredentials> {
  const r = new Reader(payload);
  const coms: CertificateOfMembership[] = [];
  for (;;) {
    if (r.remaining === 0) return fail('creds-truncated');
    if (payload[r.pos] === 0) break;
    const c = CertificateOfMembership.decode(r);
    if (!c.ok) return fail(`creds-com-${c.reason}`);
    coms.push(c.value);
  }
  r.skip(1);
  const caps = readList(r, (x) => Capability.decode(x), 'cap');
  if (!caps.ok) return caps;
  const tags = readList(r, (x) => Tag.decode(x), 'tag');
  if (!tags.ok) return tags;
  const revs = readList(r, (x) => Revocation.decode(x), 'rev');
  if (!revs.ok) return revs;
  const coos = readList(r, (x) => CertificateOfOwnership.decode(x), 'coo');
  if (!coos.ok) return coos;
  return ok({
    coms,
    ...(caps.value && { capabilities: caps.value }),
    ...(tags.value && { tags: tags.value }),
    ...(revs.value && { revocations: revs.value }),
    ...(coos.value && { coos: coos.value }),
  });
}
