// The per-frame VL2 path (§6.7, §9.8) after its allocation-free rework: FRAMEs read in place reach
// the right network among many joined ones, truncated/unknown ones are counted, the FRAME payloads
// sent from the reused buffer are byte-exact frame after frame, the COM gate's cached verdict
// follows COM changes, and VL1 hears "trust established" at most once a second per member.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { macForAddress, macToBytes } from '../../protocol/address.ts';
import { CertificateOfMembership } from '../../protocol/credentials/index.ts';
import { defaultPlanet } from '../../protocol/default-planet.ts';
import type { Identity } from '../../protocol/identity.ts';
import { emptyNetworkConfig, encodeNetworkConfig } from '../../protocol/netconf.ts';
import { Verb } from '../../protocol/verbs/index.ts';
import { VECTOR_A, VECTOR_B, vl1FixtureIdentity } from '../../testing/vectors.ts';
import { Node } from '../node.ts';
import type { Vl2Packet } from '../node-types.ts';
import { Vl2 } from './vl2.ts';

const ME = VECTOR_A;
const CTRL = VECTOR_B;
const PEER = vl1FixtureIdentity(3);

function setup() {
  let n = 0;
  const random = (k: number) => Uint8Array.from({ length: k }, () => (n++ * 97) & 0xff);
  const node = new Node(
    { identity: ME, planet: defaultPlanet(), random, now: 0 },
    { send: () => undefined, event: () => undefined },
  );
  node.addPeer(PEER);
  node.addPeer(CTRL);
  const sent: { to: number; verb: number; payload: Uint8Array }[] = [];
  node.sendToPeer = (to, verb, payload) => {
    sent.push({ to, verb, payload: Uint8Array.from(payload) });
    return true;
  };
  const trusted: number[] = [];
  const mark = node.markTrustEstablished.bind(node);
  node.markTrustEstablished = (a, now) => {
    trusted.push(now);
    mark(a, now);
  };
  const vl2 = new Vl2(node, { random, now: 0, defer: (fn) => fn() });
  return { node, vl2, sent, trusted };
}

/** A FRAME payload (§6.7): nwid[8] || etherType[2] || data. */
function framePayload(nwid: bigint, etherType: number, data: Uint8Array): Uint8Array {
  const p = new Uint8Array(10 + data.length);
  new DataView(p.buffer).setBigUint64(0, nwid);
  p[8] = etherType >> 8;
  p[9] = etherType & 0xff;
  p.set(data, 10);
  return p;
}

const packet = (payload: Uint8Array, now: number): Vl2Packet => ({
  peer: PEER.address,
  verb: Verb.FRAME,
  payload,
  packetId: 1n,
  hops: 0,
  now,
});

// Ad-hoc IPv4 networks ff 0a <hub, 40 bits> 01 are public and configured locally (§1.2).
// They differ only in the nwid's high half, so the lookup must compare both halves.
const adhoc = (i: number) => 0xff0a000000000001n | (BigInt(i) << 40n);

describe('VL2 frame path', () => {
  for (const count of [3, 12]) {
    it(`a FRAME reaches its network among ${count} joined ones (${count > 8 ? 'map' : 'scan'} lookup)`, () => {
      const { vl2 } = setup();
      const got = new Map<bigint, string[]>();
      for (let i = 1; i <= count; i++) {
        const nwid = adhoc(i);
        const net = vl2.join(nwid, 0);
        assert.equal(net.status, 'OK');
        got.set(nwid, []);
        net.port.on('frame', (f) => got.get(nwid)!.push(Buffer.from(f).toString('hex')));
      }
      const target = adhoc(count - 1);
      const data = Uint8Array.of(0x45, 1, 2, 3);
      vl2.handle(packet(framePayload(target, 0x0800, data), 1000));
      const net = vl2.network(target)!;
      const eth = Buffer.alloc(14);
      macToBytes(net.mac, eth, 0);
      macToBytes(macForAddress(PEER.address, target), eth, 6);
      eth.writeUInt16BE(0x0800, 12);
      assert.deepEqual(got.get(target), [Buffer.concat([eth, data]).toString('hex')]);
      for (const [k, v] of got) if (k !== target) assert.deepEqual(v, []);
      // Not joined, and truncated: counted, never delivered.
      vl2.handle(packet(framePayload(adhoc(99), 0x0800, data), 1001));
      vl2.handle(packet(Uint8Array.of(0xff, 0x0a, 0, 0), 1002));
      assert.equal(vl2.drops['not-joined'], 1);
      assert.equal(vl2.drops['frame-truncated'], 1);
      assert.equal(got.get(target)!.length, 1);
    });
  }

  it('FRAMEs sent from the reused buffer are byte-exact, one after another, of any size', () => {
    const { vl2, sent } = setup();
    const nwid = adhoc(1);
    const net = vl2.join(nwid, 0);
    const sizes = [1500, 20, 2800, 60, 2800, 0];
    for (const [i, size] of sizes.entries()) {
      const f = new Uint8Array(14 + size);
      macToBytes(macForAddress(PEER.address, nwid), f, 0);
      macToBytes(net.mac, f, 6);
      f[12] = 0x08;
      f[13] = i; // a distinct ethertype per frame
      for (let k = 14; k < f.length; k++) f[k] = (k * 7 + i) & 0xff;
      assert.equal(net.port.send(f), true);
      const s = sent.at(-1)!;
      assert.equal(s.verb, Verb.FRAME);
      assert.equal(s.to, PEER.address);
      assert.deepEqual(s.payload, framePayload(nwid, 0x0800 | i, f.subarray(14)));
    }
  });

  it('VL1 is told a member is trusted on its first frame, then at most once a second', () => {
    const { vl2, trusted } = setup();
    const nwid = adhoc(1);
    vl2.join(nwid, 0);
    const p = framePayload(nwid, 0x0800, Uint8Array.of(0x45));
    for (const now of [1000, 1001, 1500, 1999, 2000, 2001, 2999, 5000]) vl2.handle(packet(p, now));
    assert.deepEqual(trusted, [1000, 2000, 5000]);
  });

  it('the COM gate: cached verdict, re-evaluated when their COM changes (§9.8)', () => {
    const { vl2, node } = setup();
    const nwid = (BigInt(CTRL.address) << 24n) | 5n;
    const com = (who: Identity, ts: number) =>
      CertificateOfMembership.create({ networkId: nwid, timestamp: ts, maxDelta: 1000, issuedTo: who }).sign(
        CTRL,
      );
    const c = emptyNetworkConfig(nwid, ME.address);
    c.timestamp = 10_000;
    c.credentialTimeMaxDelta = 1000;
    c.rules = [{ not: false, or: false, type: 1 }];
    c.com = com(ME, 10_000);
    const net = vl2.join(nwid, 0, encodeNetworkConfig(c));
    assert.equal(net.status, 'OK');
    let delivered = 0;
    net.port.on('frame', () => delivered++);
    const p = framePayload(nwid, 0x0800, Uint8Array.of(0x45));
    const lookup = (a: number) => node.peerIdentity(a);
    // A COM too old to agree with ours (|Δtimestamp| > maxDelta): refused, frame after frame.
    assert.equal(net.member(PEER.address).addCom(nwid, com(PEER, 8_000), lookup), 'accepted');
    vl2.handle(packet(p, 1000));
    vl2.handle(packet(p, 1001));
    assert.equal(delivered, 0);
    assert.equal(net.drops['rx-not-a-member'], 2);
    // A newer, agreeing COM replaces it: the cached "no" must not stick.
    assert.equal(net.member(PEER.address).addCom(nwid, com(PEER, 10_500), lookup), 'accepted');
    vl2.handle(packet(p, 1002));
    vl2.handle(packet(p, 1003));
    assert.equal(delivered, 2);
  });
});
