/**
 * `ztsdk inspect` on test/vectors/lab-capture-1 (three reference 1.14.1 nodes): every packet
 * authenticates with the manifest's identities, and the manifest's `whatHappened` is read back
 * from the decoded Ethernet frames alone.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Identity } from '../../protocol/identity.ts';
import { parseIcmpv4 } from '../../stack/wire/icmpv4.ts';
import { parseIcmpv6 } from '../../stack/wire/icmpv6.ts';
import { formatIp, parseIpv6 as ipv6FromText } from '../../stack/wire/ip-address.ts';
import { parseIpv4 } from '../../stack/wire/ipv4.ts';
import { parseIpv6 } from '../../stack/wire/ipv6.ts';
import { decodeTcp } from '../../stack/wire/tcp.ts';
import { fromHex } from '../../util/bytes.ts';
import { inspectDatagrams } from './command.ts';
import { readPcap } from './pcap.ts';

const dir = new URL('../../../test/vectors/lab-capture-1/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8'));
const secrets = Object.values(manifest.nodes).map((n) => (n as { identitySecret: string }).identitySecret);
const identities = secrets.map((s) => {
  const r = Identity.fromString(s);
  assert.ok(r.ok);
  return r.value;
});
const cap = readPcap(readFileSync(new URL('capture.pcap', dir)));
assert.ok(cap.ok);
const { packets, inspector } = inspectDatagrams(cap.value.datagrams, identities);
const A = manifest.nodes.a;
const C = manifest.nodes.c;

/** IP-level view of every decoded frame, deduplicated: a relayed packet appears once per hop. */
interface IpPacket {
  src: string;
  dst: string;
  proto: number;
  body: Uint8Array;
}
const seenFrames = new Set<string>();
const ip: IpPacket[] = [];
for (const p of packets) {
  if (!p.frameHex || seenFrames.has(p.frameHex)) continue;
  seenFrames.add(p.frameHex);
  const f = fromHex(p.frameHex);
  const et = (f[12] << 8) | f[13];
  const pl = f.subarray(14);
  if (et === 0x0800) {
    const h = parseIpv4(pl);
    assert.ok(h.ok, 'IPv4 header of a decoded frame parses with a valid checksum');
    ip.push({
      src: formatIp(h.value.src),
      dst: formatIp(h.value.dst),
      proto: h.value.protocol,
      body: pl.subarray(h.value.headerLen, h.value.totalLen),
    });
  } else if (et === 0x86dd) {
    const h = parseIpv6(pl);
    assert.ok(h.ok);
    ip.push({
      src: formatIp(h.value.src),
      dst: formatIp(h.value.dst),
      proto: h.value.protocol,
      body: pl.subarray(h.value.payloadOffset, h.value.end),
    });
  }
}

test('every ZeroTier packet authenticates: 0 MAC failures, 0 unknown verbs', () => {
  const s = inspector.stats;
  assert.equal(s.packets, 238, 'shared/README: 238 ZeroTier packets in the capture');
  assert.equal(s.macFailures, 0);
  assert.equal(s.noKey, 0);
  assert.equal(s.unknownVerbs, 0);
  assert.equal(s.authenticated, 238);
  assert.equal(s.incompleteFragments, 0);
  const byCipher = [0, 0, 0, 0];
  for (const p of packets) byCipher[p.cipher]++;
  // shared/README: 44 cipher 0, 5 cipher 1, 189 AES-GMAC-SIV.
  assert.deepEqual(byCipher, [44, 5, 0, 189]);
  for (const p of packets) {
    assert.ok(p.summary.length > 0 && !p.summary.includes('undefined'), `summary of ${p.verb}: ${p.summary}`);
  }
});

test('a and c say HELLO to the root and fetch the network config from the controller', () => {
  const root = manifest.nodes.root.identitySecret.slice(0, 10);
  const a = A.identitySecret.slice(0, 10);
  const c = C.identitySecret.slice(0, 10);
  for (const m of [a, c]) {
    assert.ok(
      packets.some((p) => p.verb === 'HELLO' && p.src === m && p.dst === root),
      `HELLO ${m} → root`,
    );
    assert.ok(
      packets.some((p) => p.verb === 'OK' && p.src === root && p.dst === m),
      `OK root → ${m}`,
    );
    assert.ok(packets.some((p) => p.verb === 'NETWORK_CONFIG_REQUEST' && p.src === m && p.dst === root));
    assert.ok(packets.some((p) => p.verb === 'MULTICAST_LIKE' && p.src === m));
  }
});

test('c pings a three times over IPv4 after ARP', () => {
  const arp = packets.find((p) => p.frame?.text.startsWith(`ARP who-has ${A.ipv4} tell ${C.ipv4}`));
  assert.ok(arp, 'the ARP request for a');
  assert.ok(
    packets.some((p) => p.frame?.text.startsWith(`ARP reply ${A.ipv4} is-at ${A.mac}`)),
    'a answers ARP',
  );
  const echo = (src: string, dst: string, type: number) =>
    new Set(
      ip
        .filter((x) => x.proto === 1 && x.src === src && x.dst === dst)
        .map((x) => parseIcmpv4(x.body))
        .filter((m) => m.ok && m.value.type === type)
        .map((m) => (m.ok ? m.value.rest : -1)),
    );
  const req = echo(C.ipv4, A.ipv4, 8);
  const rep = echo(A.ipv4, C.ipv4, 0);
  assert.equal(req.size, 3);
  assert.deepEqual([...rep].sort(), [...req].sort(), 'each request answered by a reply with the same id/seq');
});

test('c pings a twice over IPv6 (RFC4193) after neighbour discovery', () => {
  const rfc = ip.filter((x) => x.proto === 58);
  const msgs = rfc.map((x) => ({ x, m: parseIcmpv6(x.body, ipv6FromText(x.src)!, ipv6FromText(x.dst)!) }));
  assert.ok(
    msgs.some(({ m }) => m.ok && m.value.type === 135),
    'a neighbour solicitation',
  );
  const req = new Set(
    msgs
      .filter(({ x, m }) => m.ok && m.value.type === 128 && x.dst === A.rfc4193)
      .map(({ m }) => (m.ok ? m.value.rest : -1)),
  );
  const rep = new Set(
    msgs
      .filter(({ x, m }) => m.ok && m.value.type === 129 && x.src === A.rfc4193)
      .map(({ m }) => (m.ok ? m.value.rest : -1)),
  );
  assert.equal(req.size, 2);
  assert.deepEqual([...rep].sort(), [...req].sort());
});

test('c fetches http://a:8080/hello.txt and gets the body the manifest names', () => {
  const stream = (src: string, dst: string, port: number, toPort: boolean) => {
    const segs = new Map<number, Uint8Array>();
    for (const x of ip.filter((y) => y.proto === 6 && y.src === src && y.dst === dst)) {
      const t = decodeTcp(x.body);
      if (!t.ok || (toPort ? t.value.dstPort : t.value.srcPort) !== port || t.value.payload.length === 0)
        continue;
      segs.set(t.value.seq, t.value.payload);
    }
    return Buffer.concat([...segs.entries()].sort((p, q) => p[0] - q[0]).map(([, b]) => b)).toString(
      'latin1',
    );
  };
  const request = stream(C.ipv4, A.ipv4, 8080, true);
  const response = stream(A.ipv4, C.ipv4, 8080, false);
  assert.match(request, /^GET \/hello\.txt HTTP\/1\.[01]\r\n/);
  assert.match(response, /^HTTP\/1\.[01] 200/);
  assert.ok(
    response.endsWith('\r\n\r\nhello from the reference node\n'),
    JSON.stringify(response.slice(-80)),
  );
});

test('c sends one UDP datagram to a:9999 and a answers ICMP port unreachable', () => {
  const udp = ip.filter((x) => x.proto === 17 && x.src === C.ipv4 && x.dst === A.ipv4);
  const to9999 = udp.filter((x) => ((x.body[2] << 8) | x.body[3]) === 9999);
  assert.equal(to9999.length, 1);
  assert.equal(Buffer.from(to9999[0].body.subarray(8)).toString(), 'udp datagram from C\n');
  const unreach = ip
    .filter((x) => x.proto === 1 && x.src === A.ipv4 && x.dst === C.ipv4)
    .map((x) => parseIcmpv4(x.body))
    .filter((m) => m.ok && m.value.type === 3 && m.value.code === 3);
  assert.equal(unreach.length, 1);
});

test('the ztsdk command prints one JSON object per packet with the documented fields', () => {
  const bin = fileURLToPath(new URL('../../../bin/ztsdk.js', import.meta.url));
  const args = ['inspect', '--pcap', fileURLToPath(new URL('capture.pcap', dir)), '--json'];
  for (const s of secrets) args.push('--identity', s);
  const out = execFileSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 238);
  for (const o of lines) {
    for (const k of [
      'time',
      'physSrc',
      'physDst',
      'src',
      'dst',
      'cipher',
      'authenticated',
      'fragments',
      'verb',
      'summary',
    ]) {
      assert.ok(k in o, `field ${k}`);
    }
    assert.equal(o.authenticated, true);
    assert.match(o.physSrc, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
  }
  const frames = lines.filter(
    (o) => o.verb === 'EXT_FRAME' || o.verb === 'FRAME' || o.verb === 'MULTICAST_FRAME',
  );
  assert.ok(frames.length > 10);
  for (const f of frames)
    assert.ok(
      typeof f.networkId === 'string' && typeof f.ethertype === 'number' && /^[0-9a-f]+$/.test(f.frameHex),
    );
});
