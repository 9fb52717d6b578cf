import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { macForAddress, macToBytes } from '../../protocol/address.ts';
import { emptyNetworkConfig, type NetworkConfig } from '../../protocol/netconf.ts';
import {
  checkExtFrameAddressing,
  checkMulticastFrameAddressing,
  classifyOutgoingFrame,
} from './frame-checks.ts';
import { arpRequest, udp4 } from './test-frames.ts';

const NWID = 0x8056c2e21c000001n;
const ME = 0x2d1d262d72;
const PEER = 0x1122334455;
const BRIDGE = 0x0102030405;
const MY_MAC = macForAddress(ME, NWID);
const PEER_MAC = macForAddress(PEER, NWID);
const FOREIGN = 0x0050569a0001; // a bridged host's MAC (not this network's first octet)

function cfg(over: Partial<NetworkConfig> = {}): NetworkConfig {
  const c = emptyNetworkConfig(NWID, ME);
  c.multicastLimit = 32;
  return Object.assign(c, over);
}
const bridgeSpec = (a: number) => 0x0000020000000000n | BigInt(a);

function eth(dst: number, src: number, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  macToBytes(dst, f, 0);
  macToBytes(src, f, 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(payload, 14);
  return f;
}

const IP = udp4('10.0.0.1', '10.0.0.2', 1, 2);
const ARP = arpRequest(macToBytes(MY_MAC), '10.0.0.1', '10.0.0.2');

describe('classifyOutgoingFrame (§1.4, §9.10)', () => {
  it('unicast to a member: address from the MAC', () => {
    const c = classifyOutgoingFrame(cfg(), eth(PEER_MAC, MY_MAC, 0x0800, IP));
    assert.deepEqual(c, { kind: 'unicast', to: PEER, etherType: 0x0800, srcMac: MY_MAC, dstMac: PEER_MAC });
  });
  it('ARP request to broadcast → ARP group even without the broadcast flag', () => {
    const c = classifyOutgoingFrame(cfg(), eth(0xffffffffffff, MY_MAC, 0x0806, ARP));
    assert.deepEqual(c, {
      kind: 'multicast',
      group: { mac: 0xffffffffffff, adi: 0x0a000002 },
      etherType: 0x0806,
      srcMac: MY_MAC,
    });
  });
  it('non-ARP broadcast needs the broadcast flag', () => {
    const f = eth(0xffffffffffff, MY_MAC, 0x0800, IP);
    assert.deepEqual(classifyOutgoingFrame(cfg(), f), { kind: 'drop', reason: 'broadcast-disabled' });
    assert.equal(classifyOutgoingFrame(cfg({ flags: 0x2 }), f).kind, 'multicast');
  });
  it('other multicast MACs use ADI 0', () => {
    const c = classifyOutgoingFrame(cfg(), eth(0x3333ff000002, MY_MAC, 0x86dd, IP));
    assert.deepEqual(c, {
      kind: 'multicast',
      group: { mac: 0x3333ff000002, adi: 0 },
      etherType: 0x86dd,
      srcMac: MY_MAC,
    });
  });
  it('foreign destination → bridged; foreign source needs us to be a bridge; self and runts dropped', () => {
    assert.equal(classifyOutgoingFrame(cfg(), eth(FOREIGN, MY_MAC, 0x0800, IP)).kind, 'bridged');
    assert.deepEqual(classifyOutgoingFrame(cfg(), eth(PEER_MAC, FOREIGN, 0x0800, IP)), {
      kind: 'drop',
      reason: 'not-a-bridge',
    });
    assert.equal(
      classifyOutgoingFrame(cfg({ specialists: [bridgeSpec(ME)] }), eth(PEER_MAC, FOREIGN, 0x0800, IP)).kind,
      'unicast',
    );
    assert.deepEqual(classifyOutgoingFrame(cfg(), eth(MY_MAC, MY_MAC, 0x0800, IP)), {
      kind: 'drop',
      reason: 'to-self',
    });
    assert.deepEqual(classifyOutgoingFrame(cfg(), new Uint8Array(13)), { kind: 'drop', reason: 'runt' });
  });
});

describe('receive-side MAC checks', () => {
  it('EXT_FRAME (§6.8)', () => {
    const c = cfg({ specialists: [bridgeSpec(BRIDGE)] });
    assert.equal(checkExtFrameAddressing(c, PEER, PEER_MAC, MY_MAC), null);
    assert.equal(checkExtFrameAddressing(c, PEER, 0, MY_MAC), 'bad-source-mac');
    assert.equal(checkExtFrameAddressing(c, PEER, MY_MAC, MY_MAC), 'bad-source-mac');
    assert.equal(checkExtFrameAddressing(c, PEER, FOREIGN, MY_MAC), 'sender-not-a-bridge');
    assert.equal(checkExtFrameAddressing(c, BRIDGE, FOREIGN, MY_MAC), null);
    assert.equal(checkExtFrameAddressing(c, PEER, PEER_MAC, 0x01005e000001), null);
    assert.equal(
      checkExtFrameAddressing(cfg({ multicastLimit: 0 }), PEER, PEER_MAC, 0x01005e000001),
      'multicast-disabled',
    );
    assert.equal(checkExtFrameAddressing(c, PEER, PEER_MAC, FOREIGN), 'not-for-us');
    assert.equal(
      checkExtFrameAddressing(cfg({ specialists: [bridgeSpec(ME)] }), PEER, PEER_MAC, FOREIGN),
      null,
    );
  });
  it('MULTICAST_FRAME (§6.15)', () => {
    const c = cfg({ specialists: [bridgeSpec(BRIDGE)] });
    assert.equal(checkMulticastFrameAddressing(c, PEER, PEER_MAC, 0xffffffffffff), null);
    assert.equal(
      checkMulticastFrameAddressing(cfg({ multicastLimit: 0 }), PEER, PEER_MAC, 0xffffffffffff),
      'multicast-disabled',
    );
    assert.equal(checkMulticastFrameAddressing(c, PEER, PEER_MAC, MY_MAC), 'not-multicast');
    assert.equal(checkMulticastFrameAddressing(c, PEER, 0x01005e000001, 0xffffffffffff), 'bad-source-mac');
    assert.equal(checkMulticastFrameAddressing(c, PEER, MY_MAC, 0xffffffffffff), 'bad-source-mac');
    assert.equal(checkMulticastFrameAddressing(c, PEER, FOREIGN, 0xffffffffffff), 'sender-not-a-bridge');
    assert.equal(checkMulticastFrameAddressing(c, BRIDGE, FOREIGN, 0xffffffffffff), null);
  });
});
