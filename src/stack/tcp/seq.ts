/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4: "all arithmetic dealing with sequence
 * numbers must be performed modulo 2**32"). Comparisons use the signed 32-bit difference, valid
 * while the two numbers are less than 2^31 apart, which the window limits guarantee.
 *
 * Inside a connection, positions are kept as plain stream offsets (numbers counted from the ISN,
 * exact up to 2^53 bytes), so only the wire boundary converts to and from sequence numbers.
 * @module
 */

/** `(a - b)` as a signed 32-bit value. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
/** a < b in sequence space. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
/** a <= b in sequence space. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
/** a > b in sequence space. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
/** a >= b in sequence space. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}
/** (a + n) mod 2^32. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
