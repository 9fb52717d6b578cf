/**
 * Bonding/multipath verbs (protocol.md §6.19): ACK (0x12), QOS_MEASUREMENT (0x13) and
 * PATH_NEGOTIATION_REQUEST (0x16). 1.14 sends them only with bonding enabled, cipher 0;
 * a node may ignore them. Decoded here so tools can print them.
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';

/** ACK payload: bytes received (u32, big-endian). */
export interface Ack {
  readonly bytesReceived: number;
}

/** Writes an ACK payload. */
export function encodeAck(w: Writer, v: Ack): void {
  w.u32(v.bytesReceived);
}

/** Decodes an ACK payload. Reason: `ack-truncated`. */
export function decodeAck(payload: Uint8Array): Decoded<Ack> {
  const r = new Reader(payload);
  const bytesReceived = r.u32();
  return r.overrun ? fail('ack-truncated') : ok({ bytesReceived });
}

/** One QoS record: a packet ID and how long the receiver held it (ms). */
export interface QosRecord {
  readonly packetId: bigint;
  readonly holdingTime: number;
}

/** QOS_MEASUREMENT payload. */
export interface QosMeasurement {
  readonly records: readonly QosRecord[];
}

/** Size of one QoS record. */
export const QOS_RECORD_LENGTH = 10;
/** Largest QOS_MEASUREMENT payload 1.14 accepts. */
export const QOS_MAX_LENGTH = 1400;

/** Writes QoS records in **little-endian** host order, as 1.14 does on x86/ARM (§6.19 quirk). */
export function encodeQosMeasurement(w: Writer, v: QosMeasurement): void {
  const b = new Uint8Array(v.records.length * QOS_RECORD_LENGTH);
  const dv = new DataView(b.buffer);
  v.records.forEach((rec, i) => {
    dv.setBigUint64(i * QOS_RECORD_LENGTH, BigInt.asUintN(64, rec.packetId), true);
    dv.setUint16(i * QOS_RECORD_LENGTH + 8, rec.holdingTime, true);
  });
  w.bytes(b);
}

/** Decodes QoS records (little-endian). Reasons: `qos-bad-length`. Trailing partial records are ignored. */
export function decodeQosMeasurement(payload: Uint8Array): Decoded<QosMeasurement> {
  if (payload.length < QOS_RECORD_LENGTH || payload.length > QOS_MAX_LENGTH) return fail('qos-bad-length');
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const records: QosRecord[] = [];
  for (let o = 0; o + QOS_RECORD_LENGTH <= payload.length; o += QOS_RECORD_LENGTH)
    records.push({ packetId: dv.getBigUint64(o, true), holdingTime: dv.getUint16(o + 8, true) });
  return ok({ records });
}

/** PATH_NEGOTIATION_REQUEST payload: the sender's path utility (i16, big-endian). */
export interface PathNegotiationRequest {
  readonly utility: number;
}

/** Writes a PATH_NEGOTIATION_REQUEST payload. */
export function encodePathNegotiationRequest(w: Writer, v: PathNegotiationRequest): void {
  w.u16(v.utility & 0xffff);
}

/** Decodes a PATH_NEGOTIATION_REQUEST payload. Reason: `pathneg-truncated`. */
export function decodePathNegotiationRequest(payload: Uint8Array): Decoded<PathNegotiationRequest> {
  const r = new Reader(payload);
  const u = r.u16();
  if (r.overrun) return fail('pathneg-truncated');
  return ok({ utility: u >= 0x8000 ? u - 0x10000 : u });
}
