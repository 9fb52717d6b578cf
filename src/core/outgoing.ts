/**
 * Assembly of outgoing packets (protocol.md §3.2, §3.3, §4, §5): header, optional LZ4
 * compression of the payload, the fragmented flag (set before armoring because it is
 * authenticated), armor with the chosen cipher, and the HELLO layout with its cryptField.
 * Pure functions: the caller supplies the random packet ID.
 * @module
 */
import { armor, cryptField, type SymmetricKey } from '../protocol/armor.ts';
import { DEFAULT_PHYS_MTU, maxPacketLengthForMtu, needsFragmentation } from '../protocol/fragment.ts';
import type { Identity } from '../protocol/identity.ts';
import type { InetAddress } from '../protocol/inet-address.ts';
import { compressPayload } from '../protocol/lz4.ts';
import {
  FLAG_FRAGMENTED,
  PACKET_MAX_LENGTH,
  PKT_PAYLOAD,
  VERB_FLAG_COMPRESSED,
  writePacketHeader,
  writePacketHeaderRaw,
} from '../protocol/packet.ts';
import { encodeHello, type HelloMoon } from '../protocol/verbs/hello.ts';
import { Verb } from '../protocol/verbs/verb.ts';
import { Writer } from '../util/result.ts';
import { PROTOCOL_VERSION, SOFTWARE_VERSION } from './constants.ts';

/**
 * Outgoing packets are carved from 64 KiB slabs instead of one `new Uint8Array` each: in steady
 * state (GC included) a 2838-byte `new Uint8Array` plus the payload copy costs ~3.1-3.5 µs, a
 * view into a slab ~0.8 µs (measured with process.cpuUsage over 200k packets). A slab region is never handed out twice, so a packet stays valid as
 * long as someone holds it (a datagram queued by the OS socket layer, a test's capture); the slab
 * is freed by GC when no view into it remains.
 */
const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabAt = 0;

/** A fresh `len`-byte region for an outgoing packet or fragment, or an assembled incoming packet (see the slab note above). */
export function allocOutgoing(len: number): Uint8Array {
  if (len > SLAB_BYTES >>> 2) return new Uint8Array(len);
  if (slabAt + len > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabAt = 0;
  }
  const at = slabAt;
  slabAt = (at + len + 7) & ~7; // 8-byte aligned starts
  return slab.subarray(at, at + len);
}

/** What to put in one packet. */
export interface PacketSpec {
  /** 8 random bytes (injected randomness). */
  readonly packetId: Uint8Array;
  readonly destination: number;
  readonly source: number;
  readonly verb: number;
  /** Verb payload (packet bytes from offset 28), uncompressed. */
  readonly payload: Uint8Array;
  /** Try LZ4 (§5: used only if the payload is > 64 bytes and shrinks). */
  readonly compress?: boolean;
  /** Path MTU for the fragmented-flag decision (default 1432). */
  readonly mtu?: number;
}

/**
 * Builds and armors one packet. Returns the armored bytes (bytes 0..7 are the final wire
 * ID: for cipher 3 the SIV tag half, §4.4). Split with `fragmentPacket` at the same MTU.
 * @throws RangeError if the packet would need more than 7 datagrams (9928 bytes at MTU 1432):
 *   API misuse, callers size their payloads.
 */
export function assemblePacket(spec: PacketSpec, key: SymmetricKey, cipher: 0 | 1 | 3): Uint8Array {
  return assemblePacketArgs(
    spec.packetId,
    spec.destination,
    spec.source,
    spec.verb,
    spec.payload,
    spec.compress === true,
    spec.mtu ?? DEFAULT_PHYS_MTU,
    key,
    cipher,
  );
}

/**
 * {@link assemblePacket} with positional arguments: the node's per-packet send path builds no
 * spec or header object (each is an allocation per packet).
 * @throws RangeError as {@link assemblePacket}.
 */
export function assemblePacketArgs(
  packetId: Uint8Array,
  destination: number,
  source: number,
  verb: number,
  payload: Uint8Array,
  compress: boolean,
  mtu: number,
  key: SymmetricKey,
  cipher: 0 | 1 | 3,
): Uint8Array {
  let body = payload;
  let compressed = false;
  if (compress) {
    const c = compressPayload(payload);
    if (c !== null) {
      body = c;
      compressed = true;
    }
  }
  const len = PKT_PAYLOAD + body.length;
  // Receivers take at most 7 datagrams per packet (§3.3): at MTU 1432 that is 9928 bytes.
  if (len > Math.min(PACKET_MAX_LENGTH, maxPacketLengthForMtu(mtu)))
    throw new RangeError('assemblePacket: packet too long for 7 fragments at this MTU');
  const pkt = allocOutgoing(len);
  // The fragmented flag is authenticated: set before armoring (§3.3 steps 1-2).
  const flags = needsFragmentation(len, mtu) ? FLAG_FRAGMENTED : 0;
  writePacketHeaderRaw(
    pkt,
    packetId,
    destination,
    source,
    flags,
    verb | (compressed ? VERB_FLAG_COMPRESSED : 0),
  );
  pkt.set(body, PKT_PAYLOAD);
  armor(pkt, key, cipher);
  return pkt;
}

/** Inputs of a HELLO (§6.2). */
export interface HelloSpec {
  readonly packetId: Uint8Array;
  /** Our identity (only the public part is sent). */
  readonly identity: Identity;
  readonly destination: number;
  /** Our clock (ms), echoed back in OK(HELLO) for latency. */
  readonly timestamp: number;
  /** The physical address this HELLO is sent to (null = unknown). */
  readonly to: InetAddress | null;
  readonly planetId: bigint;
  readonly planetTimestamp: bigint;
  readonly moons: readonly HelloMoon[];
  readonly mtu?: number;
}

/**
 * A complete HELLO on the wire (§6.2, §4.3, §4.5): cipher 0, with the moon section encrypted
 * by cryptField under the unmangled key before armoring (the MAC covers the encrypted bytes).
 */
export function assembleHello(spec: HelloSpec, key: SymmetricKey): Uint8Array {
  const w = new Writer(256);
  const cryptStart = encodeHello(w, {
    protocolVersion: PROTOCOL_VERSION,
    versionMajor: SOFTWARE_VERSION.major,
    versionMinor: SOFTWARE_VERSION.minor,
    versionRevision: SOFTWARE_VERSION.revision,
    timestamp: BigInt(spec.timestamp),
    identity: spec.identity,
    destination: spec.to,
    planetId: spec.planetId,
    planetTimestamp: spec.planetTimestamp,
    moons: spec.moons,
  });
  const payload = w.finish();
  const len = PKT_PAYLOAD + payload.length;
  const pkt = new Uint8Array(len);
  const frag = needsFragmentation(len, spec.mtu ?? DEFAULT_PHYS_MTU);
  writePacketHeader(pkt, {
    packetId: spec.packetId,
    destination: spec.destination,
    source: spec.identity.address,
    verb: Verb.HELLO,
    flags: frag ? FLAG_FRAGMENTED : 0,
  });
  pkt.set(payload, PKT_PAYLOAD);
  if (cryptStart >= 0) cryptField(key, pkt, PKT_PAYLOAD + cryptStart, len - PKT_PAYLOAD - cryptStart);
  armor(pkt, key, 0);
  return pkt;
}
