/**
 * WHOIS (0x04) and OK(WHOIS) (protocol.md §6.5, §6.4).
 *
 * WHOIS payload: one or more 5-byte addresses. OK(WHOIS) body: one or more public
 * binary identities (§2.3); 1.14 parses only the first.
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';
import { ADDRESS_LEN } from '../address.ts';
import { Identity } from '../identity.ts';

/** WHOIS payload: the addresses being looked up. */
export interface Whois {
  readonly addresses: readonly number[];
}

/** Writes a WHOIS payload. Throws if `addresses` is empty (a WHOIS must ask for something). */
export function encodeWhois(w: Writer, v: Whois): void {
  if (v.addresses.length === 0) throw new RangeError('encodeWhois: no addresses');
  for (const a of v.addresses) w.u40(a);
}

/** Decodes a WHOIS payload. Reasons: `whois-empty`, `whois-bad-length`. */
export function decodeWhois(payload: Uint8Array): Decoded<Whois> {
  if (payload.length === 0) return fail('whois-empty');
  if (payload.length % ADDRESS_LEN !== 0) return fail('whois-bad-length');
  const r = new Reader(payload);
  const addresses: number[] = [];
  while (r.remaining > 0) addresses.push(r.u40());
  return ok({ addresses });
}

/** OK(WHOIS) body: identities the responder knows (public parts only). */
export interface OkWhois {
  readonly identities: readonly Identity[];
}

/** Writes an OK(WHOIS) body (public keys only, whatever the identities hold). */
export function encodeOkWhois(w: Writer, v: OkWhois): void {
  for (const id of v.identities) id.encode(w, false);
}

/**
 * Reads identities from `r` until its end. Fails if the first identity is bad or there is
 * none (`okwhois-empty`); a bad identity after a good one ends the list (1.14 reads only
 * the first one anyway).
 */
export function readOkWhois(r: Reader): Decoded<OkWhois> {
  const identities: Identity[] = [];
  while (r.remaining > 0) {
    const d = Identity.decode(r);
    if (!d.ok) {
      if (identities.length === 0) return fail(d.reason);
      break;
    }
    identities.push(d.value);
  }
  if (identities.length === 0) return fail('okwhois-empty');
  return ok({ identities });
}

/** Decodes an OK(WHOIS) body given on its own. */
export function decodeOkWhois(body: Uint8Array): Decoded<OkWhois> {
  return readOkWhois(new Reader(body));
}
