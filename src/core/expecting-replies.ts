/**
 * The "expecting reply" filter (protocol.md §6.4, §9.1): OK packets are processed only if the
 * top 32 bits of their in-re packet ID match an ID this node recently sent. Like the
 * reference: 256 buckets (by the low byte of those 32 bits) of 32 entries each, overwritten
 * round-robin — fixed memory, no expiry.
 *
 * The ID recorded is the FINAL wire ID (after AES armor replaced bytes 0..7, §4.4), because
 * that is what the peer echoes back.
 * @module
 */

const BUCKETS = 256;
const PER_BUCKET = 32;

/** Fixed-size set of recently sent packet IDs (top 32 bits). */
export class ExpectingReplies {
  private readonly ids = new Uint32Array(BUCKETS * PER_BUCKET);
  private readonly used = new Uint8Array(BUCKETS * PER_BUCKET);
  private readonly next = new Uint8Array(BUCKETS);

  /** Records the wire packet ID (bytes 0..7 of the armored packet) of a request. */
  expect(wirePacketId: Uint8Array): void {
    const top = top32(wirePacketId);
    const b = top & (BUCKETS - 1);
    const i = b * PER_BUCKET + (this.next[b] & (PER_BUCKET - 1));
    this.next[b] = (this.next[b] + 1) & 0xff;
    this.ids[i] = top;
    this.used[i] = 1;
  }

  /** True if an OK in re `packetId` (u64) answers something we sent. */
  expecting(packetId: bigint): boolean {
    const top = Number((packetId >> 32n) & 0xffffffffn) >>> 0;
    const b = top & (BUCKETS - 1);
    const base = b * PER_BUCKET;
    for (let i = base; i < base + PER_BUCKET; i++) if (this.used[i] === 1 && this.ids[i] === top) return true;
    return false;
  }
}

function top32(id: Uint8Array): number {
  return ((id[0] << 24) | (id[1] << 16) | (id[2] << 8) | id[3]) >>> 0;
}
