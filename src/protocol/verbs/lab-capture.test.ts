/**
 * Real traffic: every ZeroTier packet in test/vectors/lab-capture-1 (three reference 1.14.1
 * nodes) is reassembled with our Reassembler, dearmored, decompressed with our LZ4, decoded
 * by the verb codecs and re-encoded byte for byte.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readU40 } from '../../util/bytes.ts';
import { Writer } from '../../util/result.ts';
import { cryptField, dearmor, SymmetricKey } from '../armor.ts';
import { isFragment, Reassembler } from '../fragment.ts';
import { Identity } from '../identity.ts';
import { lz4Decompress } from '../lz4.ts';
import { decodeVerbPayload, encodeVerbPayload } from './dispatch.ts';
import { helloCryptFieldStart } from './hello.ts';
import { summarize } from './summarize.ts';
import { Verb, verbName } from './verb.ts';

const dir = new URL('../../../test/vectors/lab-capture-1/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8'));

/** Minimal pcap (LE, Ethernet) → UDP payloads with timestamps (ms). */
function udpPayloads(file: Uint8Array): { t: number; data: Uint8Array }[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  assert.equal(dv.getUint32(0, true), 0xa1b2c3d4, 'little-endian microsecond pcap');
  assert.equal(dv.getUint32(20, true), 1, 'Ethernet link type');
  const out: { t: number; data: Uint8Array }[] = [];
  for (let o = 24; o + 16 <= file.length; ) {
    const t = dv.getUint32(o, true) * 1000 + dv.getUint32(o + 4, true) / 1000;
    const len = dv.getUint32(o + 8, true);
    const f = file.subarray(o + 16, o + 16 + len);
    o += 16 + len;
    let et = (f[12] << 8) | f[13];
    let p = 14;
    if (et === 0x8100) {
      et = (f[16] << 8) | f[17];
      p = 18;
    }
    let udp: Uint8Array | null = null;
    if (et === 0x0800 && f[p + 9] === 17) udp = f.subarray(p + (f[p] & 15) * 4);
    else if (et === 0x86dd && f[p + 6] === 17) udp = f.subarray(p + 40);
    if (!udp) continue;
    const ulen = (udp[4] << 8) | udp[5];
    out.push({ t, data: udp.subarray(8, ulen) });
  }
  return out;
}

const ids = new Map<number, Identity>();
for (const n of Object.values(manifest.nodes) as { identitySecret: string }[]) {
  const d = Identity.fromString(n.identitySecret);
  assert.ok(d.ok);
  ids.set(d.value.address, d.value);
}

function keyFor(src: number, dst: number): SymmetricKey {
  const a = ids.get(dst);
  const b = ids.get(src);
  assert.ok(a && b, 'both ends are capture nodes');
  const k = a.agree(b);
  assert.ok(k);
  return new SymmetricKey(k);
}

test('lab capture: every packet decodes with the verb codecs and re-encodes byte for byte', () => {
  const datagrams = udpPayloads(new Uint8Array(readFileSync(new URL('capture.pcap', dir))));
  const reasm = new Reassembler();
  const verbs = new Map<string, number>();
  let packets = 0;
  let fragments = 0;
  let compressed = 0;
  for (const { t, data } of datagrams) {
    if (data.length < 16) continue; // LAN beacons
    if (isFragment(data)) fragments++;
    const r = reasm.receive(data, t);
    if (r.kind !== 'complete') {
      assert.equal(r.kind, 'pending');
      continue;
    }
    const pkt = r.packet.slice();
    const key = keyFor(readU40(pkt, 13), readU40(pkt, 8));
    assert.ok(dearmor(pkt, key), 'authenticates');
    packets++;
    const verb = pkt[27] & 0x1f;
    let payload: Uint8Array = pkt.subarray(28);
    if (verb === Verb.HELLO) {
      const start = helloCryptFieldStart(payload);
      assert.notEqual(start, null, '1.14 always sends the moon section');
      cryptField(key, pkt, 28 + start!, payload.length - start!);
    }
    if (pkt[27] & 0x80) {
      compressed++;
      const d = lz4Decompress(payload);
      assert.ok(d.ok, 'decompresses');
      payload = d.value;
    }
    const d = decodeVerbPayload(verb, payload);
    assert.ok(d.ok, `${verbName(verb)}: ${d.ok ? '' : d.reason}`);
    const w = new Writer();
    encodeVerbPayload(w, d.value);
    assert.deepEqual(w.finish(), payload, `${verbName(verb)} re-encodes exactly`);
    assert.doesNotMatch(summarize(verb, payload), /malformed|undefined|NaN/);
    const name = d.value.verb === Verb.OK ? `OK(${verbName(d.value.value.inReVerb)})` : verbName(verb);
    verbs.set(name, (verbs.get(name) ?? 0) + 1);
  }
  assert.equal(packets, 238, '238 ZeroTier packets in the capture');
  assert.equal(reasm.pending, 0, 'no fragment left over');
  for (const v of [
    'HELLO',
    'OK(HELLO)',
    'NETWORK_CONFIG_REQUEST',
    'OK(NETWORK_CONFIG_REQUEST)',
    'MULTICAST_LIKE',
    'FRAME',
  ])
    assert.ok(verbs.has(v), `capture has ${v}: ${[...verbs].join(', ')}`);
  assert.ok(compressed > 0, 'some payloads were compressed');
  const histogram = [...verbs].map(([k, n]) => `${k}×${n}`).join(' ');
  assert.equal(verbs.get('HELLO'), 44, histogram);
  assert.equal(verbs.get('OK(NETWORK_CONFIG_REQUEST)'), 2, histogram);
  assert.equal(verbs.get('FRAME'), 23, histogram);
  assert.equal(fragments, 0, 'this capture has no fragmented packets');
});
