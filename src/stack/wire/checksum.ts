/**
 * The Internet checksum (RFC 1071) and the pseudo-header sums of TCP/UDP over IPv4 (RFC 793 §3.1,
 * RFC 768) and IPv6 (RFC 8200 §8.1). Sums are carried as unfolded 32-bit partials so a caller can
 * add the pseudo-header and the payload without copying them together.
 * @module
 */

/** True on little-endian hosts, where a Uint32Array reads each 16-bit word byte-swapped. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Words summed between folds of the 32-bit fast path: keeps the float accumulator exact (< 2^53). */
const FOLD_EVERY_WORDS = 1 << 20;

/**
 * Adds the 16-bit big-endian words of `b[start..end)` to `sum` (odd trailing byte padded with zero).
 * Long ranges are summed 32 bits at a time through an aligned `Uint32Array` in host byte order: the
 * ones'-complement sum is byte-order independent (RFC 1071 §2(B)), so the folded result is swapped back
 * on little-endian hosts. The returned partial is unfolded but stays far below 2^53.
 */
export function sumWords(b: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  if (end - start >= 32) {
    // Step to a 4-byte aligned absolute offset one 16-bit word at a time (only possible from an even offset).
    if (((b.byteOffset + i) & 1) === 0) {
      if (((b.byteOffset + i) & 3) === 2) {
        sum += (b[i] << 8) | b[i + 1];
        i += 2;
      }
      let words = (end - i) >> 2;
      let pos = b.byteOffset + i;
      while (words > 0) {
        const n = Math.min(words, FOLD_EVERY_WORDS);
        const u32 = new Uint32Array(b.buffer, pos, n);
        let acc = 0;
        for (let k = 0; k < n; k++) acc += u32[k];
        acc = (acc % 0x10000) + Math.floor(acc / 0x10000);
        acc = (acc % 0x10000) + Math.floor(acc / 0x10000);
        acc = (acc & 0xffff) + (acc >>> 16);
        if (LITTLE_ENDIAN) acc = ((acc & 0xff) << 8) | (acc >> 8);
        sum += acc;
        pos += n * 4;
        i += n * 4;
        words -= n;
      }
    }
  }
  // Fold every 64 Ki words so the partial stays well inside 2^53 and exact.
  for (; i + 1 < end; i += 2) {
    sum += (b[i] << 8) | b[i + 1];
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  if (i < end) sum += b[i] << 8;
  return sum;
}

/** Folds a partial sum to 16 bits and returns its ones' complement: the value to put in a checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Internet checksum of `b[start..end)`. A correct packet (checksum field included) sums to 0. */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length): number {
  return finishChecksum(sumWords(b, start, end));
}

/** The pseudo-header partial sum for TCP/UDP/ICMPv6: source, destination, protocol and upper-layer length. */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  let sum = sumWords(src, 0, src.length);
  sum = sumWords(dst, 0, dst.length, sum);
  // IPv4: zero, protocol, u16 length. IPv6: u32 length, 3 zero bytes, next header. Both add up the same way
  // as long as length < 2^16 for IPv4 (always true) and we add the high half for IPv6 jumbo-less lengths.
  return sum + protocol + (length & 0xffff) + Math.floor(length / 0x10000);
}
