/**
 * Initial sequence numbers per RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), where M is a 4-microsecond timer and F a keyed hash (here SHA-256 over the secret
 * and the 4-tuple, first 32 bits). The secret comes from the injected random source, the clock
 * from `now`, so the stack stays sans-I/O and deterministic in tests.
 * @module
 */

import { createHash } from 'node:crypto';

/** Computes RFC 6528 ISNs for one TCP layer. */
export class IsnGenerator {
  constructor(private readonly secret: Uint8Array) {}

  /** The ISN (u32) for a connection at time `now` (ms). */
  next(local: Uint8Array, localPort: number, remote: Uint8Array, remotePort: number, now: number): number {
    const h = createHash('sha256');
    h.update(this.secret);
    h.update(local);
    h.update(remote);
    h.update(new Uint8Array([localPort >> 8, localPort & 0xff, remotePort >> 8, remotePort & 0xff]));
    const d = h.digest();
    const f = ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
    // M: ticks of 4 µs (RFC 6528 §3 / RFC 9293 §3.4.1), modulo 2^32.
    const m = Math.floor(now * 250) % 0x100000000;
    return (f + m) >>> 0;
  }
}
