/**
 * One entry point over every verb codec: {@link decodeVerbPayload} decodes a payload
 * given its verb number into a tagged {@link VerbMessage}, and {@link encodeVerbPayload}
 * writes one back. Used by tools (`ztsdk inspect`), fuzz tests and generic dispatch.
 * @module
 */

import { type Decoded, fail, ok, type Writer } from '../../util/result.ts';
import {
  type Ack,
  decodeAck,
  decodePathNegotiationRequest,
  decodeQosMeasurement,
  encodeAck,
  encodePathNegotiationRequest,
  encodeQosMeasurement,
  type PathNegotiationRequest,
  type QosMeasurement,
} from './bonding.ts';
import { decodeEcho, decodeNop, type Echo, encodeEcho, type Nop } from './echo.ts';
import { decodeError, type ErrorMessage, encodeError } from './error.ts';
import {
  decodeExtFrame,
  decodeFrame,
  type ExtFrame,
  encodeExtFrame,
  encodeFrame,
  type Frame,
} from './frame.ts';
import { decodeHello, encodeHello, type Hello } from './hello.ts';
import {
  decodeMulticastFrame,
  decodeMulticastGather,
  decodeMulticastLike,
  encodeMulticastFrame,
  encodeMulticastGather,
  encodeMulticastLike,
  type MulticastFrame,
  type MulticastGather,
  type MulticastLike,
} from './multicast.ts';
import {
  type ConfigChunk,
  type DecodedConfigChunk,
  decodeConfigChunk,
  decodeNetworkConfigRequest,
  encodeConfigChunk,
  encodeNetworkConfigRequest,
  type NetworkConfigRequest,
} from './network-config.ts';
import {
  decodeNetworkCredentials,
  encodeNetworkCredentials,
  type NetworkCredentials,
} from './network-credentials.ts';
import { decodeOk, encodeOk, type Ok } from './ok.ts';
import { decodePushDirectPaths, encodePushDirectPaths, type PushDirectPaths } from './push-direct-paths.ts';
import { decodeRemoteTrace, encodeRemoteTrace, type RemoteTrace } from './remote-trace.ts';
import { decodeRendezvous, encodeRendezvous, type Rendezvous } from './rendezvous.ts';
import { decodeUserMessage, encodeUserMessage, type UserMessage } from './user-message.ts';
import { Verb } from './verb.ts';
import { decodeWhois, encodeWhois, type Whois } from './whois.ts';

/** A decoded payload tagged with its verb. Unknown verbs keep their raw bytes. */
export type VerbMessage =
  | { readonly verb: typeof Verb.NOP; readonly value: Nop }
  | { readonly verb: typeof Verb.HELLO; readonly value: Hello }
  | { readonly verb: typeof Verb.ERROR; readonly value: ErrorMessage }
  | { readonly verb: typeof Verb.OK; readonly value: Ok }
  | { readonly verb: typeof Verb.WHOIS; readonly value: Whois }
  | { readonly verb: typeof Verb.RENDEZVOUS; readonly value: Rendezvous }
  | { readonly verb: typeof Verb.FRAME; readonly value: Frame }
  | { readonly verb: typeof Verb.EXT_FRAME; readonly value: ExtFrame }
  | { readonly verb: typeof Verb.ECHO; readonly value: Echo }
  | { readonly verb: typeof Verb.MULTICAST_LIKE; readonly value: MulticastLike }
  | { readonly verb: typeof Verb.NETWORK_CREDENTIALS; readonly value: NetworkCredentials }
  | { readonly verb: typeof Verb.NETWORK_CONFIG_REQUEST; readonly value: NetworkConfigRequest }
  | { readonly verb: typeof Verb.NETWORK_CONFIG; readonly value: ConfigChunk | DecodedConfigChunk }
  | { readonly verb: typeof Verb.MULTICAST_GATHER; readonly value: MulticastGather }
  | { readonly verb: typeof Verb.MULTICAST_FRAME; readonly value: MulticastFrame }
  | { readonly verb: typeof Verb.PUSH_DIRECT_PATHS; readonly value: PushDirectPaths }
  | { readonly verb: typeof Verb.ACK; readonly value: Ack }
  | { readonly verb: typeof Verb.QOS_MEASUREMENT; readonly value: QosMeasurement }
  | { readonly verb: typeof Verb.USER_MESSAGE; readonly value: UserMessage }
  | { readonly verb: typeof Verb.REMOTE_TRACE; readonly value: RemoteTrace }
  | { readonly verb: typeof Verb.PATH_NEGOTIATION_REQUEST; readonly value: PathNegotiationRequest }
  | { readonly verb: 'unknown'; readonly number: number; readonly value: Uint8Array };

function tag<V extends VerbMessage['verb'], T>(verb: V, d: Decoded<T>): Decoded<VerbMessage> {
  return d.ok ? ok({ verb, value: d.value } as VerbMessage) : fail(d.reason);
}

/**
 * Decodes `payload` (packet bytes from offset 28, dearmored, decompressed; for HELLO with
 * the moon section already decrypted) according to `verb` (the low 5 bits of byte 27).
 * Never throws.
 */
export function decodeVerbPayload(verb: number, payload: Uint8Array): Decoded<VerbMessage> {
  switch (verb) {
    case Verb.NOP:
      return tag(Verb.NOP, decodeNop(payload));
    case Verb.HELLO:
      return tag(Verb.HELLO, decodeHello(payload));
    case Verb.ERROR:
      return tag(Verb.ERROR, decodeError(payload));
    case Verb.OK:
      return tag(Verb.OK, decodeOk(payload));
    case Verb.WHOIS:
      return tag(Verb.WHOIS, decodeWhois(payload));
    case Verb.RENDEZVOUS:
      return tag(Verb.RENDEZVOUS, decodeRendezvous(payload));
    case Verb.FRAME:
      return tag(Verb.FRAME, decodeFrame(payload));
    case Verb.EXT_FRAME:
      return tag(Verb.EXT_FRAME, decodeExtFrame(payload));
    case Verb.ECHO:
      return tag(Verb.ECHO, decodeEcho(payload));
    case Verb.MULTICAST_LIKE:
      return tag(Verb.MULTICAST_LIKE, decodeMulticastLike(payload));
    case Verb.NETWORK_CREDENTIALS:
      return tag(Verb.NETWORK_CREDENTIALS, decodeNetworkCredentials(payload));
    case Verb.NETWORK_CONFIG_REQUEST:
      return tag(Verb.NETWORK_CONFIG_REQUEST, decodeNetworkConfigRequest(payload));
    case Verb.NETWORK_CONFIG:
      return tag(Verb.NETWORK_CONFIG, decodeConfigChunk(payload));
    case Verb.MULTICAST_GATHER:
      return tag(Verb.MULTICAST_GATHER, decodeMulticastGather(payload));
    case Verb.MULTICAST_FRAME:
      return tag(Verb.MULTICAST_FRAME, decodeMulticastFrame(payload));
    case Verb.PUSH_DIRECT_PATHS:
      return tag(Verb.PUSH_DIRECT_PATHS, decodePushDirectPaths(payload));
    case Verb.ACK:
      return tag(Verb.ACK, decodeAck(payload));
    case Verb.QOS_MEASUREMENT:
      return tag(Verb.QOS_MEASUREMENT, decodeQosMeasurement(payload));
    case Verb.USER_MESSAGE:
      return tag(Verb.USER_MESSAGE, decodeUserMessage(payload));
    case Verb.REMOTE_TRACE:
      return tag(Verb.REMOTE_TRACE, decodeRemoteTrace(payload));
    case Verb.PATH_NEGOTIATION_REQUEST:
      return tag(Verb.PATH_NEGOTIATION_REQUEST, decodePathNegotiationRequest(payload));
    default:
      return ok({ verb: 'unknown', number: verb, value: payload.slice() });
  }
}

/** Writes the payload of `m` (the inverse of {@link decodeVerbPayload}). */
export function encodeVerbPayload(w: Writer, m: VerbMessage): void {
  switch (m.verb) {
    case Verb.NOP:
      break;
    case Verb.HELLO:
      encodeHello(w, m.value);
      break;
    case Verb.ERROR:
      encodeError(w, m.value);
      break;
    case Verb.OK:
      encodeOk(w, m.value);
      break;
    case Verb.WHOIS:
      encodeWhois(w, m.value);
      break;
    case Verb.RENDEZVOUS:
      encodeRendezvous(w, m.value);
      break;
    case Verb.FRAME:
      encodeFrame(w, m.value);
      break;
    case Verb.EXT_FRAME:
      encodeExtFrame(w, m.value);
      break;
    case Verb.ECHO:
      encodeEcho(w, m.value);
      break;
    case Verb.MULTICAST_LIKE:
      encodeMulticastLike(w, m.value);
      break;
    case Verb.NETWORK_CREDENTIALS:
      encodeNetworkCredentials(w, m.value);
      break;
    case Verb.NETWORK_CONFIG_REQUEST:
      encodeNetworkConfigRequest(w, m.value);
      break;
    case Verb.NETWORK_CONFIG:
      encodeConfigChunk(w, m.value);
      break;
    case Verb.MULTICAST_GATHER:
      encodeMulticastGather(w, m.value);
      break;
    case Verb.MULTICAST_FRAME:
      encodeMulticastFrame(w, m.value);
      break;
    case Verb.PUSH_DIRECT_PATHS:
      encodePushDirectPaths(w, m.value);
      break;
    case Verb.ACK:
      encodeAck(w, m.value);
      break;
    case Verb.QOS_MEASUREMENT:
      encodeQosMeasurement(w, m.value);
      break;
    case Verb.USER_MESSAGE:
      encodeUserMessage(w, m.value);
      break;
    case Verb.REMOTE_TRACE:
      encodeRemoteTrace(w, m.value);
      break;
    case Verb.PATH_NEGOTIATION_REQUEST:
      encodePathNegotiationRequest(w, m.value);
      break;
    default:
      w.bytes(m.value);
  }
}
