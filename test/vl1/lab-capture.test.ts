/**
 * Interop without a live reference binary: the real datagrams of lab-capture-1 (three reference
 * ZeroTier One 1.14.1 nodes: root+controller, members a and c) are replayed into OUR node
 * cores, each running with the identity of the reference node the datagrams were sent to.
 * Every reference packet must pass our receive pipeline: reassembly, authentication (ciphers
 * 0, 1, 3), HELLO handling (identity proof of work, cryptField), decompression and dispatch.
 * Nothing may fail a MAC or a decoder; OKs answering requests that the reference (not we) sent
 * are the only expected drops.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readPcap } from '../../src/cli/inspect/pcap.ts';
import { Node, type Vl2Packet } from '../../src/core/node.ts';
import { encodePeerCache } from '../../src/core/peer-cache.ts';
import { Identity } from '../../src/protocol/identity.ts';
import { type InetAddress, parseInetAddress } from '../../src/protocol/inet-address.ts';
import { verbName } from '../../src/protocol/verbs/verb.ts';
import { World } from '../../src/protocol/world.ts';
import { SeededRandom } from '../../src/testing/random.ts';

const dir = new URL('../vectors/lab-capture-1/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8'));
const planetD = World.fromBytes(new Uint8Array(readFileSync(new URL('planet.bin', dir))));
const pcap = readPcap(new Uint8Array(readFileSync(new URL('capture.pcap', dir))));

for (const name of ['root', 'a', 'c'] as const) {
  test(`lab-capture-1: every datagram sent to reference node "${name}" passes our node core`, () => {
    assert.ok(planetD.ok && pcap.ok);
    const idD = Identity.fromString(manifest.nodes[name].identitySecret);
    assert.ok(idD.ok);
    const ip = String(manifest.nodes[name].physical).split('/')[0].split(' ')[0];
    const rng = new SeededRandom(`lab-${name}`);
    const vl2: string[] = [];
    const events: string[] = [];
    const t0 = Math.round(pcap.value.datagrams[0].time * 1000);
    // The reference root had both members in its peer cache when the capture started (it
    // HELLOs a at t=0, and accepts a's and c's HELLOs 3 ms apart from one /24, which the
    // identity-validation rate limit would refuse for strangers): preload ours the same way.
    const peerCache =
      name === 'root'
        ? (['a', 'c'] as const).map((m) => {
            const d = Identity.fromString(manifest.nodes[m].identitySecret);
            assert.ok(d.ok);
            return encodePeerCache({
              identity: d.value.publicOnly(),
              protocolVersion: 0,
              versionMajor: 0,
              versionMinor: 0,
              versionRevision: 0,
              paths: [],
            });
          })
        : [];
    const node = new Node(
      {
        identity: idD.value,
        planet: planetD.value,
        random: (n) => rng.bytes(n),
        now: t0,
        role: name === 'root' ? 'root' : 'leaf',
        peerCache,
      },
      { send: () => {}, event: (e) => events.push(e.type) },
    );
    node.setVl2Handler((p: Vl2Packet) => vl2.push(verbName(p.verb)));
    const sockets = new Map<number, number>();
    let fed = 0;
    for (const d of pcap.value.datagrams) {
      if (d.dstIp !== ip) continue;
      let s = sockets.get(d.dstPort);
      if (s === undefined) {
        s = sockets.size;
        sockets.set(d.dstPort, s);
        node.addLocalSocket(s, parseInetAddress(`0.0.0.0/${d.dstPort}`) as InetAddress);
      }
      const now = Math.round(d.time * 1000);
      node.receive(s, parseInetAddress(`${d.srcIp}/${d.srcPort}`) as InetAddress, d.payload.slice(), now);
      node.poll(now);
      fed++;
    }
    assert.ok(fed > 20, `datagrams to ${name}: ${fed}`);
    const c = node.counters;
    for (const bad of [
      'mac-failed',
      'bad-payload',
      'decompress-failed',
      'bad-hello-identity',
      'bad-hello-address',
      'bad-hello-protocol',
      'cipher-unsupported',
      'internal-error',
      'fragment-bad-fragment',
      'fragment-inconsistent-total',
    ] as const)
      assert.equal(c.dropped(bad), 0, `${bad}: ${JSON.stringify(c.drops)}`);
    assert.ok((c.received.HELLO ?? 0) > 0, JSON.stringify(c.received));
    // The other reference nodes are known with their versions (learned from their HELLOs).
    for (const p of node.peers()) assert.equal(p.version, '1.14.1', `${p.address}`);
    if (name === 'root') {
      assert.equal(node.peers().length, 2, `the root learned both members: ${JSON.stringify(c.drops)}`);
      assert.ok(vl2.includes('NETWORK_CONFIG_REQUEST'), 'config requests reach VL2 at the controller');
    } else {
      assert.ok(vl2.includes('FRAME') || vl2.includes('EXT_FRAME'), `frames reach VL2: ${[...new Set(vl2)]}`);
    }
  });
}
