/**
 * Packet armor throughput: armor + dearmor of one 2800-byte packet (the default VL2 MTU) per
 * cipher, plus the primitives underneath. Run: `npm run bench armor`.
 */
import { poly1305Into } from '../src/crypto/poly1305.ts';
import { Salsa20, salsaBlock, salsaIncrement, salsaState } from '../src/crypto/salsa20.ts';
import { armor, dearmor, SymmetricKey } from '../src/protocol/armor.ts';
import { report, timePerCall } from './measure.ts';

const SIZE = 2800;
const key = new SymmetricKey(Uint8Array.from({ length: 48 }, (_, i) => (i * 37 + 11) & 0xff));
const template = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) template[i] = (i * 7) & 0xff;
template[18] = 0;
const pkt = new Uint8Array(SIZE);

const targets: Record<number, string> = { 0: '', 1: '<= 25 µs', 3: '<= 12 µs' };
const names: Record<number, string> = {
  0: 'cipher 0 Poly1305',
  1: 'cipher 1 Salsa20/12+Poly1305',
  3: 'cipher 3 AES-GMAC-SIV',
};
for (const cipher of [0, 1, 3] as const) {
  const run = () => {
    pkt.set(template);
    armor(pkt, key, cipher);
    if (!dearmor(pkt, key)) throw new Error('dearmor failed');
  };
  report(
    `armor+dearmor ${SIZE} B, ${names[cipher]}`,
    timePerCall(run, { ms: 1500 }),
    'µs/packet',
    targets[cipher] || undefined,
  );
}
for (const cipher of [1, 3] as const) {
  report(
    `armor only ${SIZE} B, ${names[cipher]}`,
    timePerCall(() => {
      pkt.set(template);
      armor(pkt, key, cipher);
    }),
    'µs/packet',
  );
}

const out = new Uint8Array(16);
report(
  `poly1305 ${SIZE} B`,
  timePerCall(() => poly1305Into(template, 0, template, 0, SIZE, out, 0)),
  'µs',
);
const s12 = new Salsa20(template.subarray(0, 32), template.subarray(32, 40), 12);
report(
  `salsa20/12 crypt ${SIZE} B`,
  timePerCall(() => s12.crypt(pkt, pkt)),
  'µs',
);

// Identity-hash budget (§2.3): 163,840 Salsa20/20 blocks per validation.
const st = salsaState(template.subarray(0, 32), template.subarray(32, 40));
const mem = new Uint32Array(16 * 1024);
const blocks = timePerCall(
  () => {
    for (let b = 0; b < 1024; b++) {
      salsaBlock(20, st, mem, b * 16);
      salsaIncrement(st);
    }
  },
  { batch: 10 },
);
report('salsa20/20 163840 blocks (identity hash core)', (blocks * 160) / 1000, 'ms', '<= 40 ms incl. hash');
