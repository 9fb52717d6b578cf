/**
 * Armor against real traffic: test/vectors/lab-capture-1 holds UDP between three reference
 * ZeroTier One 1.14.1 nodes with their secret identities. Every unfragmented packet must
 * dearmor, and re-armoring the dearmored packet must give back the captured bytes exactly
 * (for cipher 3 after recovering the random packet ID from the SIV tag, §4.4).
 */
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readPcap } from '../cli/inspect/pcap.ts';
import { kbkdf384 } from '../crypto/hash.ts';
import { armor, dearmorReason, SymmetricKey } from './armor.ts';
import { Identity } from './identity.ts';
import { PacketView } from './packet.ts';

const dir = new URL('../../test/vectors/lab-capture-1/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8'));
const ids = Object.values(manifest.nodes).map((n) => {
  const r = Identity.fromString((n as { identitySecret: string }).identitySecret);
  assert.ok(r.ok);
  return r.value;
});
const byAddr = new Map(ids.map((i) => [i.address, i]));
const keys = new Map<string, SymmetricKey>();
function keyFor(a: number, b: number): SymmetricKey | undefined {
  const k = `${Math.min(a, b)}-${Math.max(a, b)}`;
  if (!keys.has(k)) {
    const ia = byAddr.get(a);
    const ib = byAddr.get(b);
    const raw = ia && ib ? ia.agree(ib) : null;
    if (raw) keys.set(k, new SymmetricKey(raw));
  }
  return keys.get(k);
}

test('lab capture: every unfragmented packet dearmors and re-armors to the captured bytes', () => {
  const cap = readPcap(readFileSync(new URL('capture.pcap', dir)));
  assert.ok(cap.ok);
  const perCipher = new Map<number, number>();
  for (const d of cap.value.datagrams) {
    const wire = new Uint8Array(d.payload); // a copy (Buffer#slice would alias the file)
    if (wire.length < 28 || (wire.length > 16 && wire[13] === 0xff)) continue; // fragments (§3.3)
    const v = PacketView.check(wire.slice());
    assert.ok(v.ok);
    const pkt = v.value;
    if (pkt.fragmented) continue; // needs reassembly first
    const key = keyFor(pkt.source, pkt.destination);
    assert.ok(key, `no key for ${pkt.source.toString(16)} -> ${pkt.destination.toString(16)}`);
    const cipher = pkt.cipher;
    assert.equal(dearmorReason(pkt.buf, key), 'ok', `record ${d.record} cipher ${cipher}`);
    perCipher.set(cipher, (perCipher.get(cipher) ?? 0) + 1);

    const again = pkt.buf.slice();
    const hops = again[18] & 7;
    if (cipher === 3) {
      // Recover the sender's random packet ID: ECB-decrypt B with K1 (§4.4 decrypt step 2).
      const k1 = kbkdf384(key.secret, 0x31).subarray(0, 32);
      const b = new Uint8Array(16);
      b.set(wire.subarray(0, 8));
      b.set(wire.subarray(19, 27), 8);
      const p = createDecipheriv('aes-256-ecb', k1, null).setAutoPadding(false).update(b);
      again.set(p.subarray(0, 8), 0);
      again[18] &= ~7; // a relay may have raised hops; the sender armored with 0
    }
    armor(again, key, cipher as 0 | 1 | 3);
    if (cipher === 3) again[18] |= hops;
    assert.deepEqual(again, wire, `re-armor record ${d.record} cipher ${cipher}`);
  }
  // The capture has HELLOs (cipher 0: 44), OK(HELLO)s before versions are known (cipher 1: 5)
  // and the AES data path (cipher 3: 189); require all three so the test keeps covering them.
  for (const c of [0, 1, 3]) assert.ok((perCipher.get(c) ?? 0) > 0, `some cipher-${c} packets`);
});
