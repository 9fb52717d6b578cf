/**
 * Packet codecs: LZ4 on control-plane payloads, fragmentation + reassembly of a maximum-size
 * packet, and verb decode/encode (FRAME on the data path; HELLO, OK(HELLO), config chunk and
 * MULTICAST_LIKE on the control plane). Run: `npm run bench packets`.
 */
import { readFileSync } from 'node:fs';
import { fragmentPacket, Reassembler } from '../src/protocol/fragment.ts';
import { lz4Compress, lz4Decompress } from '../src/protocol/lz4.ts';
import { decodeVerbPayload, encodeVerbPayload, type VerbMessage } from '../src/protocol/verbs/dispatch.ts';
import { decodeFrame, frameView } from '../src/protocol/verbs/frame.ts';
import { verbSamples } from '../src/protocol/verbs/samples.ts';
import { summarize } from '../src/protocol/verbs/summarize.ts';
import { Verb } from '../src/protocol/verbs/verb.ts';
import { fromHex } from '../src/util/bytes.ts';
import { Writer } from '../src/util/result.ts';
import { report, timePerCall } from './measure.ts';

const vec = JSON.parse(readFileSync(new URL('../test/vectors/crypto-vectors.json', import.meta.url), 'utf8'));

// A netconf dictionary is the typical compressed payload (config chunks, §5).
const dict = fromHex(vec.values.netconf_dict);
const dictZ = lz4Compress(dict);
report(
  `lz4 compress netconf dict ${dict.length} B (→ ${dictZ.length} B)`,
  timePerCall(() => lz4Compress(dict)),
  'µs',
);
report(
  `lz4 decompress netconf dict ${dict.length} B`,
  timePerCall(() => lz4Decompress(dictZ)),
  'µs',
);
const big = new Uint8Array(9996);
for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 5)) & 0xff;
const bigZ = lz4Compress(big);
const mbps = (bytes: number, us: number) => bytes / us; // bytes per µs = MB/s
const tc = timePerCall(() => lz4Compress(big), { batch: 20 });
report(`lz4 compress 9996 B semi-repetitive (→ ${bigZ.length} B)`, mbps(big.length, tc), 'MB/s');
const td = timePerCall(() => lz4Decompress(bigZ), { batch: 20 });
report('lz4 decompress 9996 B', mbps(big.length, td), 'MB/s');
// Incompressible input (an encrypted or already compressed payload): the sender gives up.
const noise = new Uint8Array(1400);
let x = 1;
for (let i = 0; i < noise.length; i++) {
  x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  noise[i] = x >>> 24;
}
report(
  `lz4 compress 1400 B random (→ ${lz4Compress(noise).length} B)`,
  timePerCall(() => lz4Compress(noise)),
  'µs',
);

// Fragmentation of a 10024-byte packet at the default MTU (8 datagrams → 7 is the receive limit,
// so use 8000 bytes: head + 5 fragments).
const pkt = new Uint8Array(8000);
for (let i = 0; i < pkt.length; i++) pkt[i] = i & 0xff;
pkt[13] = 0x2d;
pkt[18] = 0x58;
let id = 0n;
const reasm = new Reassembler();
report(
  'fragment + reassemble 8000 B packet (6 datagrams)',
  timePerCall(() => {
    new DataView(pkt.buffer).setBigUint64(0, id++);
    const parts = fragmentPacket(pkt, 1432);
    let done = false;
    for (const p of parts) done = reasm.receive(p, 0).kind === 'complete';
    if (!done) throw new Error('not reassembled');
  }),
  'µs/packet',
);

// FRAME: the data path. 1400-byte Ethernet payload.
const fw = new Writer(1500);
encodeVerbPayload(fw, {
  verb: Verb.FRAME,
  value: { nwid: 0x8056c2e21c000001n, etherType: 0x0800, data: new Uint8Array(1400) },
});
const framePayload = fw.finish();
const view = { nwidHi: 0, nwidLo: 0, etherType: 0, data: new Uint8Array(0) };
report(
  'FRAME frameView (zero-copy)',
  timePerCall(() => frameView(framePayload, view), { batch: 10000 }) * 1000,
  'ns',
);
report('FRAME decodeFrame', timePerCall(() => decodeFrame(framePayload), { batch: 10000 }) * 1000, 'ns');

// Control plane: decode + re-encode of the captured HELLO/OK(HELLO) and of the samples.
const hello = fromHex(vec.values.hello_plain).subarray(28);
report(
  'HELLO decode (identity + moons)',
  timePerCall(() => decodeVerbPayload(Verb.HELLO, hello)),
  'µs',
);
const okHello = fromHex(vec.values.okhello_plain).subarray(28);
report(
  'OK(HELLO) decode',
  timePerCall(() => decodeVerbPayload(Verb.OK, okHello)),
  'µs',
);
const samples = verbSamples(vec).map(([m]) => m);
const pick = (verb: number): VerbMessage => samples.find((m) => m.verb === verb)!;
for (const verb of [Verb.NETWORK_CONFIG, Verb.MULTICAST_LIKE, Verb.NETWORK_CREDENTIALS]) {
  const m = pick(verb);
  const w = new Writer();
  encodeVerbPayload(w, m);
  const bytes = w.finish();
  const name = summarize(verb, bytes).split(' ')[0];
  report(
    `${name} decode (${bytes.length} B)`,
    timePerCall(() => decodeVerbPayload(verb, bytes)),
    'µs',
  );
  report(
    `${name} encode (${bytes.length} B)`,
    timePerCall(() => {
      const x = new Writer(2048);
      encodeVerbPayload(x, m);
    }),
    'µs',
  );
}
report(
  'summarize HELLO',
  timePerCall(() => summarize(Verb.HELLO, hello)),
  'µs',
);
