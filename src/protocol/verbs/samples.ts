/**
 * Test fixtures: a realistic message for every verb (and every OK/ERROR form) with the
 * summary line each should print. Shared by the codec, fuzz and benchmark code; takes the
 * parsed `test/vectors/crypto-vectors.json` so that this module does no I/O.
 * @module
 */

import { fromHex } from '../../util/bytes.ts';
import type { Decoded } from '../../util/result.ts';
import { arpGroup, BROADCAST_GROUP, macForAddress } from '../address.ts';
import {
  Capability,
  CertificateOfMembership,
  CertificateOfOwnership,
  Revocation,
  Tag,
} from '../credentials/index.ts';
import { Identity } from '../identity.ts';
import { parseInetAddress } from '../inet-address.ts';
import type { VerbMessage } from './dispatch.ts';
import { ErrorCode, Verb } from './verb.ts';

function must<T>(d: Decoded<T>): T {
  if (!d.ok) throw new Error(`decode failed: ${d.reason}`);
  return d.value;
}

/** Network ID used by the samples (A's network in the vectors). */
export const SAMPLE_NWID = 0x2d1d262d72000001n;

/** Builds the samples from the parsed crypto vectors file. */
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON
export function verbSamples(vec: any): [VerbMessage, RegExp][] {
  const V = vec.values;
  const NWID = SAMPLE_NWID;
  const ip4 = Uint8Array.of(0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 1, 0, 0, 10, 147, 17, 11, 10, 147, 17, 13);
  const A = must(Identity.fromString(vec.identities.A));
  const B = must(Identity.fromString(vec.identities.B));
  const com = must(CertificateOfMembership.fromBytes(fromHex(V.com)));
  const tag = must(Tag.fromBytes(fromHex(V.tag)));
  const cap = must(Capability.fromBytes(fromHex(V.cap)));
  const coo = must(CertificateOfOwnership.fromBytes(fromHex(V.coo)));
  const rev = must(Revocation.fromBytes(fromHex(V.rev)));

  /** Realistic messages for every verb, with the summary line each should print. */
  return [
    [{ verb: Verb.NOP, value: {} }, /^NOP$/],
    [
      {
        verb: Verb.ERROR,
        value: {
          inReVerb: Verb.NETWORK_CONFIG_REQUEST,
          inRePacketId: 1n,
          code: ErrorCode.OBJ_NOT_FOUND,
          nwid: NWID,
        },
      },
      /^ERROR\(NETWORK_CONFIG_REQUEST\) re 0000000000000001 OBJ_NOT_FOUND nwid=2d1d262d72000001$/,
    ],
    [
      {
        verb: Verb.ERROR,
        value: { inReVerb: Verb.HELLO, inRePacketId: 2n, code: ErrorCode.IDENTITY_COLLISION },
      },
      /IDENTITY_COLLISION$/,
    ],
    [
      {
        verb: Verb.ERROR,
        value: {
          inReVerb: Verb.FRAME,
          inRePacketId: 3n,
          code: ErrorCode.NEED_MEMBERSHIP_CERTIFICATE,
          nwid: NWID,
        },
      },
      /NEED_MEMBERSHIP_CERTIFICATE nwid=2d1d262d72000001/,
    ],
    [
      {
        verb: Verb.ERROR,
        value: {
          inReVerb: Verb.NETWORK_CONFIG_REQUEST,
          inRePacketId: 4n,
          code: ErrorCode.NETWORK_ACCESS_DENIED,
          nwid: NWID,
        },
      },
      /NETWORK_ACCESS_DENIED/,
    ],
    [
      {
        verb: Verb.ERROR,
        value: {
          inReVerb: Verb.MULTICAST_FRAME,
          inRePacketId: 5n,
          code: ErrorCode.UNWANTED_MULTICAST,
          nwid: NWID,
          group: arpGroup(Uint8Array.of(10, 147, 17, 11)),
        },
      },
      /UNWANTED_MULTICAST nwid=2d1d262d72000001 ff:ff:ff:ff:ff:ff\/0a93110b/,
    ],
    [
      {
        verb: Verb.ERROR,
        value: {
          inReVerb: Verb.NETWORK_CONFIG_REQUEST,
          inRePacketId: 6n,
          code: ErrorCode.NETWORK_AUTHENTICATION_REQUIRED,
          nwid: NWID,
          authInfo: new TextEncoder().encode('aV=0000000000000001\naU=https://sso.example/x'),
        },
      },
      /NETWORK_AUTHENTICATION_REQUIRED nwid=2d1d262d72000001 auth-info 44B/,
    ],
    [
      {
        verb: Verb.ERROR,
        value: {
          inReVerb: Verb.NETWORK_CONFIG_REQUEST,
          inRePacketId: 7n,
          code: ErrorCode.NETWORK_AUTHENTICATION_REQUIRED,
          nwid: NWID,
        },
      },
      /NETWORK_AUTHENTICATION_REQUIRED nwid=2d1d262d72000001$/,
    ],
    [
      { verb: Verb.WHOIS, value: { addresses: [0x2d1d262d72, 0x83edc7390e] } },
      /^WHOIS 2d1d262d72 83edc7390e$/,
    ],
    [
      {
        verb: Verb.OK,
        value: {
          inReVerb: Verb.WHOIS,
          inRePacketId: 8n,
          kind: 'WHOIS',
          body: { identities: [A.publicOnly(), B.publicOnly()] },
        },
      },
      /^OK\(WHOIS\) re 0000000000000008 2d1d262d72 83edc7390e$/,
    ],
    [
      {
        verb: Verb.RENDEZVOUS,
        value: { flags: 0, address: 0x83edc7390e, peer: parseInetAddress('198.51.100.7/41234')! },
      },
      /^RENDEZVOUS 83edc7390e at 198.51.100.7\/41234$/,
    ],
    [
      {
        verb: Verb.RENDEZVOUS,
        value: { flags: 0, address: 0x83edc7390e, peer: parseInetAddress('2001:db8::7/9993')! },
      },
      /at 2001:db8::7\/9993/,
    ],
    [
      { verb: Verb.FRAME, value: { nwid: NWID, etherType: 0x0800, data: ip4 } },
      /^FRAME nwid=2d1d262d72000001 IPv4 20B$/,
    ],
    [
      {
        verb: Verb.EXT_FRAME,
        value: {
          nwid: NWID,
          flags: 0x10,
          destMac: macForAddress(0x83edc7390e, NWID),
          srcMac: 0x0211223344,
          etherType: 0x86dd,
          data: ip4,
        },
      },
      /^EXT_FRAME nwid=2d1d262d72000001 flags=0x10 00:02:11:22:33:44 > .* IPv6 20B$/,
    ],
    [
      {
        verb: Verb.EXT_FRAME,
        value: {
          nwid: NWID,
          flags: 0x01,
          com,
          destMac: 0xffffffffffff,
          srcMac: macForAddress(0x2d1d262d72, NWID),
          etherType: 0x0806,
          data: new Uint8Array(28),
        },
      },
      /ARP 28B \+com$/,
    ],
    [
      {
        verb: Verb.OK,
        value: { inReVerb: Verb.EXT_FRAME, inRePacketId: 9n, kind: 'EXT_FRAME', body: { nwid: NWID } },
      },
      /^OK\(EXT_FRAME\) .* nwid=/,
    ],
    [{ verb: Verb.ECHO, value: { data: new Uint8Array(0) } }, /^ECHO 0B$/],
    [
      {
        verb: Verb.OK,
        value: { inReVerb: Verb.ECHO, inRePacketId: 10n, kind: 'ECHO', body: Uint8Array.of(1, 2, 3) },
      },
      /^OK\(ECHO\) re 000000000000000a 3B$/,
    ],
    [
      {
        verb: Verb.MULTICAST_LIKE,
        value: {
          subscriptions: [
            { nwid: NWID, group: BROADCAST_GROUP },
            { nwid: NWID, group: arpGroup(Uint8Array.of(10, 147, 17, 11)) },
            { nwid: NWID, group: { mac: 0x3333ff00000b, adi: 0 } },
          ],
        },
      },
      /^MULTICAST_LIKE nwid=2d1d262d72000001 3 groups: ff:ff:ff:ff:ff:ff\/00000000 ff:ff:ff:ff:ff:ff\/0a93110b 33:33:ff:00:00:0b\/00000000$/,
    ],
    [
      {
        verb: Verb.MULTICAST_LIKE,
        value: {
          subscriptions: [
            { nwid: NWID, group: BROADCAST_GROUP },
            { nwid: 0x8056c2e21c000001n, group: BROADCAST_GROUP },
          ],
        },
      },
      /^MULTICAST_LIKE 2 groups: 2d1d262d72000001 ff:ff:ff:ff:ff:ff\/00000000 8056c2e21c000001 ff:ff/,
    ],
    [
      {
        verb: Verb.NETWORK_CREDENTIALS,
        value: { coms: [com], capabilities: [cap], tags: [tag], revocations: [rev], coos: [coo] },
      },
      /^NETWORK_CREDENTIALS com 1 cap 1 tag 1 rev 1 coo 1$/,
    ],
    [{ verb: Verb.NETWORK_CREDENTIALS, value: { coms: [com] } }, /com 1 cap 0 tag 0 rev 0 coo 0/],
    [
      { verb: Verb.NETWORK_CREDENTIALS, value: { coms: [], capabilities: [], tags: [tag] } },
      /com 0 cap 0 tag 1/,
    ],
    [
      {
        verb: Verb.NETWORK_CONFIG_REQUEST,
        value: {
          nwid: NWID,
          metadata: new TextEncoder().encode(V.meta_text),
          revision: 3n,
          timestamp: 1700000000000n,
        },
      },
      /^NETWORK_CONFIG_REQUEST nwid=2d1d262d72000001 meta \d+B rev=3 ts=1700000000000$/,
    ],
    [
      {
        verb: Verb.NETWORK_CONFIG,
        value: {
          nwid: NWID,
          data: fromHex(V.netconf_dict).subarray(0, 500),
          meta: {
            flags: 1,
            updateId: 0x1234n,
            totalLength: 1281,
            offset: 0,
            signatureType: 1,
            signature: new Uint8Array(96).fill(7),
          },
        },
      },
      /^NETWORK_CONFIG nwid=2d1d262d72000001 500B at 0\/1281 update=0000000000001234 fast sig1\/96B$/,
    ],
    [{ verb: Verb.NETWORK_CONFIG, value: { nwid: NWID, data: fromHex(V.netconf_dict) } }, /1281B legacy$/],
    [
      {
        verb: Verb.OK,
        value: {
          inReVerb: Verb.NETWORK_CONFIG_REQUEST,
          inRePacketId: 11n,
          kind: 'NETWORK_CONFIG_REQUEST',
          body: {
            nwid: NWID,
            data: fromHex(V.netconf_dict).subarray(500),
            meta: {
              flags: 0,
              updateId: 0x1234n,
              totalLength: 1281,
              offset: 500,
              signatureType: 1,
              signature: new Uint8Array(96).fill(9),
            },
          },
        },
      },
      /^OK\(NETWORK_CONFIG_REQUEST\) re 000000000000000b nwid=2d1d262d72000001 781B at 500\/1281/,
    ],
    [
      { verb: Verb.MULTICAST_GATHER, value: { nwid: NWID, flags: 0, group: BROADCAST_GROUP, limit: 32 } },
      /^MULTICAST_GATHER nwid=2d1d262d72000001 ff:ff:ff:ff:ff:ff\/00000000 limit 32$/,
    ],
    [
      { verb: Verb.MULTICAST_GATHER, value: { nwid: NWID, flags: 1, group: BROADCAST_GROUP, limit: 7, com } },
      /limit 7 \+com$/,
    ],
    [
      {
        verb: Verb.OK,
        value: {
          inReVerb: Verb.MULTICAST_GATHER,
          inRePacketId: 12n,
          kind: 'MULTICAST_GATHER',
          body: { nwid: NWID, group: BROADCAST_GROUP, totalKnown: 3, members: [0x2d1d262d72, 0x83edc7390e] },
        },
      },
      /total 3: 2d1d262d72 83edc7390e$/,
    ],
    [
      {
        verb: Verb.MULTICAST_FRAME,
        value: {
          nwid: NWID,
          flags: 0x02,
          gatherLimit: 32,
          group: arpGroup(Uint8Array.of(10, 147, 17, 11)),
          etherType: 0x0806,
          data: new Uint8Array(28),
        },
      },
      /^MULTICAST_FRAME nwid=2d1d262d72000001 flags=0x2 to ff:ff:ff:ff:ff:ff\/0a93110b ARP 28B gather 32$/,
    ],
    [
      {
        verb: Verb.MULTICAST_FRAME,
        value: {
          nwid: NWID,
          flags: 0x0d,
          com,
          srcMac: 0x0211223344,
          group: BROADCAST_GROUP,
          etherType: 0x0800,
          data: ip4,
        },
      },
      /flags=0xd from 00:02:11:22:33:44 .* \+com$/,
    ],
    [
      {
        verb: Verb.OK,
        value: {
          inReVerb: Verb.MULTICAST_FRAME,
          inRePacketId: 13n,
          kind: 'MULTICAST_FRAME',
          body: {
            nwid: NWID,
            group: BROADCAST_GROUP,
            flags: 0x02,
            gather: { totalKnown: 1, members: [0x83edc7390e] },
          },
        },
      },
      /total 1: 83edc7390e$/,
    ],
    [
      {
        verb: Verb.OK,
        value: {
          inReVerb: Verb.MULTICAST_FRAME,
          inRePacketId: 14n,
          kind: 'MULTICAST_FRAME',
          body: { nwid: NWID, group: BROADCAST_GROUP, flags: 1, com },
        },
      },
      /\+com$/,
    ],
    [
      {
        verb: Verb.PUSH_DIRECT_PATHS,
        value: {
          paths: [
            { flags: 0, extension: new Uint8Array(0), address: parseInetAddress('10.77.0.11/9993')! },
            { flags: 2, extension: Uint8Array.of(1, 2), address: parseInetAddress('2001:db8::11/41000')! },
            { flags: 0, extension: new Uint8Array(0), unknown: { type: 9, bytes: Uint8Array.of(1, 2, 3) } },
          ],
        },
      },
      /^PUSH_DIRECT_PATHS 3: 10.77.0.11\/9993 2001:db8::11\/41000 type9$/,
    ],
    [{ verb: Verb.ACK, value: { bytesReceived: 123456 } }, /^ACK 123456B$/],
    [
      {
        verb: Verb.QOS_MEASUREMENT,
        value: {
          records: [
            { packetId: 0x0102030405060708n, holdingTime: 12 },
            { packetId: 5n, holdingTime: 300 },
          ],
        },
      },
      /^QOS_MEASUREMENT 2 records$/,
    ],
    [
      { verb: Verb.USER_MESSAGE, value: { typeId: 0x10000n, data: new TextEncoder().encode('hi') } },
      /^USER_MESSAGE type=65536 2B$/,
    ],
    [
      {
        verb: Verb.REMOTE_TRACE,
        value: {
          dictionaries: [new TextEncoder().encode('event=0000000000000001'), new TextEncoder().encode('x=1')],
        },
      },
      /^REMOTE_TRACE 2 dict 25B$/,
    ],
    [
      { verb: Verb.PATH_NEGOTIATION_REQUEST, value: { utility: -5 } },
      /^PATH_NEGOTIATION_REQUEST utility -5$/,
    ],
    [{ verb: 'unknown', number: 0x11, value: Uint8Array.of(1, 2) }, /^unknown\(0x11\) 2B$/],
    [
      { verb: Verb.OK, value: { inReVerb: 0x1f, inRePacketId: 15n, kind: 'raw', body: Uint8Array.of(9) } },
      /^OK\(unknown\(0x1f\)\) re 000000000000000f 1B$/,
    ],
  ];
}
