/**
 * IP address strings for the in-memory network: validation and one canonical text form per
 * address, so that `fd00:0:0::1` and `fd00::1` name the same host. IPv6 text follows RFC 5952
 * (lowercase, no leading zeros, the longest run of two or more zero groups written `::`).
 * Zone ids (`%eth0`) are not supported.
 * @module
 */

/** Address family of a canonical IP string. */
export type IpFamily = 4 | 6;

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out.push(v);
  }
  return out;
}

function parseV6(s: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const items = h.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseV4(it); // embedded IPv4 in the last 32 bits (RFC 4291 §2.2, form 3)
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
        out.push(Number.parseInt(it, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const zeros = 8 - head.length - tail.length;
  if (zeros < 1) return undefined;
  return [...head, ...new Array(zeros).fill(0), ...tail];
}

function formatV6(g: number[]): string {
  // RFC 5952 §4.2: compress the longest run (≥ 2) of zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

// Simulations send millions of datagrams to a few hundred addresses: remember recent answers.
const CACHE_LIMIT = 4096;
const cache = new Map<string, string | undefined>();

/** The canonical form of an IPv4 or IPv6 address string, or `undefined` if it is not one. */
export function canonicalIp(ip: string): string | undefined {
  if (typeof ip !== 'string') return undefined;
  const hit = cache.get(ip);
  if (hit !== undefined || cache.has(ip)) return hit;
  const c = parseIp(ip);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(ip, c);
  return c;
}

function parseIp(ip: string): string | undefined {
  if (ip.includes(':')) {
    const g = parseV6(ip);
    return g ? formatV6(g) : undefined;
  }
  const b = parseV4(ip);
  return b ? b.join('.') : undefined;
}

/** Like {@link canonicalIp} but throws `TypeError` naming `what` (for API arguments). */
export function requireIp(ip: string, what: string): string {
  const c = canonicalIp(ip);
  if (c === undefined) throw new TypeError(`${what}: not an IPv4 or IPv6 address: ${String(ip)}`);
  return c;
}

/** Family of a canonical (or any valid) address string. */
export function familyOf(ip: string): IpFamily {
  return ip.includes(':') ? 6 : 4;
}

/** True for 127.0.0.0/8 and ::1 (canonical input). */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

/** The wildcard address of a family (`0.0.0.0` or `::`). */
export function anyAddress(family: IpFamily): string {
  return family === 4 ? '0.0.0.0' : '::';
}

/** `ip:port`, with brackets around IPv6 (`[fd00::1]:9993`), for traces and messages. */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
