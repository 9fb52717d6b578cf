import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type InetAddress, parseInetAddress } from '../protocol/inet-address.ts';
import { PATH_ALIVE_TIMEOUT, PEER_PATH_EXPIRATION, UNKNOWN_LATENCY } from './constants.ts';
import { Path } from './path.ts';
import type { Peer } from './peer.ts';
import { makeTestPeer } from './test-peer.ts';

const a = (s: string) => parseInetAddress(s) as InetAddress;

test('path quality follows §9.3: latency × (8 − scope), dead paths pay 0xffff + age', () => {
  const priv = new Path(0, a('10.0.0.2/9993'), 0); // private scope 7
  const glob = new Path(0, a('20.0.0.2/9993'), 0); // global scope 4
  priv.updateLatency(100);
  glob.updateLatency(100);
  assert.equal(priv.quality(1000), 100 * 1);
  assert.equal(glob.quality(1000), 100 * 4);
  const now = PATH_ALIVE_TIMEOUT + 5000;
  assert.equal(priv.alive(now), false);
  assert.equal(priv.quality(now), (100 + UNKNOWN_LATENCY + now) * 1);
  // Age is capped at 140 s.
  assert.equal(priv.quality(1_000_000), (100 + UNKNOWN_LATENCY + 140_000) * 1);
  assert.equal(priv.expired(PEER_PATH_EXPIRATION), true);
  assert.equal(priv.expired(PEER_PATH_EXPIRATION - 1), false);
});

test('latency is a running average (old + new) / 2, unknown until the first sample', () => {
  const p = new Path(0, a('10.0.0.2/9993'), 0);
  assert.equal(p.latency, UNKNOWN_LATENCY);
  p.updateLatency(100);
  assert.equal(p.latency, 100);
  p.updateLatency(50);
  assert.equal(p.latency, 75);
});

test('best path: lowest quality, ties to the later entry, expired paths never, alive-only on request', () => {
  const peer: Peer = makeTestPeer();
  const x = peer.learnPath(0, a('20.0.0.1/9993'), 0).path;
  const y = peer.learnPath(0, a('20.0.0.2/9993'), 0).path;
  assert.equal(peer.bestPath(10), y, 'equal quality: the later entry');
  x.updateLatency(10);
  y.updateLatency(20);
  assert.equal(peer.bestPath(10), x);
  assert.equal(peer.learnPath(0, a('20.0.0.1/9993'), 5).added, false, 'known path refreshed, not added');
  // x stops hearing; y keeps being refreshed.
  y.lastReceive = 30_000;
  assert.equal(peer.bestPath(30_000), y);
  assert.equal(peer.bestPath(30_000, true), y);
  y.lastReceive = 0;
  assert.equal(peer.bestPath(PATH_ALIVE_TIMEOUT + 10, true), undefined);
  assert.equal(peer.expirePaths(PEER_PATH_EXPIRATION + 10).length, 2);
  assert.equal(peer.bestPath(PEER_PATH_EXPIRATION + 10), undefined);
});

test('confirming HELLOs: once per second per path; OK(HELLO) replies: bounded per second', () => {
  const peer = makeTestPeer();
  const to = a('20.0.0.9/1234');
  assert.equal(peer.gateConfirm(0, to, 0), true);
  assert.equal(peer.gateConfirm(0, to, 999), false);
  assert.equal(peer.gateConfirm(1, to, 999), true, 'another local socket is another path');
  assert.equal(peer.gateConfirm(0, to, 1000), true);
  let allowed = 0;
  for (let i = 0; i < 100; i++) if (peer.gateHelloReply(5000 + i)) allowed++;
  assert.equal(allowed, 10);
  assert.equal(peer.gateHelloReply(6000), true);
});

test('cipher choice: AES only once the peer announced protocol ≥ 12 (§4.5)', () => {
  const peer = makeTestPeer();
  assert.equal(peer.cipher, 1);
  peer.setVersion(11, 1, 12, 0);
  assert.equal(peer.cipher, 1);
  peer.setVersion(12, 1, 14, 1);
  assert.equal(peer.cipher, 3);
  assert.equal(peer.canEcho, true);
  peer.setVersion(9, 1, 1, 0);
  assert.equal(peer.canEcho, false, '1.1.0 gets HELLO, not ECHO');
});
