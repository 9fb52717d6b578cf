import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cryptoVectors } from '../../testing/vectors.ts';
import { fromHex, toHex } from '../../util/bytes.ts';
import { type Decoded, Writer } from '../../util/result.ts';
import { Identity } from '../identity.ts';
import { decodeVerbPayload, encodeVerbPayload, type VerbMessage } from './dispatch.ts';
import { decodeConfigPushAck, encodeConfigPushAck } from './echo.ts';
import { decodeError } from './error.ts';
import { frameView, writeFrameHeader } from './frame.ts';
import { splitMulticastLike } from './multicast.ts';
import {
  type ConfigChunkMeta,
  configChunkId,
  configChunkSignedRegion,
  decodeConfigChunk,
  splitConfigIntoChunks,
} from './network-config.ts';
import { decodeOk, decodeOkHeader } from './ok.ts';
import { SAMPLE_NWID, verbSamples } from './samples.ts';
import { summarize } from './summarize.ts';
import { ErrorCode, errorCodeName, Verb, verbName } from './verb.ts';

const vec = cryptoVectors;
const V = vec.values;

function must<T>(d: Decoded<T>): T {
  if (!d.ok) throw new Error(`decode failed: ${d.reason}`);
  return d.value;
}

const SAMPLES = verbSamples(vec);
const NWID = SAMPLE_NWID;
const A = must(Identity.fromString(vec.identities.A));
const ip4 = Uint8Array.of(0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 1, 0, 0, 10, 147, 17, 11, 10, 147, 17, 13);

/** Encodes, decodes, re-encodes; returns the bytes and the decoded message. */
function roundTrip(m: VerbMessage): { bytes: Uint8Array; back: VerbMessage } {
  const w = new Writer();
  encodeVerbPayload(w, m);
  const bytes = w.finish();
  const verbNo = m.verb === 'unknown' ? m.number : m.verb;
  const back = must(decodeVerbPayload(verbNo, bytes));
  const w2 = new Writer();
  encodeVerbPayload(w2, back);
  assert.equal(toHex(w2.finish()), toHex(bytes), `re-encode of ${verbName(verbNo)}`);
  return { bytes, back };
}

test('every verb: encode → decode → encode is byte-exact, and decode gives back the value', () => {
  for (const [m] of SAMPLES) {
    const { back } = roundTrip(m);
    // Credential objects are compared by their bytes; everything else structurally.
    const norm = (x: unknown): unknown =>
      JSON.parse(
        JSON.stringify(x, (_k, val) => {
          if (typeof val === 'bigint') return `${val}n`;
          if (val instanceof Uint8Array) return toHex(val);
          if (val && typeof val === 'object' && typeof val.toBytes === 'function')
            return toHex(val.toBytes());
          return val;
        }),
      );
    const { signedRegion: _s, ...rest } = (back.value as { signedRegion?: unknown }) ?? {};
    const backValue =
      back.verb === Verb.NETWORK_CONFIG
        ? rest
        : back.verb === Verb.OK && back.value.kind === 'NETWORK_CONFIG_REQUEST'
          ? {
              ...back.value,
              body: (({ signedRegion: _r, ...b }) => b)(back.value.body as { signedRegion: unknown }),
            }
          : back.value;
    assert.deepEqual(norm(backValue), norm(m.value), `value of ${m.verb}`);
  }
});

test('every verb: summarize prints the expected one-liner', () => {
  for (const [m, re] of SAMPLES) {
    const w = new Writer();
    encodeVerbPayload(w, m);
    const line = summarize(m.verb === 'unknown' ? m.number : m.verb, w.finish());
    assert.match(line, re);
    assert.ok(!line.includes('\n'));
  }
  assert.equal(summarize(Verb.FRAME, Uint8Array.of(1, 2)), 'FRAME <malformed: frame-truncated> 2B');
});

test('config chunk: signed region is exactly nwid..offset and verifies with the controller', () => {
  const data = fromHex(V.netconf_dict).subarray(0, 700);
  const meta0 = { flags: 0, updateId: 0xfeedn, totalLength: 1281, offset: 0 };
  const region = configChunkSignedRegion(NWID, data, meta0);
  assert.equal(region.length, 8 + 2 + 700 + 1 + 8 + 4 + 4);
  const meta: ConfigChunkMeta = { ...meta0, signatureType: 1, signature: A.sign(region) };
  const w = new Writer();
  encodeVerbPayload(w, { verb: Verb.NETWORK_CONFIG, value: { nwid: NWID, data, meta } });
  const d = decodeConfigChunk(w.finish());
  assert.ok(d.ok);
  assert.deepEqual(d.value.signedRegion, region);
  assert.ok(A.verify(d.value.signedRegion, d.value.meta!.signature));
  assert.equal(d.value.meta!.signature.length, 96);
  assert.notEqual(configChunkId(meta.signature), 0n);
  // Via OK(NETWORK_CONFIG_REQUEST) the region is the same bytes (offset 9 in the OK payload).
  const w2 = new Writer();
  encodeVerbPayload(w2, {
    verb: Verb.OK,
    value: {
      inReVerb: Verb.NETWORK_CONFIG_REQUEST,
      inRePacketId: 1n,
      kind: 'NETWORK_CONFIG_REQUEST',
      body: { nwid: NWID, data, meta },
    },
  });
  const o = decodeOk(w2.finish());
  assert.ok(o.ok && o.value.kind === 'NETWORK_CONFIG_REQUEST');
  assert.deepEqual((o.value.body as { signedRegion: Uint8Array }).signedRegion, region);
  assert.equal(configChunkId(new Uint8Array(3)), 0n);
});

test('config-push ack quirk: OK in re ECHO carrying nwid + update ID', () => {
  const w = new Writer();
  w.u8(Verb.ECHO).u64(0xabcn);
  encodeConfigPushAck(w, { nwid: NWID, updateId: 0xfeedn });
  const payload = w.finish();
  const o = decodeOk(payload);
  assert.ok(o.ok && o.value.kind === 'ECHO');
  assert.deepEqual(decodeConfigPushAck(o.value.body), { ok: true, value: { nwid: NWID, updateId: 0xfeedn } });
  assert.deepEqual(decodeConfigPushAck(Uint8Array.of(1)), { ok: false, reason: 'ack-bad-length' });
  assert.match(summarize(Verb.OK, payload), /config ack\? nwid=2d1d262d72000001 update=000000000000feed/);
  assert.deepEqual(decodeOkHeader(payload), {
    ok: true,
    value: { inReVerb: Verb.ECHO, inRePacketId: 0xabcn },
  });
});

test('ERROR codes: nwid only where the code carries one; trailing bytes preserved', () => {
  const e = must(decodeError(fromHex('0b000000000000000103' + '2d1d262d72000001')));
  assert.equal(e.nwid, NWID);
  const e2 = must(decodeError(fromHex('06000000000000000103' + '2d1d262d72000001')));
  assert.equal(e2.nwid, undefined, 'OBJ_NOT_FOUND in re FRAME carries no nwid');
  assert.deepEqual(e2.extra, fromHex('2d1d262d72000001'));
  assert.deepEqual(decodeError(fromHex('0600000000000000010600')), { ok: false, reason: 'error-truncated' });
  assert.deepEqual(decodeError(fromHex('0b0000000000000001092d1d262d720000010010aa')), {
    ok: false,
    reason: 'error-truncated',
  });
  assert.equal(errorCodeName(ErrorCode.UNSUPPORTED_OPERATION), 'UNSUPPORTED_OPERATION');
  assert.equal(errorCodeName(0x42), 'unknown(0x42)');
});

test('frameView reads FRAME without allocating a Frame', () => {
  const w = new Writer();
  encodeVerbPayload(w, { verb: Verb.FRAME, value: { nwid: NWID, etherType: 0x0800, data: ip4 } });
  const out = { nwidHi: 0, nwidLo: 0, etherType: 0, data: new Uint8Array(0) };
  assert.ok(frameView(w.finish(), out));
  assert.equal((BigInt(out.nwidHi) << 32n) | BigInt(out.nwidLo), NWID);
  assert.equal(out.etherType, 0x0800);
  assert.deepEqual(out.data, ip4);
  assert.ok(!frameView(new Uint8Array(9), out));
});

test('splitConfigIntoChunks: signed chunks that reassemble to the dictionary', () => {
  const dict = fromHex(V.netconf_dict);
  const chunks = splitConfigIntoChunks(NWID, dict, 0x77n, (m) => A.sign(m), { maxChunk: 500, flags: 1 });
  assert.equal(chunks.length, 3);
  const rebuilt = new Uint8Array(dict.length);
  for (const c of chunks) {
    const w = new Writer();
    encodeVerbPayload(w, { verb: Verb.NETWORK_CONFIG, value: c });
    const d = decodeConfigChunk(w.finish());
    assert.ok(d.ok && d.value.meta);
    assert.ok(A.verify(d.value.signedRegion, d.value.meta.signature));
    assert.equal(d.value.meta.totalLength, dict.length);
    assert.equal(d.value.meta.updateId, 0x77n);
    assert.equal(d.value.meta.flags, 1);
    rebuilt.set(d.value.data, d.value.meta.offset);
  }
  assert.deepEqual(rebuilt, dict);
  assert.equal(splitConfigIntoChunks(NWID, dict, 1n, (m) => A.sign(m)).length, 1);
  assert.throws(() => splitConfigIntoChunks(NWID, dict, 0n, (m) => A.sign(m)), RangeError);
});

test('splitMulticastLike keeps every payload under the limit', () => {
  const subs = Array.from({ length: 1000 }, (_, i) => ({
    nwid: NWID,
    group: { mac: 0x3333ff000000 + i, adi: 0 },
  }));
  const parts = splitMulticastLike(subs);
  assert.equal(parts.length, 2);
  assert.equal(
    parts.reduce((n, p) => n + p.subscriptions.length, 0),
    1000,
  );
  for (const p of parts) {
    const w = new Writer();
    encodeVerbPayload(w, { verb: Verb.MULTICAST_LIKE, value: p });
    assert.ok(w.length <= 10024 - 28);
  }
});

test('writeFrameHeader writes the same bytes as encodeFrame, in place', () => {
  const w = new Writer();
  encodeVerbPayload(w, { verb: Verb.FRAME, value: { nwid: NWID, etherType: 0x86dd, data: ip4 } });
  const buf = new Uint8Array(28 + 10 + ip4.length);
  const at = writeFrameHeader(buf, 28, NWID, 0x86dd);
  buf.set(ip4, at);
  assert.equal(toHex(buf.subarray(28)), toHex(w.finish()));
  assert.throws(() => writeFrameHeader(new Uint8Array(9), 0, NWID, 0), RangeError);
});
