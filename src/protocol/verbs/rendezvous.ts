/**
 * RENDEZVOUS (0x05) (protocol.md §6.6): a root tells a peer where to reach another peer.
 * ```
 * 0 1    flags (0)
 * 1 5    address of the peer to contact
 * 6 2    UDP port
 * 8 1    address length: 4 or 16
 * 9 4/16 IP address (network order)
 * ```
 * Note the order differs from InetAddress (§6.20): port first, then length, then IP.
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';
import type { InetAddress } from '../inet-address.ts';

/** Offset of the flags byte. */
export const RENDEZVOUS_FLAGS = 0;
/** Offset of the peer address. */
export const RENDEZVOUS_ADDRESS = 1;
/** Offset of the port. */
export const RENDEZVOUS_PORT = 6;
/** Offset of the IP length byte. */
export const RENDEZVOUS_IP_LENGTH = 8;
/** Offset of the IP bytes. */
export const RENDEZVOUS_IP = 9;

/** RENDEZVOUS payload. */
export interface Rendezvous {
  readonly flags: number;
  /** The peer to contact. */
  readonly address: number;
  /** Where to contact it. */
  readonly peer: InetAddress;
}

/** Writes a RENDEZVOUS payload. */
export function encodeRendezvous(w: Writer, v: Rendezvous): void {
  w.u8(v.flags).u40(v.address).u16(v.peer.port).u8(v.peer.ip.length).bytes(v.peer.ip);
}

/** Decodes a RENDEZVOUS payload. Reasons: `rendezvous-truncated`, `rendezvous-bad-ip-length`. */
export function decodeRendezvous(payload: Uint8Array): Decoded<Rendezvous> {
  const r = new Reader(payload);
  const flags = r.u8();
  const address = r.u40();
  const port = r.u16();
  const len = r.u8();
  if (r.overrun) return fail('rendezvous-truncated');
  if (len !== 4 && len !== 16) return fail('rendezvous-bad-ip-length');
  const ip = r.bytes(len).slice();
  if (r.overrun) return fail('rendezvous-truncated');
  return ok({ flags, address, peer: { family: len === 4 ? 4 : 6, ip, port } });
}
