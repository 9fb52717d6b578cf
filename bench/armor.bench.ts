/**
 * Packet armor throughput: armor + dearmor of one 2800-byte packet (the default VL2 MTU) per
 * cipher, plus the primitives underneath. Run: `npm run bench armor`.
 *
 * Each row shows the best wall-clock batch (bench/measure.ts) and, in brackets, CPU time per
 * call from process.cpuUsage() over the best batch of 2000 calls: on a shared, oversubscribed
 * machine the CPU figure is the steadier one (it does not count time spent descheduled).
 */
import { poly1305Into } from '../src/crypto/poly1305.ts';
import { Salsa20, salsaBlock, salsaIncrement, salsaState } from '../src/crypto/salsa20.ts';
import { armor, dearmor, SymmetricKey } from '../src/protocol/armor.ts';
import { report, timePerCall } from './measure.ts';

/** Best CPU time (user + system) per call in µs over `rounds` batches of `batch` calls. */
function cpuPerCall(fn: () => void, batch = 2000, rounds = 7): number {
  for (let i = 0; i < batch; i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < batch; i++) fn();
    const d = process.cpuUsage(t0);
    best = Math.min(best, (d.user + d.system) / batch);
  }
  return best;
}

function row(name: string, fn: () => void, target?: string, batch?: number): void {
  const wall = timePerCall(fn, { ms: 1500 });
  const cpu = cpuPerCall(fn, batch);
  report(`${name} [cpu ${cpu.toFixed(2)} µs]`, wall, 'µs', target);
}

const SIZE = 2800;
const key = new SymmetricKey(Uint8Array.from({ length: 48 }, (_, i) => (i * 37 + 11) & 0xff));
const template = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) template[i] = (i * 7) & 0xff;
template[18] = 0;
const pkt = new Uint8Array(SIZE);

const names: Record<number, string> = { 0: 'c0 Poly1305', 1: 'c1 Salsa20/12+Poly1305', 3: 'c3 AES-GMAC-SIV' };
const targets: Record<number, string | undefined> = { 0: undefined, 1: '<= 25 µs', 3: '<= 12 µs' };
for (const cipher of [0, 1, 3] as const) {
  row(
    `armor+dearmor ${SIZE} B ${names[cipher]}`,
    () => {
      pkt.set(template);
      armor(pkt, key, cipher);
      if (!dearmor(pkt, key)) throw new Error('dearmor failed');
    },
    targets[cipher],
  );
}
for (const cipher of [1, 3] as const) {
  row(`armor only ${SIZE} B ${names[cipher]}`, () => {
    pkt.set(template);
    armor(pkt, key, cipher);
  });
}

const out = new Uint8Array(16);
row(`poly1305 ${SIZE} B`, () => poly1305Into(template, 0, template, 0, SIZE, out, 0));
const s12 = new Salsa20(template.subarray(0, 32), template.subarray(32, 40), 12);
row(`salsa20/12 crypt ${SIZE} B`, () => s12.crypt(pkt, pkt));

// Identity-hash budget (§2.3): 163,840 Salsa20/20 blocks per validation; measured per 1024.
const st = salsaState(template.subarray(0, 32), template.subarray(32, 40));
const mem = new Uint32Array(16 * 1024);
const kblocks = () => {
  for (let b = 0; b < 1024; b++) {
    salsaBlock(20, st, mem, b * 16);
    salsaIncrement(st);
  }
};
const wall = timePerCall(kblocks, { batch: 10 });
const cpu = cpuPerCall(kblocks, 50);
report(`salsa20/20 x163840 blocks [cpu ${((cpu * 160) / 1000).toFixed(1)} ms]`, (wall * 160) / 1000, 'ms');
