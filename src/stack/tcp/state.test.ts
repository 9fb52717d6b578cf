// Packetdrill-style state machine tests: one TcpLayer, segments injected by hand, segments it
// sends captured and checked field by field (RFC 9293 §3.10.7, RFC 5961, RFC 7323, RFC 2018).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../testing/sim-link.ts';
import type { IpAddress, IpSender } from '../types.ts';
import {
  ACK_FLAG,
  decodeTcp,
  encodeTcp,
  FIN,
  flagsToString,
  RST,
  SYN,
  type TcpEncodeFields,
  type TcpSegment,
  tcpChecksum,
} from '../wire/tcp.ts';
import type { TcpConnection } from './connection.ts';
import { TcpLayer } from './layer.ts';
import type { TcpLayerOptions } from './options.ts';

const L = new Uint8Array([10, 0, 0, 1]);
const R = new Uint8Array([10, 0, 0, 2]);

class Capture implements IpSender {
  out: TcpSegment[] = [];
  send(protocol: number, src: IpAddress, dst: IpAddress, payload: Uint8Array): true {
    assert.equal(protocol, 6);
    assert.equal(tcpChecksum(src, dst, payload), 0, 'we must send valid checksums');
    const d = decodeTcp(payload.slice());
    assert.ok(d.ok);
    this.out.push(d.value);
    return true;
  }
  sourceFor(): IpAddress {
    return L;
  }
  maxPayload(): number {
    return 2780;
  }
  isLocal(a: IpAddress): boolean {
    return a[3] === 1;
  }
  /** Takes the only segment sent since the last call. */
  one(what = ''): TcpSegment {
    assert.equal(
      this.out.length,
      1,
      `${what}: expected one segment, got ${this.out.map((s) => flagsToString(s.flags)).join(' ')}`,
    );
    return this.out.shift() as TcpSegment;
  }
  none(what = ''): void {
    assert.equal(
      this.out.length,
      0,
      `${what}: expected no segment, got ${this.out.map((s) => flagsToString(s.flags)).join(' ')}`,
    );
  }
}

function setup(opts: Partial<TcpLayerOptions> = {}) {
  const ip = new Capture();
  const rng = new SeededRandom(5);
  const tcp = new TcpLayer(ip, { random: (n) => rng.bytes(n), ...opts });
  const inject = (f: TcpEncodeFields, now = tcp.now) => tcp.receive(R, L, encodeTcp(f, R, L), now);
  return { ip, tcp, inject };
}

const PEER_ISN = 1_000_000;

/**
 * Polls at successive deadlines until the layer sends something (timers are re-armed lazily, so a
 * deadline may be an early wake-up that sends nothing). Returns that time, or Infinity.
 */
function pollNext(tcp: TcpLayer, ip: Capture, limit = 50): number {
  for (let i = 0; i < limit; i++) {
    const t = tcp.nextDeadline();
    if (t === Number.POSITIVE_INFINITY) return t;
    tcp.poll(t);
    if (ip.out.length > 0) return t;
  }
  return Number.POSITIVE_INFINITY;
}

/** Connects and completes the handshake with a plain SYN-ACK (no options unless given). */
function established(opts: Partial<TcpLayerOptions> = {}, synAckOpts: TcpEncodeFields['options'] = {}) {
  const s = setup(opts);
  const c = s.tcp.connect(R, 80, { localPort: 40000 });
  const syn = s.ip.one('SYN');
  s.inject(
    {
      srcPort: 80,
      dstPort: 40000,
      seq: PEER_ISN,
      ack: syn.seq + 1,
      flags: SYN | ACK_FLAG,
      window: 65535,
      options: synAckOpts,
    },
    10,
  );
  s.ip.one('ACK of SYN-ACK');
  assert.equal(c.state, 'Established');
  return { ...s, c, iss: syn.seq };
}

test('active open: SYN carries MSS 2760, SACK-permitted, timestamps, window scale', () => {
  const { ip, tcp, inject } = setup();
  const c = tcp.connect(R, 80, { localPort: 40000 });
  let connected = false;
  c.onconnect = () => {
    connected = true;
  };
  const syn = ip.one();
  assert.equal(syn.flags, SYN);
  assert.equal(syn.options.mss, 2760);
  assert.equal(syn.options.sackPermitted, true);
  assert.equal(syn.options.hasTimestamp, true);
  assert.ok(syn.options.windowScale >= 0);
  assert.equal(c.state, 'SynSent');
  inject(
    {
      srcPort: 80,
      dstPort: 40000,
      seq: PEER_ISN,
      ack: syn.seq + 1,
      flags: SYN | ACK_FLAG,
      window: 1000,
      options: { mss: 1460, sackPermitted: true, timestamp: [777, syn.options.tsVal], windowScale: 7 },
    },
    5,
  );
  const ack = ip.one();
  assert.equal(ack.flags, ACK_FLAG);
  assert.equal(ack.seq, syn.seq + 1);
  assert.equal(ack.ack, PEER_ISN + 1);
  assert.equal(ack.options.tsEcr, 777);
  assert.equal(c.state, 'Established');
  assert.ok(connected);
  assert.equal(c.stats().mss, 1460 - 12); // RFC 6691: options come out of the MSS
  assert.equal(c.stats().sendWindow, 1000); // SYN windows are never scaled (RFC 7323 §2.2)
});

test('passive open: SYN → SYN-ACK echoing the options, ACK → established and accepted', () => {
  const { ip, tcp, inject } = setup();
  const l = tcp.listen(80);
  const accepted: TcpConnection[] = [];
  l.onconnection = (c) => accepted.push(c);
  inject({
    srcPort: 5555,
    dstPort: 80,
    seq: PEER_ISN,
    flags: SYN,
    window: 65535,
    options: { mss: 1400, sackPermitted: true, windowScale: 2 },
  });
  const sa = ip.one();
  assert.equal(sa.flags, SYN | ACK_FLAG);
  assert.equal(sa.ack, PEER_ISN + 1);
  assert.equal(sa.options.sackPermitted, true);
  assert.equal(sa.options.hasTimestamp, false, 'no timestamps unless the peer offered them');
  assert.ok(sa.options.windowScale >= 0);
  assert.equal(accepted.length, 0);
  inject({ srcPort: 5555, dstPort: 80, seq: PEER_ISN + 1, ack: sa.seq + 1, flags: ACK_FLAG, window: 100 });
  ip.none();
  assert.equal(accepted.length, 1);
  assert.equal(accepted[0].state, 'Established');
  assert.equal(accepted[0].stats().sendWindow, 400); // scaled by 2^2 after the handshake
});

test('listener: a retransmitted SYN gets the SYN-ACK again; a bad ACK gets a RST', () => {
  const { ip, tcp, inject } = setup();
  tcp.listen(80);
  inject({ srcPort: 5555, dstPort: 80, seq: PEER_ISN, flags: SYN, window: 65535 });
  const sa = ip.one();
  inject({ srcPort: 5555, dstPort: 80, seq: PEER_ISN, flags: SYN, window: 65535 });
  const sa2 = ip.one();
  assert.equal(sa2.seq, sa.seq);
  assert.equal(sa2.flags, SYN | ACK_FLAG);
  inject({ srcPort: 5555, dstPort: 80, seq: PEER_ISN + 1, ack: sa.seq + 5, flags: ACK_FLAG, window: 100 });
  const rst = ip.one();
  assert.equal(rst.flags, RST);
  assert.equal(rst.seq, sa.seq + 5);
});

test('closed port: SYN → RST|ACK (seq 0, ack seq+1); ACK → RST (seq = their ack); RST → nothing', () => {
  const { ip, tcp, inject } = setup();
  inject({ srcPort: 5555, dstPort: 81, seq: 42, flags: SYN, window: 100 });
  let r = ip.one();
  assert.equal(r.flags, RST | ACK_FLAG);
  assert.equal(r.seq, 0);
  assert.equal(r.ack, 43);
  inject({
    srcPort: 5555,
    dstPort: 81,
    seq: 42,
    ack: 9999,
    flags: ACK_FLAG,
    window: 100,
    payload: new Uint8Array(10),
  });
  r = ip.one();
  assert.equal(r.flags, RST);
  assert.equal(r.seq, 9999);
  inject({ srcPort: 5555, dstPort: 81, seq: 42, flags: RST });
  ip.none();
  assert.equal(tcp.counters.dropped['no-connection'], 3);
});

test('SYN-SENT: RST with acceptable ACK → ECONNREFUSED; bad ACK → RST', () => {
  const { ip, tcp, inject } = setup();
  const c = tcp.connect(R, 80, { localPort: 40000 });
  const syn = ip.one();
  inject({ srcPort: 80, dstPort: 40000, seq: 0, ack: syn.seq + 7, flags: SYN | ACK_FLAG });
  const r = ip.one();
  assert.equal(r.flags, RST);
  assert.equal(r.seq, syn.seq + 7);
  assert.equal(c.state, 'SynSent');
  const events: string[] = [];
  c.onerror = (e) => events.push(e);
  c.onclose = () => events.push('close');
  inject({ srcPort: 80, dstPort: 40000, seq: 0, ack: syn.seq + 1, flags: RST | ACK_FLAG });
  assert.deepEqual(events, ['ECONNREFUSED', 'close']);
  assert.equal(c.state, 'Closed');
  assert.equal(tcp.connectionCount, 0);
});

test('simultaneous open (RFC 9293 figure 8)', () => {
  const { ip, tcp, inject } = setup();
  const c = tcp.connect(R, 80, { localPort: 40000 });
  const syn = ip.one();
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN, flags: SYN, window: 5000 });
  const sa = ip.one();
  assert.equal(sa.flags, SYN | ACK_FLAG);
  assert.equal(sa.seq, syn.seq);
  assert.equal(sa.ack, PEER_ISN + 1);
  assert.equal(c.state, 'SynReceived');
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, ack: syn.seq + 1, flags: ACK_FLAG, window: 5000 });
  assert.equal(c.state, 'Established');
});

test('RFC 5961: in-window RST and any SYN get a challenge ACK; exact RST resets', () => {
  const { ip, inject, c, iss } = established();
  const errors: string[] = [];
  c.onerror = (e) => errors.push(e);
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 100, flags: RST });
  let a = ip.one('challenge for RST');
  assert.equal(a.flags, ACK_FLAG);
  assert.equal(a.ack, PEER_ISN + 1);
  assert.equal(a.seq, iss + 1);
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, flags: SYN, window: 10 });
  a = ip.one('challenge for SYN');
  assert.equal(a.flags, ACK_FLAG);
  assert.equal(c.state, 'Established');
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1 + 1_000_000, flags: RST });
  ip.none('out-of-window RST is silently dropped');
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, flags: RST });
  assert.equal(c.state, 'Closed');
  assert.deepEqual(errors, ['ECONNRESET']);
});

test('unacceptable segment (old data) gets an ACK and is not delivered', () => {
  const { ip, inject, c, iss } = established();
  let got = 0;
  c.ondata = (d) => {
    got += d.length;
  };
  inject({
    srcPort: 80,
    dstPort: 40000,
    seq: PEER_ISN - 100,
    ack: iss + 1,
    flags: ACK_FLAG,
    window: 10,
    payload: new Uint8Array(50),
  });
  const a = ip.one();
  assert.equal(a.ack, PEER_ISN + 1);
  assert.equal(got, 0);
});

test('passive close: FIN → ACK + onend, close() → FIN (LAST-ACK), ACK → CLOSED', () => {
  const { ip, tcp, inject, c, iss } = established();
  const ev: string[] = [];
  c.onend = () => ev.push('end');
  c.onclose = () => ev.push('close');
  inject({
    srcPort: 80,
    dstPort: 40000,
    seq: PEER_ISN + 1,
    ack: iss + 1,
    flags: FIN | ACK_FLAG,
    window: 1000,
  });
  const a = ip.one();
  assert.equal(a.ack, PEER_ISN + 2);
  assert.equal(c.state, 'CloseWait');
  assert.deepEqual(ev, ['end']);
  c.write(new Uint8Array([1, 2, 3])); // half-close: we can still send
  const d = ip.one();
  assert.equal(d.payload.length, 3);
  c.close();
  const f = ip.one();
  assert.equal(f.flags & FIN, FIN);
  assert.equal(f.seq, iss + 4);
  assert.equal(c.state, 'LastAck');
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 2, ack: iss + 5, flags: ACK_FLAG, window: 1000 });
  assert.equal(c.state, 'Closed');
  assert.deepEqual(ev, ['end', 'close']);
  assert.equal(tcp.connectionCount, 0);
});

test('active close: FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT → CLOSED after 2·MSL', () => {
  const { ip, tcp, inject, c, iss } = established({ msl: 1000 });
  c.shutdown();
  const f = ip.one();
  assert.equal(f.flags, FIN | ACK_FLAG);
  assert.equal(c.state, 'FinWait1');
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, ack: iss + 2, flags: ACK_FLAG, window: 1000 }, 20);
  assert.equal(c.state, 'FinWait2');
  inject(
    { srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, ack: iss + 2, flags: FIN | ACK_FLAG, window: 1000 },
    30,
  );
  const a = ip.one();
  assert.equal(a.ack, PEER_ISN + 2);
  assert.equal(c.state, 'TimeWait');
  assert.equal(tcp.connectionCount, 1);
  // A retransmitted FIN in TIME-WAIT is ACKed again.
  inject(
    { srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, ack: iss + 2, flags: FIN | ACK_FLAG, window: 1000 },
    500,
  );
  assert.equal(ip.one().ack, PEER_ISN + 2);
  tcp.poll(2499); // 2·MSL counts from the last FIN (500 + 2000)
  assert.equal(c.state, 'TimeWait');
  tcp.poll(2500);
  assert.equal(c.state, 'Closed');
  assert.equal(tcp.connectionCount, 0);
});

test('simultaneous close: FIN-WAIT-1 → CLOSING → TIME-WAIT', () => {
  const { ip, inject, c, iss } = established();
  c.shutdown();
  ip.one();
  inject({
    srcPort: 80,
    dstPort: 40000,
    seq: PEER_ISN + 1,
    ack: iss + 1,
    flags: FIN | ACK_FLAG,
    window: 1000,
  });
  assert.equal(c.state, 'Closing');
  assert.equal(ip.one().ack, PEER_ISN + 2);
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 2, ack: iss + 2, flags: ACK_FLAG, window: 1000 });
  assert.equal(c.state, 'TimeWait');
});

test('SYN retransmission with backoff, then ETIMEDOUT at the connect timeout', () => {
  const { ip, tcp } = setup({ connectTimeout: 10_000 });
  const c = tcp.connect(R, 80);
  ip.one();
  let err = '';
  c.onerror = (e) => {
    err = e;
  };
  const times: number[] = [];
  for (let i = 0; i < 20 && c.state !== 'Closed'; i++) {
    const t = tcp.nextDeadline();
    tcp.poll(t);
    if (ip.out.length) {
      assert.equal(ip.one().flags, SYN);
      times.push(t);
    }
  }
  assert.deepEqual(times, [1000, 3000, 7000]); // RFC 6298: 1 s, doubled each time
  assert.equal(err, 'ETIMEDOUT');
});

test('data: sent at once with PSH, retransmitted on RTO, ACK stops the timer', () => {
  const { ip, tcp, inject, c, iss } = established();
  assert.equal(c.write(new Uint8Array(100).fill(7)), 100);
  const d = ip.one();
  assert.equal(d.seq, iss + 1);
  assert.equal(d.payload.length, 100);
  assert.equal(d.flags, ACK_FLAG | 0x08);
  const t = pollNext(tcp, ip);
  const r = ip.one();
  assert.equal(r.seq, iss + 1);
  assert.equal(r.payload.length, 100);
  assert.equal(tcp.counters.rtoTimeouts, 1);
  inject(
    { srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, ack: iss + 101, flags: ACK_FLAG, window: 1000 },
    t + 5,
  );
  assert.equal(pollNext(tcp, ip), Number.POSITIVE_INFINITY, 'no timer left once everything is acknowledged');
  ip.none();
  assert.equal(c.writableLength, 0);
});

test('Nagle: a second small write waits for the ACK unless noDelay', () => {
  const { ip, inject, c, iss } = established();
  c.write(new Uint8Array(10));
  ip.one();
  c.write(new Uint8Array(10));
  ip.none('Nagle holds the second small segment');
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, ack: iss + 11, flags: ACK_FLAG, window: 1000 });
  assert.equal(ip.one().payload.length, 10);
  c.setNoDelay(true);
  c.write(new Uint8Array(5));
  c.write(new Uint8Array(5));
  assert.equal(ip.out.length, 2);
});

test('receive: in-order data delayed-ACKed (every 2nd segment at once), out-of-order ACKed with SACK', () => {
  const { ip, tcp, inject, c, iss } = established({}, { sackPermitted: true });
  const got: number[] = [];
  c.ondata = (d) => got.push(...d);
  inject(
    {
      srcPort: 80,
      dstPort: 40000,
      seq: PEER_ISN + 1,
      ack: iss + 1,
      flags: ACK_FLAG,
      window: 1000,
      payload: new Uint8Array([1, 2]),
    },
    100,
  );
  ip.none('first segment: delayed ACK');
  assert.equal(tcp.nextDeadline(), 140);
  inject(
    {
      srcPort: 80,
      dstPort: 40000,
      seq: PEER_ISN + 3,
      ack: iss + 1,
      flags: ACK_FLAG,
      window: 1000,
      payload: new Uint8Array([3]),
    },
    110,
  );
  assert.equal(ip.one('second segment ACKs at once').ack, PEER_ISN + 4);
  inject(
    {
      srcPort: 80,
      dstPort: 40000,
      seq: PEER_ISN + 10,
      ack: iss + 1,
      flags: ACK_FLAG,
      window: 1000,
      payload: new Uint8Array([10, 11]),
    },
    120,
  );
  const dup = ip.one('out of order');
  assert.equal(dup.ack, PEER_ISN + 4);
  assert.equal(dup.options.sackCount, 1);
  assert.deepEqual([...dup.options.sack.subarray(0, 2)], [PEER_ISN + 10, PEER_ISN + 12]);
  inject(
    {
      srcPort: 80,
      dstPort: 40000,
      seq: PEER_ISN + 4,
      ack: iss + 1,
      flags: ACK_FLAG,
      window: 1000,
      payload: new Uint8Array([4, 5, 6, 7, 8, 9]),
    },
    130,
  );
  const fill = ip.one('hole filled');
  assert.equal(fill.ack, PEER_ISN + 12);
  assert.equal(fill.options.sackCount, 0);
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

test('delayed ACK timer fires', () => {
  const { ip, tcp, inject, iss } = established();
  inject(
    {
      srcPort: 80,
      dstPort: 40000,
      seq: PEER_ISN + 1,
      ack: iss + 1,
      flags: ACK_FLAG,
      window: 1000,
      payload: new Uint8Array(5),
    },
    100,
  );
  ip.none();
  tcp.poll(140);
  assert.equal(ip.one().ack, PEER_ISN + 6);
});

test('zero window: no data sent, persist probes until the window opens', () => {
  const { ip, tcp, inject, c, iss } = established();
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, ack: iss + 1, flags: ACK_FLAG, window: 0 }, 20);
  c.write(new Uint8Array(50));
  ip.none('window is zero');
  const t1 = pollNext(tcp, ip);
  assert.ok(t1 < Number.POSITIVE_INFINITY, 'persist timer armed');
  const probe = ip.one('zero-window probe');
  assert.equal(probe.seq, iss); // SND.UNA − 1: outside the window, forces an ACK
  const t2 = tcp.nextDeadline();
  assert.ok(t2 - t1 > t1 - 20, 'persist backs off');
  inject(
    { srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, ack: iss + 1, flags: ACK_FLAG, window: 1000 },
    t1 + 1,
  );
  assert.equal(ip.one('window opened').payload.length, 50);
});

test('keepalive: probes after idle, ETIMEDOUT after the probe count', () => {
  const { ip, tcp, c } = established();
  c.setKeepAlive(true, 1000);
  c.keepAliveInterval = 100;
  c.keepAliveCount = 2;
  let err = '';
  c.onerror = (e) => {
    err = e;
  };
  pollNext(tcp, ip);
  assert.equal(ip.one('probe 1').payload.length, 0);
  pollNext(tcp, ip);
  ip.one('probe 2');
  pollNext(tcp, ip);
  assert.equal(ip.one('RST').flags, RST);
  assert.equal(err, 'ETIMEDOUT');
});

test('user timeout: unacknowledged data aborts with ETIMEDOUT', () => {
  const { tcp, c } = established({ userTimeout: 5000 });
  let err = '';
  c.onerror = (e) => {
    err = e;
  };
  c.write(new Uint8Array(10));
  for (let i = 0; i < 30 && c.state !== 'Closed'; i++) tcp.poll(tcp.nextDeadline());
  assert.equal(err, 'ETIMEDOUT');
  assert.ok(tcp.now >= 5000);
});

test('close() with unread data sends RST (RFC 2525 §2.17)', () => {
  const { ip, inject, c, iss } = established();
  inject({
    srcPort: 80,
    dstPort: 40000,
    seq: PEER_ISN + 1,
    ack: iss + 1,
    flags: ACK_FLAG,
    window: 1000,
    payload: new Uint8Array(5),
  });
  c.close();
  const r = ip.one();
  assert.equal(r.flags & RST, RST);
  assert.equal(c.state, 'Closed');
});

test('data after close() is answered with RST', () => {
  const { ip, inject, c, iss } = established();
  c.close();
  ip.one('FIN');
  inject({
    srcPort: 80,
    dstPort: 40000,
    seq: PEER_ISN + 1,
    ack: iss + 2,
    flags: ACK_FLAG,
    window: 1000,
    payload: new Uint8Array(5),
  });
  assert.equal(ip.one().flags, RST);
  assert.equal(c.state, 'Closed');
});

test('listen backlog: SYNs beyond it are dropped', () => {
  const { ip, tcp, inject } = setup();
  tcp.listen(80, { backlog: 1 });
  inject({ srcPort: 1, dstPort: 80, seq: 1, flags: SYN, window: 100 });
  ip.one();
  inject({ srcPort: 2, dstPort: 80, seq: 1, flags: SYN, window: 100 });
  ip.none();
  assert.equal(tcp.counters.dropped['backlog-full'], 1);
});

test('accept() pull mode and listener close resets the unaccepted', () => {
  const { ip, tcp, inject } = setup();
  const l = tcp.listen(80);
  inject({ srcPort: 1, dstPort: 80, seq: 1, flags: SYN, window: 100 });
  const sa = ip.one();
  inject({ srcPort: 1, dstPort: 80, seq: 2, ack: sa.seq + 1, flags: ACK_FLAG, window: 100 });
  inject({ srcPort: 2, dstPort: 80, seq: 1, flags: SYN, window: 100 });
  ip.one();
  const c = l.accept();
  assert.ok(c);
  assert.equal(c.remotePort, 1);
  assert.equal(l.accept(), null);
  l.close();
  assert.equal(ip.one('RST to the half-open child').flags & RST, RST);
  assert.equal(c.state, 'Established');
});

test('PAWS: a data segment with an old timestamp is dropped and ACKed', () => {
  const { ip, tcp, inject, c, iss } = established({}, { timestamp: [5000, 0] });
  let got = 0;
  c.ondata = (d) => {
    got += d.length;
  };
  inject({
    srcPort: 80,
    dstPort: 40000,
    seq: PEER_ISN + 1,
    ack: iss + 1,
    flags: ACK_FLAG,
    window: 100,
    payload: new Uint8Array(3),
    options: { timestamp: [4000, 0] },
  });
  assert.equal(ip.one().ack, PEER_ISN + 1);
  assert.equal(got, 0);
  assert.equal(tcp.counters.dropped.paws, 1);
});

test('ICMP port unreachable during connect → ECONNREFUSED; stale ICMP ignored', () => {
  const { ip, tcp } = setup();
  const c = tcp.connect(R, 80, { localPort: 40000 });
  const syn = ip.one();
  let err = '';
  c.onerror = (e) => {
    err = e;
  };
  const quoted = encodeTcp({ srcPort: 40000, dstPort: 80, seq: syn.seq + 100, flags: SYN });
  tcp.icmpError('port-unreachable', L, R, quoted, 1);
  assert.equal(c.state, 'SynSent');
  tcp.icmpError(
    'port-unreachable',
    L,
    R,
    encodeTcp({ srcPort: 40000, dstPort: 80, seq: syn.seq, flags: SYN }),
    2,
  );
  assert.equal(err, 'ECONNREFUSED');
});

test('abort() sends RST and closes without error', () => {
  const { ip, c } = established();
  const ev: string[] = [];
  c.onerror = () => ev.push('error');
  c.onclose = () => ev.push('close');
  c.abort();
  assert.equal(ip.one().flags & RST, RST);
  assert.deepEqual(ev, ['close']);
});

test('write backpressure: accepted count and drain', () => {
  const { ip, inject, c, iss } = established({ sendBufferSize: 1000 });
  let drained = 0;
  c.ondrain = () => drained++;
  assert.equal(c.write(new Uint8Array(1500)), 1000);
  assert.equal(c.write(new Uint8Array(10)), 0);
  const seg = ip.out.reduce((n, s) => n + s.payload.length, 0);
  ip.out.length = 0;
  inject({
    srcPort: 80,
    dstPort: 40000,
    seq: PEER_ISN + 1,
    ack: iss + 1 + seg,
    flags: ACK_FLAG,
    window: 65535,
  });
  assert.equal(drained, 1);
  assert.ok(c.writableSpace >= 500);
});

test('fuzz: random segments to a listener and a connection never throw', () => {
  const { tcp, inject } = established();
  tcp.listen(80);
  const rng = new SeededRandom(9);
  for (let i = 0; i < 5000; i++) {
    const n = (rng.float() * 80) | 0;
    const b = rng.bytes(n);
    if (n >= 4 && rng.float() < 0.5) {
      b[0] = 0;
      b[1] = 80;
      b[2] = 0x9c;
      b[3] = 0x40;
    }
    tcp.receive(R, L, b, i);
    if (rng.float() < 0.3) {
      const f = (rng.float() * 256) | 0;
      inject(
        {
          srcPort: 80,
          dstPort: 40000,
          seq: (rng.float() * 2 ** 32) >>> 0,
          ack: (rng.float() * 2 ** 32) >>> 0,
          flags: f,
          window: 100,
          payload: rng.bytes(5),
        },
        i,
      );
    }
  }
  assert.ok(tcp.counters.segmentsIn > 5000);
});

test('shutdown() before the handshake completes: data then FIN follow the SYN-ACK', () => {
  const { ip, tcp, inject } = setup();
  const c = tcp.connect(R, 80, { localPort: 40000 });
  const syn = ip.one();
  c.write(new Uint8Array([1, 2, 3]));
  c.shutdown();
  ip.none('nothing before the handshake');
  inject(
    { srcPort: 80, dstPort: 40000, seq: PEER_ISN, ack: syn.seq + 1, flags: SYN | ACK_FLAG, window: 65535 },
    5,
  );
  const segs = ip.out.splice(0);
  const data = segs.find((s) => s.payload.length === 3);
  const fin = segs.find((s) => s.flags & FIN);
  assert.ok(data && fin, segs.map((s) => flagsToString(s.flags)).join(' '));
  assert.equal(fin.seq + fin.payload.length, syn.seq + 4, 'FIN right after the 3 data bytes');
  assert.equal(c.state, 'FinWait1');
});

test('TIME-WAIT: a new SYN with a higher sequence number reopens the 4-tuple (RFC 6191)', () => {
  const { ip, tcp, inject, c, iss } = established();
  const l = tcp.listen(40000);
  const accepted: TcpConnection[] = [];
  l.onconnection = (x) => accepted.push(x);
  c.shutdown();
  ip.one();
  inject(
    { srcPort: 80, dstPort: 40000, seq: PEER_ISN + 1, ack: iss + 2, flags: FIN | ACK_FLAG, window: 1000 },
    30,
  );
  ip.one();
  assert.equal(c.state, 'TimeWait');
  inject({ srcPort: 80, dstPort: 40000, seq: PEER_ISN + 100_000, flags: SYN, window: 1000 }, 40);
  const sa = ip.one('SYN-ACK from the listener');
  assert.equal(sa.flags, SYN | ACK_FLAG);
  assert.equal(sa.ack, PEER_ISN + 100_001);
  assert.equal(c.state, 'Closed');
});

test('D-SACK (RFC 2883): a duplicate segment is reported as the first SACK block, once', () => {
  const { ip, inject, c, iss } = established({}, { sackPermitted: true });
  c.ondata = () => {};
  const data = {
    srcPort: 80,
    dstPort: 40000,
    seq: PEER_ISN + 1,
    ack: iss + 1,
    flags: ACK_FLAG,
    window: 1000,
  };
  inject({ ...data, payload: new Uint8Array(10) }, 20);
  ip.out.length = 0; // whatever the first segment caused
  inject({ ...data, payload: new Uint8Array(10) }, 30); // the same 10 bytes again
  const a = ip.one('immediate ACK for a duplicate');
  assert.equal(a.ack, PEER_ISN + 11);
  assert.equal(a.options.sackCount, 1);
  assert.deepEqual([...a.options.sack.subarray(0, 2)], [PEER_ISN + 1, PEER_ISN + 11]);
  inject({ ...data, seq: PEER_ISN + 11, payload: new Uint8Array(1) }, 40);
  inject({ ...data, seq: PEER_ISN + 12, payload: new Uint8Array(1) }, 41);
  assert.equal(ip.one().options.sackCount, 0, 'reported once only');
});

test("pull mode: onend waits until the application has read every byte before the FIN (like Node's 'end')", () => {
  const { inject, c, iss } = established();
  const ev: string[] = [];
  c.onreadable = () => ev.push('readable');
  c.onend = () => ev.push('end');
  inject({
    srcPort: 80,
    dstPort: 40000,
    seq: PEER_ISN + 1,
    ack: iss + 1,
    flags: ACK_FLAG | FIN,
    window: 1000,
    payload: new Uint8Array(8),
  });
  assert.deepEqual(ev, ['readable']);
  assert.equal(c.state, 'CloseWait');
  assert.equal(c.read(5)?.length, 5);
  assert.deepEqual(ev, ['readable']);
  assert.equal(c.read()?.length, 3);
  assert.deepEqual(ev, ['readable', 'end']);
});

test('D-SACK for a duplicate of out-of-order data: first block the duplicate, then its range', () => {
  const { ip, inject, c, iss } = established({}, { sackPermitted: true });
  c.ondata = () => {};
  const seg = { srcPort: 80, dstPort: 40000, ack: iss + 1, flags: ACK_FLAG, window: 1000 };
  inject({ ...seg, seq: PEER_ISN + 101, payload: new Uint8Array(50) }, 10);
  ip.out.length = 0;
  inject({ ...seg, seq: PEER_ISN + 111, payload: new Uint8Array(20) }, 11);
  const a = ip.one();
  assert.equal(a.ack, PEER_ISN + 1);
  assert.equal(a.options.sackCount, 2);
  assert.deepEqual(
    [...a.options.sack.subarray(0, 4)],
    [PEER_ISN + 111, PEER_ISN + 131, PEER_ISN + 101, PEER_ISN + 151],
  );
});
