/**
 * The one implementation of IP address text (RFC 4291 §2.2 for input, RFC 5952 for output) that
 * the ZeroTier wire code (`protocol/inet-address.ts`), the stack (`stack/wire/ip-address.ts`) and
 * the in-memory network (`testing/ip.ts`) share. Addresses are 4 or 16 bytes in network order.
 * Pure functions of their arguments; parsers return `null` and never throw.
 * @module
 */

/** Parses dotted-quad IPv4 text (exactly four decimal parts of 1–3 digits, each ≤ 255), or null. */
export function parseIpv4Text(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** The 16-bit groups of one side of `::` (an embedded dotted quad allowed last), or null. */
function parseGroups(part: string): number[] | null {
  if (part === '') return [];
  const groups: number[] = [];
  const items = part.split(':');
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (i === items.length - 1 && it.includes('.')) {
      // Embedded IPv4 in the last 32 bits (RFC 4291 §2.2, form 3).
      const v4 = parseIpv4Text(it);
      if (!v4) return null;
      groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
      groups.push(Number.parseInt(it, 16));
    }
  }
  return groups;
}

/**
 * Parses IPv6 text: eight groups, or fewer with one `::` standing for at least one zero group,
 * and an optional embedded IPv4 tail. A `%zone` suffix is ignored. Returns null if not IPv6.
 */
export function parseIpv6Text(s: string): Uint8Array | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0]);
  const tail = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!head || !tail) return null;
  const total = head.length + tail.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return null;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = all[i] >> 8;
    out[i * 2 + 1] = all[i] & 0xff;
  }
  return out;
}

/** Dotted-quad text of the first four bytes of `a`. */
export function formatIpv4Text(a: Uint8Array): string {
  return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
}

/**
 * RFC 5952 text of a 16-byte IPv6 address: lowercase hex without leading zeros, the longest run
 * of two or more zero groups written `::` (the first one on a tie, §4.2). IPv4-mapped addresses
 * get no dotted tail here (callers that want `::ffff:a.b.c.d`, §5, add it).
 */
export function formatIpv6Text(a: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((a[i] << 8) | a[i + 1]);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}
