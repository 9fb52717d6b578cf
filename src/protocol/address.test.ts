import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../util/bytes.ts';
import { Reader, Writer } from '../util/result.ts';
import {
  ADDRESS_MAX,
  addressFromMac,
  addressFromRfc4193,
  addressFromSixPlane,
  adHocIpv4Address,
  adHocPortRangeNetworkId,
  arpGroup,
  BROADCAST_GROUP,
  compareMulticastGroups,
  decodeAdHocNetworkId,
  decodeMulticastGroup,
  encodeMulticastGroup,
  formatAddress,
  formatMac,
  formatMulticastGroup,
  formatNetworkId,
  ipv4MulticastGroup,
  ipv6MulticastGroup,
  isReservedAddress,
  isValidAddress,
  isZeroTierMac,
  macFirstOctet,
  macForAddress,
  macFromBytes,
  macToBytes,
  networkController,
  parseAddress,
  parseMac,
  parseNetworkId,
  rfc4193Address,
  rfc4193Inet,
  sixPlaneAddress,
  sixPlaneInet,
  solicitedNodeGroup,
} from './address.ts';
import { inetAddressToString, ipToString } from './inet-address.ts';

const vectorsDir = new URL('../../test/vectors/', import.meta.url);
const cv = JSON.parse(readFileSync(new URL('crypto-vectors.json', vectorsDir), 'utf8'));
const manifest = JSON.parse(readFileSync(new URL('lab-capture-1/manifest.json', vectorsDir), 'utf8'));

const A_ADDR = 0x2d1d262d72;
const NWID = 0x8056c2e21c000001n;

/** Literal bigint transcription of the §1.3 pseudo-code, to cross-check the number version. */
function macReference(a: number, n: bigint): number {
  let first = (n & 0xfen) | 0x02n;
  if (first === 0x52n) first = 0x32n;
  let m = (first << 40n) | BigInt(a);
  m ^= ((n >> 8n) & 0xffn) << 32n;
  m ^= ((n >> 16n) & 0xffn) << 24n;
  m ^= ((n >> 24n) & 0xffn) << 16n;
  m ^= ((n >> 32n) & 0xffn) << 8n;
  m ^= (n >> 40n) & 0xffn;
  return Number(m);
}

test('address text form and reserved addresses (§1.1)', () => {
  assert.equal(formatAddress(A_ADDR), '2d1d262d72');
  assert.equal(formatAddress(0x31914e), '000031914e');
  assert.equal(parseAddress('2D1D262D72'), A_ADDR);
  assert.equal(parseAddress('000031914e'), 0x31914e);
  for (const bad of ['2d1d262d7', '2d1d262d720', 'zz1d262d72', '', ' 2d1d262d72'])
    assert.equal(parseAddress(bad), null);
  assert.ok(isReservedAddress(0));
  assert.ok(isReservedAddress(0xff00000000));
  assert.ok(isReservedAddress(ADDRESS_MAX));
  assert.ok(!isReservedAddress(0xfeffffffff));
  assert.ok(!isReservedAddress(1));
  assert.ok(isValidAddress(A_ADDR));
  assert.ok(!isValidAddress(ADDRESS_MAX + 1));
  assert.ok(!isValidAddress(1.5));
  assert.ok(!isValidAddress(-1));
});

test('network IDs: text form and controller address (§1.2)', () => {
  assert.equal(parseNetworkId('8056C2E21C000001'), NWID);
  assert.equal(formatNetworkId(NWID), '8056c2e21c000001');
  assert.equal(formatNetworkId(1n), '0000000000000001');
  assert.equal(parseNetworkId('8056c2e21c00001'), null);
  assert.equal(parseNetworkId('8056c2e21c00000x'), null);
  assert.equal(formatAddress(networkController(NWID)), '8056c2e21c');
  assert.equal(formatAddress(networkController(0xbbeb160bc5809b61n)), 'bbeb160bc5');
});

test('ad-hoc network IDs decode to their parameters (§1.2)', () => {
  const pr = adHocPortRangeNetworkId(80, 443);
  assert.equal(formatNetworkId(pr), 'ff005001bb000000');
  assert.deepEqual(decodeAdHocNetworkId(pr), {
    kind: 'port-range',
    startPort: 80,
    endPort: 443,
    name: 'adhoc-0050-01bb',
    valid: true,
  });
  const backwards = decodeAdHocNetworkId(0xff01bb0050000000n);
  assert.equal(backwards?.kind, 'port-range');
  assert.equal(backwards?.valid, false);
  assert.deepEqual(decodeAdHocNetworkId(0xff0a000000000001n), {
    kind: 'ipv4',
    firstOctet: 10,
    hub: 0,
    name: 'adhoc-10.0.0.0',
    valid: true,
  });
  const withHub = decodeAdHocNetworkId(0xff1c89e92ceee501n);
  assert.equal(withHub?.kind, 'ipv4');
  assert.equal(withHub?.kind === 'ipv4' && formatAddress(withHub.hub), '89e92ceee5');
  assert.equal(withHub?.name, 'adhoc-28.0.0.0');
  assert.equal(toHex(adHocIpv4Address(28, A_ADDR)), '1c262d72');
  assert.equal(decodeAdHocNetworkId(NWID), null);
  assert.equal(decodeAdHocNetworkId(0xff00000000000002n), null);
  assert.throws(() => adHocPortRangeNetworkId(-1, 5), RangeError);
});

test('MAC derivation and reverse match mac_a_nwid / mac_back (§1.3)', () => {
  const mac = macForAddress(A_ADDR, NWID);
  assert.equal(formatMac(mac), cv.values.mac_a_nwid);
  assert.equal(formatAddress(addressFromMac(mac, NWID)), cv.values.mac_back);
  assert.equal(parseMac(cv.values.mac_a_nwid), mac);
  assert.equal(parseMac('02-2D-1D-3A-CF-B0'), mac);
  assert.equal(parseMac('02:2d:1d:3a:cf'), null);
  assert.ok(isZeroTierMac(mac, NWID));
  assert.ok(!isZeroTierMac(0x0a2d1d3acfb0, NWID));
  assert.equal(toHex(macToBytes(mac)), '022d1d3acfb0');
  assert.equal(macFromBytes(fromHex('00022d1d3acfb0'), 1), mac);
});

test('first MAC octet avoids 0x52 and multicast (§1.3)', () => {
  assert.equal(macFirstOctet(0x52n), 0x32);
  assert.equal(macFirstOctet(0x53n), 0x32);
  assert.equal(macFirstOctet(0x01n), 0x02);
  assert.equal(macFirstOctet(0xffn), 0xfe);
});

test('MAC derivation agrees with a bigint transcription and reverses, for any address and network', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: ADDRESS_MAX }),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      (a, n) => {
        const mac = macForAddress(a, n);
        assert.equal(mac, macReference(a, n));
        assert.equal(addressFromMac(mac, n), a);
        assert.ok(isZeroTierMac(mac, n));
        assert.equal(macFromBytes(macToBytes(mac)), mac);
        assert.equal(parseMac(formatMac(mac)), mac);
      },
    ),
  );
});

test('RFC4193 and 6PLANE addresses match the vectors (§9.11)', () => {
  assert.equal(inetAddressToString(rfc4193Inet(NWID, A_ADDR)), cv.values.rfc4193);
  assert.equal(inetAddressToString(sixPlaneInet(NWID, A_ADDR)), cv.values['6plane']);
  assert.equal(addressFromRfc4193(rfc4193Address(NWID, A_ADDR), NWID), A_ADDR);
  assert.equal(addressFromSixPlane(sixPlaneAddress(NWID, A_ADDR), NWID), A_ADDR);
  assert.equal(addressFromRfc4193(rfc4193Address(NWID + 1n, A_ADDR), NWID), null);
  assert.equal(addressFromSixPlane(rfc4193Address(NWID, A_ADDR), NWID), null);
  assert.equal(addressFromSixPlane(new Uint8Array(4), NWID), null);
});

test('lab capture nodes: MAC, RFC4193 and 6PLANE on network bbeb160bc5809b61', () => {
  const nwid = parseNetworkId(manifest.network.id)!;
  let checked = 0;
  for (const n of Object.values(manifest.nodes) as Record<string, string>[]) {
    if (!n.mac) continue;
    const addr = parseAddress(n.identitySecret.slice(0, 10))!;
    assert.equal(formatMac(macForAddress(addr, nwid)), n.mac);
    assert.equal(addressFromMac(parseMac(n.mac)!, nwid), addr);
    const r = rfc4193Inet(nwid, addr);
    assert.equal(ipToString(r), n.rfc4193);
    assert.equal(ipToString(sixPlaneInet(nwid, addr)), n.sixplane);
    checked++;
  }
  assert.equal(checked, 2);
});

test('multicast groups: wire form, ordering, broadcast, ARP and solicited-node groups (§1.4)', () => {
  const g = arpGroup(Uint8Array.of(10, 147, 17, 11));
  assert.deepEqual(g, { mac: 0xffffffffffff, adi: 0x0a93110b });
  assert.equal(formatMulticastGroup(g), 'ff:ff:ff:ff:ff:ff/0a93110b');
  const w = new Writer();
  encodeMulticastGroup(w, g);
  encodeMulticastGroup(w, BROADCAST_GROUP);
  const bytes = w.finish();
  assert.equal(toHex(bytes), 'ffffffffffff0a93110bffffffffffff00000000');
  const r = new Reader(bytes);
  const d1 = decodeMulticastGroup(r);
  const d2 = decodeMulticastGroup(r);
  assert.ok(d1.ok && d2.ok);
  assert.deepEqual(d1.value, g);
  assert.deepEqual(d2.value, BROADCAST_GROUP);
  assert.deepEqual(decodeMulticastGroup(r), { ok: false, reason: 'mg-truncated' });
  assert.deepEqual(decodeMulticastGroup(new Reader(bytes.subarray(0, 9))), {
    ok: false,
    reason: 'mg-truncated',
  });

  const nwid = parseNetworkId(manifest.network.id)!;
  const sn = solicitedNodeGroup(rfc4193Address(nwid, 0x4038cf9d1e));
  assert.equal(formatMulticastGroup(sn), '33:33:ff:cf:9d:1e/00000000');

  assert.ok(compareMulticastGroups(BROADCAST_GROUP, g) < 0);
  assert.ok(compareMulticastGroups(sn, BROADCAST_GROUP) < 0);
  assert.equal(compareMulticastGroups(g, { ...g }), 0);
  assert.throws(() => arpGroup(new Uint8Array(16)), RangeError);
});

test('IP multicast destinations map to their Ethernet multicast groups (RFC 1112, RFC 2464)', () => {
  assert.equal(
    formatMulticastGroup(ipv4MulticastGroup(Uint8Array.of(224, 0, 0, 251))),
    '01:00:5e:00:00:fb/00000000',
  );
  assert.equal(
    formatMulticastGroup(ipv4MulticastGroup(Uint8Array.of(239, 255, 1, 2))),
    '01:00:5e:7f:01:02/00000000',
  );
  const allNodes = fromHex('ff020000000000000000000000000001');
  assert.equal(formatMulticastGroup(ipv6MulticastGroup(allNodes)), '33:33:00:00:00:01/00000000');
  // The solicited-node group is the IPv6 multicast group of the solicited-node address.
  const target = rfc4193Address(NWID, A_ADDR);
  const snAddr = fromHex(`ff0200000000000000000001ff${toHex(target, 13, 16)}`);
  assert.deepEqual(ipv6MulticastGroup(snAddr), solicitedNodeGroup(target));
  assert.throws(() => ipv6MulticastGroup(new Uint8Array(4)), RangeError);
});

test('fuzz: multicast group decode round-trips any 10 bytes and never throws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
      const d = decodeMulticastGroup(new Reader(b));
      if (b.length < 10) assert.equal(d.ok, false);
      else {
        assert.ok(d.ok);
        const w = new Writer();
        encodeMulticastGroup(w, d.value);
        assert.equal(toHex(w.finish()), toHex(b.subarray(0, 10)));
      }
    }),
  );
});
