// The Vl2 manager as the node's VL2 handler: random and truncated payloads of every VL2 verb never
// throw and never reach the internal-error counter (decoders return reasons, drops are counted);
// config requests to a non-controller get ERROR UNSUPPORTED_OPERATION (§6.12); membership
// credential rules (§8.7): older, foreign, unsigned and revoked credentials are refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { macToBytes } from '../../protocol/address.ts';
import {
  CertificateOfMembership,
  CredentialType,
  Revocation,
  Tag,
} from '../../protocol/credentials/index.ts';
import { defaultPlanet } from '../../protocol/default-planet.ts';
import { emptyNetworkConfig, encodeNetworkConfig, NetworkType } from '../../protocol/netconf.ts';
import { Verb } from '../../protocol/verbs/index.ts';
import { VECTOR_A, VECTOR_B } from '../../testing/vectors.ts';
import { Node } from '../node.ts';
import { Membership } from './membership.ts';
import { Vl2 } from './vl2.ts';

const ME = VECTOR_A;
const CTRL = VECTOR_B;
const NWID = (BigInt(CTRL.address) << 24n) | 7n;

function setup() {
  let n = 0;
  const random = (k: number) => Uint8Array.from({ length: k }, () => (n++ * 97) & 0xff);
  const sent: { verb: number }[] = [];
  const node = new Node(
    { identity: ME, planet: defaultPlanet(), random, now: 0 },
    { send: () => undefined, event: () => undefined },
  );
  const orig = node.sendToPeer.bind(node);
  node.sendToPeer = (to, verb, payload, now, opts) => {
    sent.push({ verb });
    return orig(to, verb, payload, now, opts);
  };
  const vl2 = new Vl2(node, { random, now: 0, defer: (fn) => fn() });
  vl2.join(NWID, 0);
  vl2.join(0xff0a000000000001n, 0);
  return { node, vl2, sent };
}

describe('Vl2 handler', () => {
  const VERBS = [
    Verb.FRAME,
    Verb.EXT_FRAME,
    Verb.MULTICAST_LIKE,
    Verb.NETWORK_CREDENTIALS,
    Verb.NETWORK_CONFIG_REQUEST,
    Verb.NETWORK_CONFIG,
    Verb.MULTICAST_GATHER,
    Verb.MULTICAST_FRAME,
    Verb.OK,
    Verb.ERROR,
  ];
  const nwidBytes = (nwid: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, nwid);
    return b;
  };

  it('never throws on random payloads (with and without a joined network id in front)', () => {
    const { vl2 } = setup();
    const prefixes = [new Uint8Array(0), nwidBytes(NWID), nwidBytes(0xff0a000000000001n)];
    fc.assert(
      fc.property(
        fc.constantFrom(...VERBS),
        fc.constantFrom(...prefixes),
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 0xfffffffffe }),
        (verb, prefix, body, peer) => {
          const payload = new Uint8Array(prefix.length + body.length);
          payload.set(prefix);
          payload.set(body, prefix.length);
          // OK/ERROR: put an in-re verb first so the VL2 bodies get decoded.
          if ((verb === Verb.OK || verb === Verb.ERROR) && payload.length > 0) payload[0] = body[0] % 16;
          vl2.handle({ peer, verb, payload, packetId: 1n, hops: 0, now: 1000 });
        },
      ),
      { numRuns: 3000 },
    );
    assert.equal(vl2.drops['internal-error'], undefined, JSON.stringify(vl2.drops));
  });

  it('port.send never throws on random frames (drops are counted)', () => {
    const { vl2 } = setup();
    const nets = [vl2.network(0xff0a000000000001n)!, vl2.network(NWID)!];
    fc.assert(
      fc.property(
        fc.constantFrom(...nets),
        fc.uint8Array({ maxLength: 200 }),
        fc.boolean(),
        (n, bytes, ours) => {
          const f = Uint8Array.from(bytes);
          if (ours && f.length >= 12) f.set(macToBytes(n.mac), 6); // from our MAC: deeper into the path
          n.port.send(f);
        },
      ),
      { numRuns: 2000 },
    );
    assert.equal(vl2.drops['internal-error'], undefined);
  });

  it('ERROR NEED_MEMBERSHIP_CERTIFICATE from a member makes us re-push our credentials (§9.8)', () => {
    const { node, vl2, sent } = setup();
    const c = emptyNetworkConfig(NWID, ME.address);
    c.com = CertificateOfMembership.create({
      networkId: NWID,
      timestamp: 1,
      maxDelta: 1000,
      issuedTo: ME,
    }).sign(CTRL);
    const net = vl2.join(NWID + 1n, 0, encodeNetworkConfig({ ...c, networkId: NWID + 1n }));
    void node;
    assert.equal(net.status, 'OK');
    const err = new Uint8Array(18);
    const dv = new DataView(err.buffer);
    err[0] = Verb.FRAME;
    dv.setBigUint64(1, 5n);
    err[9] = 0x06;
    dv.setBigUint64(10, NWID + 1n);
    const peer = 0x3344556677;
    vl2.handle({ peer, verb: Verb.ERROR, payload: err, packetId: 1n, hops: 0, now: 10 });
    assert.equal(sent.filter((s) => s.verb === Verb.NETWORK_CREDENTIALS).length, 1);
    vl2.handle({ peer, verb: Verb.ERROR, payload: err, packetId: 2n, hops: 0, now: 500 });
    assert.equal(sent.filter((s) => s.verb === Verb.NETWORK_CREDENTIALS).length, 1, 'not again within 1 s');
  });

  it('a config request goes to a co-located controller hook when there is one', () => {
    const { node, sent } = setup();
    const seen: bigint[] = [];
    const vl2 = new Vl2(node, {
      random: () => new Uint8Array(4),
      now: 0,
      configRequestHandler: (p) => {
        seen.push(p.packetId);
        return true;
      },
    });
    vl2.handle({
      peer: 0x1122334455,
      verb: Verb.NETWORK_CONFIG_REQUEST,
      payload: new Uint8Array(26),
      packetId: 3n,
      hops: 0,
      now: 5,
    });
    assert.deepEqual(seen, [3n]);
    assert.ok(!sent.some((s) => s.verb === Verb.ERROR));
  });

  it('a config request to us (not a controller) is answered ERROR UNSUPPORTED_OPERATION', () => {
    const { vl2, sent } = setup();
    const payload = new Uint8Array(26);
    payload.set(nwidBytes(0x1122334455000001n));
    vl2.handle({
      peer: 0x1122334455,
      verb: Verb.NETWORK_CONFIG_REQUEST,
      payload,
      packetId: 9n,
      hops: 0,
      now: 5,
    });
    assert.ok(sent.some((s) => s.verb === Verb.ERROR));
  });
});

describe('Membership credentials (§8.7)', () => {
  const member = ME;
  const lookup = (a: number) => (a === CTRL.address ? CTRL : undefined);
  const com = (ts: number, to = member) =>
    CertificateOfMembership.create({ networkId: NWID, timestamp: ts, maxDelta: 60_000, issuedTo: to }).sign(
      CTRL,
    );

  it('COM: accepted, same again unchanged, older refused, forged refused, unknown signer asks WHOIS', () => {
    const m = new Membership(member.address);
    assert.equal(m.addCom(NWID, com(1000), lookup), 'accepted');
    assert.equal(m.addCom(NWID, m.com!, lookup), 'unchanged');
    assert.equal(m.addCom(NWID, com(500), lookup), 'older');
    const forged = com(2000);
    forged.signature = Uint8Array.from(forged.signature, (b, i) => (i === 3 ? b ^ 1 : b));
    assert.equal(m.addCom(NWID, forged, lookup), 'bad-signature');
    assert.equal(
      m.addCom(NWID, com(2000), () => undefined),
      'need-whois',
    );
    assert.equal(m.addCom(NWID, com(2000, CTRL), lookup), 'wrong-member');
    assert.equal(m.addCom(NWID + 1n, com(2000), lookup), 'wrong-network');
  });

  it('gate: private needs an agreeing COM bound to the identity; revocation closes it; public is open', () => {
    const config = emptyNetworkConfig(NWID, CTRL.address);
    config.com = com(1000, CTRL);
    const m = new Membership(member.address);
    assert.equal(m.isAllowed(config, member), false);
    m.addCom(NWID, com(1000), lookup);
    assert.equal(m.isAllowed(config, member), true);
    assert.equal(m.isAllowed(config, CTRL), false, 'a COM presented by another identity does not agree');
    const rev = new Revocation({
      id: 1,
      networkId: NWID,
      credentialId: 0,
      threshold: 1000,
      target: member.address,
      credentialType: CredentialType.COM,
    }).sign(CTRL);
    assert.equal(m.addRevocation(NWID, rev, lookup), 'accepted');
    assert.equal(m.isAllowed(config, member), false);
    assert.equal(m.addCom(NWID, com(900), lookup), 'older');
    assert.equal(m.addCom(NWID, com(1500), lookup), 'accepted');
    assert.equal(m.isAllowed(config, member), true, 'a newer COM than the threshold is fine');
    assert.equal(m.isAllowed({ ...config, type: NetworkType.PUBLIC, com: null }, undefined), true);
    assert.equal(m.isAllowed(null, member), false);
  });

  it('tags: usable only within ctmd of our config and while not revoked', () => {
    const config = emptyNetworkConfig(NWID, CTRL.address);
    config.timestamp = 100_000;
    config.credentialTimeMaxDelta = 10_000;
    const m = new Membership(member.address);
    const tag = (ts: number, value: number) =>
      new Tag({ networkId: NWID, timestamp: ts, id: 5, value, issuedTo: member.address }).sign(CTRL);
    assert.equal(m.addTag(NWID, tag(95_000, 1), lookup), 'accepted');
    assert.deepEqual(
      m.usable(config).tags.map((t) => t.value),
      [1],
    );
    assert.equal(m.addTag(NWID, tag(50_000, 2), lookup), 'older');
    assert.equal(m.usable({ ...config, timestamp: 200_000 }).tags.length, 0, 'outside ctmd');
    const rev = new Revocation({
      id: 2,
      networkId: NWID,
      credentialId: 5,
      threshold: 96_000,
      target: member.address,
      credentialType: CredentialType.TAG,
    }).sign(CTRL);
    assert.equal(m.addRevocation(NWID, rev, lookup), 'accepted');
    assert.equal(m.usable(config).tags.length, 0, 'revoked');
    assert.equal(m.comRevocationThreshold, 96_000, 'the reference quirk: COM threshold raised too');
    assert.equal(m.addTag(NWID, tag(97_000, 3), lookup), 'accepted');
    assert.deepEqual(
      m.usable(config).tags.map((t) => t.value),
      [3],
    );
  });
});
