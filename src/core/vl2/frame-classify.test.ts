import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  arpRequestAdi,
  ipv6Payload,
  ipv6PayloadPos,
  ipv6PayloadProto,
  isMulticastMac,
  outgoingMulticastGroup,
} from './frame-classify.ts';
import { arpRequest, extHeader, udp4, udp6 } from './test-frames.ts';

const MAC = new Uint8Array([2, 0, 0, 0, 0, 1]);

describe('frame classification', () => {
  it('ARP request to broadcast → group (ff…ff, target IPv4) (§1.4)', () => {
    const arp = arpRequest(MAC, '10.147.17.11', '10.147.17.13');
    assert.equal(arpRequestAdi(0x0806, arp), 0x0a93110d);
    assert.deepEqual(outgoingMulticastGroup(0xffffffffffff, 0x0806, arp), {
      mac: 0xffffffffffff,
      adi: 0x0a93110d,
    });
    // An ARP reply, a short frame or another ethertype is a plain broadcast (ADI 0).
    const reply = Uint8Array.from(arp);
    reply[7] = 2;
    assert.equal(arpRequestAdi(0x0806, reply), -1);
    assert.equal(arpRequestAdi(0x0806, arp.subarray(0, 27)), -1);
    assert.equal(arpRequestAdi(0x0800, arp), -1);
    assert.deepEqual(outgoingMulticastGroup(0xffffffffffff, 0x0806, reply), { mac: 0xffffffffffff, adi: 0 });
    // Other multicast MACs use ADI 0 even for ARP; unicast has no group.
    assert.deepEqual(outgoingMulticastGroup(0x3333ff000001, 0x0806, arp), { mac: 0x3333ff000001, adi: 0 });
    assert.equal(outgoingMulticastGroup(0x022d1d3acfb0, 0x0806, arp), null);
  });

  it('multicast MAC test', () => {
    assert.equal(isMulticastMac(0xffffffffffff), true);
    assert.equal(isMulticastMac(0x01005e000001), true);
    assert.equal(isMulticastMac(0x022d1d3acfb0), false);
  });

  it('IPv6 upper-layer walk over 0/43/60/135, stop at others, overflow invalid (§8.8)', () => {
    const plain = udp6('fd00::1', 'fd00::2', 1, 2);
    let p = ipv6Payload(plain);
    assert.deepEqual([ipv6PayloadPos(p), ipv6PayloadProto(p)], [40, 17]);
    const ext = new Uint8Array([...extHeader(43), ...extHeader(135, 2), ...extHeader(17)]);
    p = ipv6Payload(udp6('fd00::1', 'fd00::2', 1, 2, { ext, extFirst: 0 }));
    assert.deepEqual([ipv6PayloadPos(p), ipv6PayloadProto(p)], [40 + 8 + 24 + 8, 17]);
    // Fragment header (44) ends the walk: it is "the protocol".
    p = ipv6Payload(udp6('fd00::1', 'fd00::2', 1, 2, { ext: extHeader(17), extFirst: 44 }));
    assert.equal(ipv6PayloadProto(p), 44);
    assert.equal(
      ipv6Payload(udp6('fd00::1', 'fd00::2', 1, 2, { ext: extHeader(17, 30), extFirst: 60 }).subarray(0, 60)),
      -1,
    );
    assert.equal(ipv6Payload(plain.subarray(0, 39)), -1);
    assert.equal(ipv6Payload(udp4('10.0.0.1', '10.0.0.2', 1, 2)) >= -1, true);
  });
});
