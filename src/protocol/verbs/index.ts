/**
 * ZeroTier verb payload codecs (protocol.md §6). Every verb has a plain-object type,
 * `encodeX(w: Writer, v)` and `decodeX(payload): Decoded<X>` operating on the payload
 * (packet offset 28 onward, after dearmor and decompression). OK bodies also have
 * `readX(r: Reader)` forms used by {@link decodeOk}.
 *
 * @example
 * ```ts
 * import { decodeVerbPayload, summarize, Verb } from './verbs/index.ts';
 * const verb = packet[27] & 0x1f;
 * const d = decodeVerbPayload(verb, packet.subarray(28));
 * if (d.ok && d.value.verb === Verb.HELLO) console.log(d.value.value.identity.addressString);
 * console.log(summarize(verb, packet.subarray(28)));
 * ```
 * @module
 */

export * from './bonding.ts';
export * from './config-assembler.ts';
export * from './dispatch.ts';
export * from './echo.ts';
export * from './error.ts';
export * from './frame.ts';
export * from './hello.ts';
export * from './multicast.ts';
export * from './network-config.ts';
export * from './network-credentials.ts';
export * from './ok.ts';
export * from './push-direct-paths.ts';
export * from './remote-trace.ts';
export * from './rendezvous.ts';
export * from './summarize.ts';
export * from './user-message.ts';
export * from './verb.ts';
export * from './whois.ts';
