/**
 * Receiver side of the config chunk protocol (protocol.md §6.13): collects the signed
 * chunks of OK(NETWORK_CONFIG_REQUEST) / NETWORK_CONFIG for one network and yields the
 * whole netconf dictionary once every byte has arrived. Sans-I/O; the caller verifies
 * signatures through a callback (with the controller's identity, which must be known).
 *
 * Rules (as 1.14): `offset + C ≤ T`, `T` below the netconf capacity, signature type 1 and
 * length 96, duplicates recognised by the folded signature ({@link configChunkId}),
 * complete when the bytes received equal `T`, at most 3 updates in flight (the least
 * recently touched is dropped). The legacy form (no trailer) is a complete, unsigned
 * config: accept it only if it came from the controller itself.
 * @module
 */

import { NETCONF_DICT_CAPACITY } from '../dictionary.ts';
import {
  CONFIG_SIGNATURE_LENGTH,
  CONFIG_SIGNATURE_TYPE,
  type ConfigChunk,
  configChunkId,
  configChunkSignedRegion,
  type DecodedConfigChunk,
} from './network-config.ts';

/** Why a chunk was not used. */
export type ConfigChunkDrop =
  | 'wrong-network'
  | 'bad-signature-type'
  | 'bad-signature'
  | 'bad-range'
  | 'too-large'
  | 'inconsistent-total'
  | 'duplicate';

/** Outcome of {@link ConfigAssembler.accept}. */
export type ConfigAssembly =
  | {
      readonly kind: 'complete';
      /** The whole netconf dictionary (parse with `Dictionary.decode`). */
      readonly dictionary: Uint8Array;
      /** 0n for a legacy (unsigned) config. */
      readonly updateId: bigint;
      /** True for the legacy single-chunk form: only trust it from the controller. */
      readonly legacy: boolean;
    }
  | { readonly kind: 'pending' }
  | { readonly kind: 'dropped'; readonly reason: ConfigChunkDrop };

interface Update {
  readonly buf: Uint8Array;
  readonly seen: Set<bigint>;
  have: number;
  touched: number;
}

/** Verifies `signature` over `signedRegion` with the controller's identity. */
export type ConfigSignatureCheck = (signedRegion: Uint8Array, signature: Uint8Array) => boolean;

const PENDING: ConfigAssembly = { kind: 'pending' };

/** Collects config chunks for one network (§6.13). */
export class ConfigAssembler {
  /** Drop counters by reason. */
  readonly drops: Record<ConfigChunkDrop, number> = {
    'wrong-network': 0,
    'bad-signature-type': 0,
    'bad-signature': 0,
    'bad-range': 0,
    'too-large': 0,
    'inconsistent-total': 0,
    duplicate: 0,
  };
  private readonly updates = new Map<bigint, Update>();
  private tick = 0;

  /**
   * @param nwid the network whose chunks this accepts
   * @param capacity largest dictionary accepted (1.14: ≈ 480 KB)
   * @param maxUpdates updates tracked at once (1.14: 3)
   */
  constructor(
    readonly nwid: bigint,
    readonly capacity: number = NETCONF_DICT_CAPACITY,
    readonly maxUpdates: number = 3,
  ) {}

  /** Updates currently being assembled. */
  get pending(): number {
    return this.updates.size;
  }

  /**
   * Feeds one chunk. Signed chunks are verified with `verify` over their signed region
   * (the decoder's `signedRegion`, or rebuilt from the fields) before being stored.
   */
  accept(chunk: ConfigChunk | DecodedConfigChunk, verify: ConfigSignatureCheck): ConfigAssembly {
    if (chunk.nwid !== this.nwid) return this.drop('wrong-network');
    const m = chunk.meta;
    if (!m) {
      if (chunk.data.length >= this.capacity) return this.drop('too-large');
      return { kind: 'complete', dictionary: chunk.data.slice(), updateId: 0n, legacy: true };
    }
    if (m.signatureType !== CONFIG_SIGNATURE_TYPE || m.signature.length !== CONFIG_SIGNATURE_LENGTH)
      return this.drop('bad-signature-type');
    if (m.totalLength >= this.capacity) return this.drop('too-large');
    if (m.offset + chunk.data.length > m.totalLength) return this.drop('bad-range');
    let u = this.updates.get(m.updateId);
    if (u && u.buf.length !== m.totalLength) return this.drop('inconsistent-total');
    const id = configChunkId(m.signature);
    if (u?.seen.has(id)) return this.drop('duplicate');
    const region =
      'signedRegion' in chunk && chunk.signedRegion.length > 0
        ? chunk.signedRegion
        : configChunkSignedRegion(chunk.nwid, chunk.data, m);
    if (!verify(region, m.signature)) return this.drop('bad-signature');
    if (!u) {
      if (this.updates.size >= this.maxUpdates) this.evictOldest();
      u = { buf: new Uint8Array(m.totalLength), seen: new Set(), have: 0, touched: 0 };
      this.updates.set(m.updateId, u);
    }
    u.touched = ++this.tick;
    u.seen.add(id);
    u.buf.set(chunk.data, m.offset);
    u.have += chunk.data.length;
    if (u.have !== m.totalLength) return PENDING;
    this.updates.delete(m.updateId);
    return { kind: 'complete', dictionary: u.buf, updateId: m.updateId, legacy: false };
  }

  private evictOldest(): void {
    let oldest: bigint | undefined;
    let t = Number.POSITIVE_INFINITY;
    for (const [k, u] of this.updates)
      if (u.touched < t) {
        t = u.touched;
        oldest = k;
      }
    if (oldest !== undefined) this.updates.delete(oldest);
  }

  private drop(reason: ConfigChunkDrop): ConfigAssembly {
    this.drops[reason]++;
    return { kind: 'dropped', reason };
  }
}
