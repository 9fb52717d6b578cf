import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPcap } from '../cli/inspect/pcap.ts';
import { finishChecksum, internetChecksum, pseudoHeaderSum, sumWords } from '../stack/wire/checksum.ts';
import { parseIp } from '../stack/wire/ip-address.ts';
import { PcapCapture } from './pcap-capture.ts';
import { UdpNetwork } from './udp-network.ts';

function scene() {
  const net = new UdpNetwork({ defaults: { delayMs: 1500 } });
  const nat = net.addNat('n', { type: 'full-cone', publicIp: '203.0.113.9' });
  const a = net.addHost('a', { addresses: ['10.0.0.2', '2001:db8::a'], behind: nat }).bind(9993);
  const b = net.addHost('b', { addresses: ['192.0.2.2', '2001:db8::b'] }).bind(9993);
  b.onMessage = () => {};
  return { net, a, b };
}

test('deliver-point capture reads back with the NAT-translated source, times and payloads', () => {
  const { net, a } = scene();
  const cap = new PcapCapture(net);
  a.send(new Uint8Array([1, 2, 3]), { ip: '192.0.2.2', port: 9993 });
  a.send(new Uint8Array([4, 5]), { ip: '2001:db8::b', port: 9993 });
  a.send(new Uint8Array([6]), { ip: '192.0.2.2', port: 1 }); // no listener: not delivered
  net.run(5000);
  cap.stop();
  a.send(new Uint8Array([7]), { ip: '192.0.2.2', port: 9993 });
  net.run(10_000);
  assert.equal(cap.packets, 2);
  const r = readPcap(cap.toBytes());
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (!r.ok) return;
  assert.equal(r.value.linkType, 101);
  const [d4, d6] = r.value.datagrams;
  assert.deepEqual(
    [d4.family, d4.srcIp, d4.srcPort, d4.dstIp, d4.dstPort, [...d4.payload], d4.time],
    [4, '203.0.113.9', 9993, '192.0.2.2', 9993, [1, 2, 3], 1.5],
  );
  assert.deepEqual(
    [d6.family, d6.srcIp, d6.dstIp, [...d6.payload]],
    [6, '2001:db8::a', '2001:db8::b', [4, 5]],
  );
});

test('send-point capture sees pre-NAT sources and lost datagrams; checksums verify', () => {
  const { net, a } = scene();
  net.defaults = { loss: 1 };
  const cap = new PcapCapture(net, { point: 'send', hosts: ['a'] });
  a.send(new Uint8Array([9, 9, 9]), { ip: '192.0.2.2', port: 9993 });
  net.run(10);
  const bytes = cap.toBytes();
  const r = readPcap(bytes);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.datagrams[0].srcIp, '10.0.0.2');
  // IPv4 header checksum and UDP checksum (with pseudo-header) both sum to zero.
  const ip = 24 + 16;
  assert.equal(internetChecksum(bytes, ip, ip + 20), 0);
  const udpLen = 8 + 3;
  const pseudo = pseudoHeaderSum(parseIp('10.0.0.2')!, parseIp('192.0.2.2')!, 17, udpLen);
  assert.equal(finishChecksum(sumWords(bytes, ip + 20, ip + 20 + udpLen, pseudo)), 0);
});
