// The Network object's config path (protocol.md §6.12, §6.13, §9.9) with a recording context:
// - every config chunk of lab-capture-1 (real 1.14.1 controller → members a and c) fed to a Network
//   of ours yields the manifest's network (name, addresses of a and c, route, MTU, v6 modes);
// - request cadence (5 s until configured, then 60 s), statuses from the controller's ERRORs,
//   forged chunks and configs issued to someone else are dropped, persistence events.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { inspectDatagrams } from '../../cli/inspect/command.ts';
import { readPcap } from '../../cli/inspect/pcap.ts';
import { formatNetworkId, macToBytes, parseAddress } from '../../protocol/address.ts';
import { CertificateOfMembership, Tag } from '../../protocol/credentials/index.ts';
import { Identity } from '../../protocol/identity.ts';
import {
  emptyNetworkConfig,
  encodeNetworkConfig,
  NetconfFlag,
  SpecialistFlag,
} from '../../protocol/netconf.ts';
import { encodeAuthInfo } from '../../protocol/netconf-metadata.ts';
import {
  decodeNetworkConfigRequest,
  decodeNetworkCredentials,
  decodeOk,
  ErrorCode,
  splitConfigIntoChunks,
  Verb,
} from '../../protocol/verbs/index.ts';
import {
  CREDENTIALS_PACKET_MAX,
  credentialPackets,
  Network,
  type Vl2Context,
  type Vl2Event,
} from './network.ts';
import { receiveFrame } from './network-frames.ts';

const dir = new URL('../../../test/vectors/lab-capture-1/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8'));
const ids = new Map<string, Identity>();
for (const [name, n] of Object.entries(manifest.nodes) as [string, { identitySecret: string }][]) {
  const d = Identity.fromString(n.identitySecret);
  assert.ok(d.ok);
  ids.set(name, d.value);
}
const ROOT = ids.get('root')!;

interface Sent {
  to: number;
  verb: number;
  payload: Uint8Array;
}

function context(address: number, known: Identity[], canSend: () => boolean = () => true) {
  const sent: Sent[] = [];
  const events: Vl2Event[] = [];
  const whois: number[] = [];
  let now = 1_000_000;
  const ctx: Vl2Context = {
    address,
    isRoot: false,
    now: () => now,
    send: (to, verb, payload) => {
      if (!canSend()) return false;
      sent.push({ to, verb, payload: Uint8Array.from(payload) });
      return true;
    },
    identityOf: (a) => known.find((i) => i.address === a),
    whois: (a) => whois.push(a),
    upstreams: () => [0x1111111111],
    bestUpstream: () => undefined,
    trustEstablished: () => undefined,
    random32: () => 4,
    activityTimeout: 30_000,
    os: 'linux/x86_64',
    emit: (e) => events.push(e),
    defer: (fn) => fn(),
  };
  return { ctx, sent, events, whois, setNow: (t: number) => (now = t) };
}

describe('lab-capture-1: every NETWORK_CONFIG through our Network object', () => {
  const cap = readPcap(readFileSync(new URL('capture.pcap', dir)));
  assert.ok(cap.ok);
  const { packets } = inspectDatagrams(cap.value.datagrams, [...ids.values()]);
  const nwid = BigInt(`0x${manifest.network.id}`);

  for (const name of ['a', 'c']) {
    it(`member ${name}: chunks verify with the controller's identity and give the manifest's network`, () => {
      const me = ids.get(name)!.address;
      const { ctx, events } = context(me, [ROOT]);
      const net = new Network(ctx, nwid);
      let chunks = 0;
      let applied = 0;
      for (const p of packets) {
        if (p.verb !== 'OK' || !p.payload || p.payload[0] !== Verb.NETWORK_CONFIG_REQUEST) continue;
        if (parseAddress(p.dst) !== me) continue;
        const d = decodeOk(p.payload);
        assert.ok(d.ok && d.value.kind === 'NETWORK_CONFIG_REQUEST');
        chunks++;
        if (net.handleConfigChunk(d.value.body, parseAddress(p.src)!, null)) applied++;
      }
      assert.ok(chunks >= 1, 'the capture has config chunks for this member');
      assert.ok(applied >= 1);
      assert.deepEqual(net.drops, {});
      assert.equal(net.status, 'OK');
      const info = net.info();
      const m = manifest.nodes[name];
      assert.equal(info.id, manifest.network.id);
      assert.equal(info.name, manifest.network.name);
      assert.equal(info.mtu, manifest.network.mtu);
      assert.equal(info.mac, m.mac);
      assert.ok(info.addresses.includes(`${m.ipv4}/24`), info.addresses.join());
      assert.ok(info.addresses.includes(`${m.rfc4193}/88`), info.addresses.join());
      assert.ok(info.addresses.includes(`${m.sixplane}/40`), info.addresses.join());
      assert.ok(info.routes.some((r) => r.target === manifest.network.ipv4Pool && r.via === null));
      // v6 modes: both RFC4193 and 6PLANE, which also turn NDP emulation on (§9.9).
      assert.equal(manifest.network.v6.rfc4193 && manifest.network.v6['6plane'], true);
      assert.ok((net.config!.flags & NetconfFlag.ENABLE_IPV6_NDP_EMULATION) !== 0);
      // Pushed to the Ethernet port, persisted, announced.
      assert.equal(net.port.status, 'OK');
      assert.equal(net.port.mtu, manifest.network.mtu);
      assert.ok(net.port.addresses.some((a) => a.address === m.ipv4 && a.prefixLength === 24));
      assert.ok(
        events.some((e) => e.type === 'persist' && e.key === `networks.d/${manifest.network.id}.conf`),
      );
      assert.ok(events.some((e) => e.type === 'network' && e.network.status === 'OK'));
    });
  }
});

describe('Network config client', () => {
  const ctrl = ids.get('root')!;
  const me = ids.get('a')!;
  const nwid = (BigInt(ctrl.address) << 24n) | 0x42n;

  it('requests every 5 s until configured, with the 1.14 metadata, to nwid >> 24', () => {
    const { ctx, sent, setNow } = context(me.address, [ctrl]);
    const net = new Network(ctx, nwid);
    for (let t = 0; t <= 12_000; t += 1000) {
      setNow(1_000_000 + t);
      net.poll(1_000_000 + t);
    }
    const reqs = sent.filter((s) => s.verb === Verb.NETWORK_CONFIG_REQUEST);
    assert.equal(reqs.length, 3); // t = 0, 5, 10 s
    assert.ok(reqs.every((r) => r.to === ctrl.address));
    const d = decodeNetworkConfigRequest(reqs[0].payload);
    assert.ok(d.ok);
    assert.equal(d.value.nwid, nwid);
    assert.match(Buffer.from(d.value.metadata).toString(), /pv=000000000000000c/);
    assert.equal(net.nextDeadline(), 1_000_000 + 15_000);
  });

  it('statuses from the controller’s ERRORs only; other senders are ignored', () => {
    const { ctx, events } = context(me.address, [ctrl]);
    const net = new Network(ctx, nwid);
    net.handleConfigError(0x1234567890, ErrorCode.NETWORK_ACCESS_DENIED);
    assert.equal(net.status, 'REQUESTING_CONFIGURATION');
    const seen: string[] = [];
    for (const [code, status] of [
      [ErrorCode.NETWORK_ACCESS_DENIED, 'ACCESS_DENIED'],
      [ErrorCode.OBJ_NOT_FOUND, 'NOT_FOUND'],
      [ErrorCode.BAD_PROTOCOL_VERSION, 'CLIENT_TOO_OLD'],
      [ErrorCode.NETWORK_AUTHENTICATION_REQUIRED, 'AUTHENTICATION_REQUIRED'],
    ] as const) {
      net.handleConfigError(ctrl.address, code);
      assert.equal(net.status, status);
      seen.push(status);
    }
    net.handleConfigError(
      ctrl.address,
      ErrorCode.NETWORK_AUTHENTICATION_REQUIRED,
      encodeAuthInfo({
        version: 0,
        authenticationUrl: 'https://sso.example/login',
        issuerUrl: '',
        centralEndpointUrl: '',
        nonce: '',
        state: '',
        clientId: '',
        ssoProvider: '',
      }),
    );
    assert.equal(net.info().authenticationUrl, 'https://sso.example/login');
    const reported = events.flatMap((e) => (e.type === 'network' ? [e.network.status] : []));
    assert.deepEqual(reported, [...seen, 'AUTHENTICATION_REQUIRED']);
  });

  function signedChunks(issuedTo: number, signer: Identity, name = 'unit') {
    const dict = Buffer.from(
      `v=0000000000000007\nnwid=${formatNetworkId(nwid)}\nts=0000000000000010\nr=0000000000000003\nid=${issuedTo
        .toString(16)
        .padStart(10, '0')}\nn=${name}\nmtu=0000000000000af0\n`,
    );
    return splitConfigIntoChunks(nwid, dict, 77n, (r) => signer.sign(r), { maxChunk: 40 });
  }

  it('assembles signed chunks; drops forged ones, and configs issued to another member', () => {
    const { ctx, events } = context(me.address, [ctrl]);
    const net = new Network(ctx, nwid);
    for (const c of signedChunks(me.address, ids.get('c')!)) net.handleConfigChunk(c, ctrl.address, null);
    assert.equal(net.status, 'REQUESTING_CONFIGURATION');
    assert.ok((net.drops['config-bad-signature'] ?? 0) >= 1);
    for (const c of signedChunks(ids.get('c')!.address, ctrl)) net.handleConfigChunk(c, ctrl.address, null);
    assert.equal(net.drops['netconf-not-ours'], 1);
    const chunks = signedChunks(me.address, ctrl);
    assert.ok(chunks.length > 2);
    for (const c of chunks.reverse()) net.handleConfigChunk(c, ctrl.address, null);
    assert.equal(net.status, 'OK');
    assert.equal(net.info().name, 'unit');
    assert.equal(net.port.mtu, 2800);
    assert.equal(events.filter((e) => e.type === 'persist').length, 1);
  });

  it('a pushed config is acknowledged with OK in re ECHO (1.14 quirk) carrying nwid and update id', () => {
    const { ctx, sent } = context(me.address, [ctrl]);
    const net = new Network(ctx, nwid);
    for (const c of signedChunks(me.address, ctrl)) net.handleConfigChunk(c, ctrl.address, 0xabcdefn);
    const ack = sent.find((s) => s.verb === Verb.OK);
    assert.ok(ack);
    assert.equal(ack.to, ctrl.address);
    assert.equal(ack.payload[0], Verb.ECHO);
    const dv = new DataView(ack.payload.buffer);
    assert.equal(dv.getBigUint64(1), 0xabcdefn);
    assert.equal(dv.getBigUint64(9), nwid);
    assert.equal(dv.getBigUint64(17), 77n);
  });

  it('an unknown controller identity triggers a WHOIS instead of trusting the chunk', () => {
    const { ctx, whois } = context(me.address, []);
    const net = new Network(ctx, nwid);
    net.handleConfigChunk(signedChunks(me.address, ctrl)[0], ctrl.address, null);
    assert.deepEqual(whois, [ctrl.address]);
    assert.equal(net.drops['controller-unknown'], 1);
  });

  it('a saved config (networks.d) is applied at once without being re-persisted', () => {
    const { ctx, events } = context(me.address, [ctrl]);
    const dict = Buffer.from(
      `v=0000000000000007\nnwid=${formatNetworkId(nwid)}\nid=${me.addressString}\nn=saved\nr=0000000000000001\n`,
    );
    const net = new Network(ctx, nwid, dict);
    assert.equal(net.status, 'OK');
    assert.equal(net.info().name, 'saved');
    assert.equal(events.filter((e) => e.type === 'persist').length, 0);
    net.leave();
    assert.ok(events.some((e) => e.type === 'persist' && e.data === null));
    assert.equal(net.port.closed, true);
  });

  it('LIKEs and refreshes that could not be sent (offline) are retried after 5 s, not 60 s', () => {
    let online = false;
    const { ctx, sent, setNow } = context(me.address, [ctrl], () => online);
    const c = emptyNetworkConfig(nwid, me.address);
    c.staticIps = [{ family: 4, ip: Uint8Array.of(10, 0, 0, 5), port: 24 }];
    const net = new Network(ctx, nwid, encodeNetworkConfig(c));
    assert.equal(net.status, 'OK');
    net.poll(1_000_000);
    assert.equal(net.nextDeadline(), 1_005_000);
    online = true;
    setNow(1_005_000);
    net.poll(1_005_000);
    const likes = sent.filter((s) => s.verb === Verb.MULTICAST_LIKE);
    assert.deepEqual([...new Set(likes.map((l) => l.to))].sort(), [0x1111111111, ctrl.address].sort());
    // The ARP group of 10.0.0.5 (ff:ff:ff:ff:ff:ff, ADI 0x0a000005) is announced (§1.4).
    assert.ok(likes.some((l) => Buffer.from(l.payload).toString('hex').includes('ffffffffffff0a000005')));
    assert.ok(sent.some((s) => s.verb === Verb.NETWORK_CONFIG_REQUEST));
    assert.equal(net.nextDeadline(), 1_065_000);
  });

  it('our credentials are split into NETWORK_CREDENTIALS payloads of at most 8000 bytes, COM first', () => {
    const c = emptyNetworkConfig(nwid, me.address);
    c.com = CertificateOfMembership.create({ networkId: nwid, timestamp: 1, maxDelta: 1, issuedTo: me }).sign(
      ctrl,
    );
    c.tags = Array.from({ length: 90 }, (_, i) =>
      new Tag({ networkId: nwid, timestamp: 1, id: i, value: i, issuedTo: me.address }).sign(ctrl),
    );
    const packets = credentialPackets(c);
    assert.ok(packets.length >= 2, `${packets.length} packets`);
    const tags: number[] = [];
    packets.forEach((p, i) => {
      assert.ok(p.length <= CREDENTIALS_PACKET_MAX, `${p.length}`);
      const d = decodeNetworkCredentials(p);
      assert.ok(d.ok);
      assert.equal(d.value.coms.length, i === 0 ? 1 : 0);
      assert.equal(d.value.revocations?.length, 0);
      tags.push(...(d.value.tags ?? []).map((t) => t.id));
    });
    assert.deepEqual(
      tags,
      c.tags.map((t) => t.id),
    );
    assert.equal(credentialPackets(emptyNetworkConfig(nwid, me.address)).length, 0);
  });
});

describe('Network bridging and multicast replicators (§9.7, §9.10)', () => {
  const ctrl = ids.get('root')!;
  const me = ids.get('a')!;
  const nwid = (BigInt(ctrl.address) << 24n) | 0x43n;
  const B1 = 0x1111111111;
  const B2 = 0x2222222222;
  const FOREIGN = 0x0a0b0c0d0e0f; // a MAC behind a bridge (first octet is not the network's)

  function network(specialists: bigint[]) {
    const k = context(me.address, [ctrl]);
    const c = emptyNetworkConfig(nwid, me.address);
    c.type = 1; // public: no COM needed
    c.multicastLimit = 32;
    c.rules = [{ not: false, or: false, type: 1 }];
    c.specialists = specialists;
    c.staticIps = [{ family: 4, ip: Uint8Array.of(10, 0, 0, 5), port: 24 }];
    const net = new Network(k.ctx, nwid, encodeNetworkConfig(c));
    assert.equal(net.status, 'OK');
    return { net, ...k };
  }
  const eth = (dst: number, src: number, type: number, len = 28) => {
    const f = new Uint8Array(14 + len);
    macToBytes(dst, f, 0);
    macToBytes(src, f, 6);
    f[12] = type >> 8;
    f[13] = type & 0xff;
    return f;
  };

  it('a bridged destination goes to every active bridge until its route is learned, then to that bridge', () => {
    const { net, sent } = network([
      SpecialistFlag.ACTIVE_BRIDGE | BigInt(B1),
      SpecialistFlag.ACTIVE_BRIDGE | BigInt(B2),
    ]);
    assert.equal(net.port.send(eth(FOREIGN, net.mac, 0x0800)), true);
    const ext = () => sent.filter((x) => x.verb === Verb.EXT_FRAME).map((x) => x.to);
    assert.deepEqual(ext().sort(), [B1, B2].sort());
    // An EXT_FRAME from B2 with FOREIGN as its source teaches the route.
    receiveFrame(net, B2, Verb.EXT_FRAME, 1n, 0x0800, new Uint8Array(28), {
      srcMac: FOREIGN,
      dstMac: net.mac,
      flags: 0,
    });
    assert.equal(net.bridgeRoutes.get(FOREIGN), B2);
    sent.length = 0;
    net.port.send(eth(FOREIGN, net.mac, 0x0800));
    assert.deepEqual(ext(), [B2]);
  });

  it('with a multicast replicator, one MULTICAST_FRAME (flags 0x0c, source MAC) goes to it', () => {
    const { net, sent } = network([SpecialistFlag.MULTICAST_REPLICATOR | BigInt(B1)]);
    assert.equal(net.port.send(eth(0x01005e000001, net.mac, 0x0800)), true);
    const mf = sent.filter((x) => x.verb === Verb.MULTICAST_FRAME);
    assert.equal(mf.length, 1);
    assert.equal(mf[0].to, B1);
    assert.equal(mf[0].payload[8], 0x0c);
    assert.equal(sent.filter((x) => x.verb === Verb.MULTICAST_GATHER).length, 0);
  });
});
