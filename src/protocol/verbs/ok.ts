/**
 * OK (0x03) (protocol.md §6.4): `in-re verb u8 || in-re packet ID u64 || body`, where the
 * body depends on the in-re verb:
 *
 * | in-re verb | body |
 * |---|---|
 * | HELLO | {@link OkHello} (§6.2) |
 * | WHOIS | identities ({@link OkWhois}) |
 * | NETWORK_CONFIG_REQUEST | config chunk (§6.13) |
 * | MULTICAST_GATHER | {@link OkMulticastGather} |
 * | MULTICAST_FRAME | {@link OkMulticastFrame} |
 * | ECHO | echoed bytes — or, 1.14's quirk, a config-push ack `nwid, updateId` |
 * | EXT_FRAME | `nwid` |
 * | anything else | raw bytes |
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';
import { encodeOkExtFrame, type OkExtFrame, readOkExtFrame } from './frame.ts';
import { encodeOkHello, type OkHello, readOkHello } from './hello.ts';
import {
  encodeOkMulticastFrame,
  encodeOkMulticastGather,
  type OkMulticastFrame,
  type OkMulticastGather,
  readOkMulticastFrame,
  readOkMulticastGather,
} from './multicast.ts';
import {
  type ConfigChunk,
  type DecodedConfigChunk,
  encodeConfigChunk,
  readConfigChunk,
} from './network-config.ts';
import { Verb } from './verb.ts';
import { encodeOkWhois, type OkWhois, readOkWhois } from './whois.ts';

/** Offset of the in-re verb. */
export const OK_IN_RE_VERB = 0;
/** Offset of the in-re packet ID. */
export const OK_IN_RE_PACKET_ID = 1;
/** Offset of the verb-specific body; also the OK header length. */
export const OK_BODY = 9;

/** The OK header. */
export interface OkHeader {
  readonly inReVerb: number;
  /** The **wire** packet ID of the request (for AES requests, the tag half, §4.4). */
  readonly inRePacketId: bigint;
}

/**
 * The OK body, tagged by `kind` (the in-re verb's name for the typed bodies). `raw` is any
 * other in-re verb; `ECHO` bodies are raw echoed bytes (see `decodeConfigPushAck` for the
 * config-push ack quirk).
 */
export type OkBody =
  | { readonly kind: 'HELLO'; readonly body: OkHello }
  | { readonly kind: 'WHOIS'; readonly body: OkWhois }
  | { readonly kind: 'NETWORK_CONFIG_REQUEST'; readonly body: ConfigChunk | DecodedConfigChunk }
  | { readonly kind: 'MULTICAST_GATHER'; readonly body: OkMulticastGather }
  | { readonly kind: 'MULTICAST_FRAME'; readonly body: OkMulticastFrame }
  | { readonly kind: 'EXT_FRAME'; readonly body: OkExtFrame }
  | { readonly kind: 'ECHO'; readonly body: Uint8Array }
  | { readonly kind: 'raw'; readonly body: Uint8Array };

/** A decoded OK: header plus tagged body. For typed kinds `inReVerb` is that verb's number. */
export type Ok = OkHeader & OkBody;

const KIND_VERB: Record<Exclude<OkBody['kind'], 'raw'>, number> = {
  HELLO: Verb.HELLO,
  WHOIS: Verb.WHOIS,
  NETWORK_CONFIG_REQUEST: Verb.NETWORK_CONFIG_REQUEST,
  MULTICAST_GATHER: Verb.MULTICAST_GATHER,
  MULTICAST_FRAME: Verb.MULTICAST_FRAME,
  EXT_FRAME: Verb.EXT_FRAME,
  ECHO: Verb.ECHO,
};

/** Writes the 9-byte OK header. */
export function encodeOkHeader(w: Writer, h: OkHeader): void {
  w.u8(h.inReVerb).u64(h.inRePacketId);
}

/** Reads the OK header alone (e.g. to check "expecting reply" before decoding the body). */
export function decodeOkHeader(payload: Uint8Array): Decoded<OkHeader> {
  const r = new Reader(payload);
  const inReVerb = r.u8();
  const inRePacketId = r.u64();
  return r.overrun ? fail('ok-truncated') : ok({ inReVerb, inRePacketId });
}

/** Writes an OK payload: header then the body. Throws `TypeError` if `kind` and `inReVerb` disagree. */
export function encodeOk(w: Writer, v: Ok): void {
  if (v.kind !== 'raw' && KIND_VERB[v.kind] !== v.inReVerb)
    throw new TypeError(`encodeOk: kind ${v.kind} needs inReVerb ${KIND_VERB[v.kind]}`);
  encodeOkHeader(w, v);
  switch (v.kind) {
    case 'HELLO':
      encodeOkHello(w, v.body);
      break;
    case 'WHOIS':
      encodeOkWhois(w, v.body);
      break;
    case 'NETWORK_CONFIG_REQUEST':
      encodeConfigChunk(w, v.body);
      break;
    case 'MULTICAST_GATHER':
      encodeOkMulticastGather(w, v.body);
      break;
    case 'MULTICAST_FRAME':
      encodeOkMulticastFrame(w, v.body);
      break;
    case 'EXT_FRAME':
      encodeOkExtFrame(w, v.body);
      break;
    default:
      w.bytes(v.body);
  }
}

/**
 * Decodes an OK payload. Fails with `ok-truncated` if the header is short, or with the
 * body decoder's reason. Raw bodies (ECHO, unknown verbs) are copies.
 */
export function decodeOk(payload: Uint8Array): Decoded<Ok> {
  const r = new Reader(payload);
  const inReVerb = r.u8();
  const inRePacketId = r.u64();
  if (r.overrun) return fail('ok-truncated');
  const h = { inReVerb, inRePacketId };
  const wrap = <K extends OkBody['kind'], T>(kind: K, d: Decoded<T>): Decoded<Ok> =>
    d.ok ? ok({ ...h, kind, body: d.value } as Ok) : fail(d.reason);
  switch (inReVerb) {
    case Verb.HELLO:
      return wrap('HELLO', readOkHello(r));
    case Verb.WHOIS:
      return wrap('WHOIS', readOkWhois(r));
    case Verb.NETWORK_CONFIG_REQUEST:
      return wrap('NETWORK_CONFIG_REQUEST', readConfigChunk(r));
    case Verb.MULTICAST_GATHER:
      return wrap('MULTICAST_GATHER', readOkMulticastGather(r));
    case Verb.MULTICAST_FRAME:
      return wrap('MULTICAST_FRAME', readOkMulticastFrame(r));
    case Verb.EXT_FRAME:
      return wrap('EXT_FRAME', readOkExtFrame(r));
    case Verb.ECHO:
      return ok({ ...h, kind: 'ECHO', body: r.bytes(r.remaining).slice() });
    default:
      return ok({ ...h, kind: 'raw', body: r.bytes(r.remaining).slice() });
  }
}
