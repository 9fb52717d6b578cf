/**
 * Stack (link/IP/UDP) benchmarks: per-frame cost of the interface on the receive and send paths, and
 * UDP throughput between two Stacks exchanging real Ethernet frames in memory on one core.
 *
 * Run: npm run bench stack
 */
import { Stack } from '../src/stack/stack.ts';
import { parseIp } from '../src/stack/wire/ip-address.ts';
import { report, timePerCall } from './measure.ts';

const MAC_A = new Uint8Array([2, 0, 0, 0, 0, 1]);
const MAC_B = new Uint8Array([2, 0, 0, 0, 0, 2]);
const A4 = parseIp('10.0.0.1')!;
const B4 = parseIp('10.0.0.2')!;
const B6 = parseIp('fd00::2')!;
const PAYLOAD = 2752; // fills an IPv4 datagram at ZeroTier's MTU 2800 (20 IP + 8 UDP + 2752... minus 20 spare)

function pair() {
  const toB: Uint8Array[] = [];
  const toA: Uint8Array[] = [];
  const addrs = (n: number) => [
    { address: `10.0.0.${n}`, prefixLength: 24 },
    { address: `fd00::${n}`, prefixLength: 64 },
  ];
  const a = new Stack({ mac: MAC_A, addresses: addrs(1), onFrame: (f) => toB.push(f) });
  const b = new Stack({ mac: MAC_B, addresses: addrs(2), onFrame: (f) => toA.push(f) });
  const pump = () => {
    while (toB.length || toA.length) {
      for (const f of toB.splice(0)) b.receiveFrame(f, 0);
      for (const f of toA.splice(0)) a.receiveFrame(f, 0);
    }
  };
  pump();
  // Resolve neighbours once so that the timed loops measure the steady state.
  a.ping(B4, 1, 1);
  a.ping(B6, 1, 2);
  pump();
  return { a, b, toA, toB, pump };
}

// 1. Receive path: one prebuilt IPv4/UDP frame into a bound socket (Ethernet + IPv4 + UDP checksum + demux + copy).
{
  const { a, b, toB } = pair();
  const rx = b.udp.open(4);
  rx.bind(undefined, 9000);
  let n = 0;
  rx.onMessage = () => {
    n++;
  };
  a.udp.open(4).send(new Uint8Array(PAYLOAD), B4, 9000);
  const frame = toB.pop()!;
  const us = timePerCall(() => b.receiveFrame(frame, 0), { batch: 1000 });
  report('rx IPv4/UDP 2752 B frame → socket', us, 'µs/frame');
  report('  = payload rate', (PAYLOAD * 8) / us / 1000, 'Gbit/s');
  if (n === 0) throw new Error('bench: nothing received');
}

// 2. Send path: UDP socket → Ethernet frame for a resolved neighbour (checksum, headers, one copy).
for (const fam of [4, 6] as const) {
  const { a, toB } = pair();
  const tx = a.udp.open(fam);
  const data = new Uint8Array(PAYLOAD - (fam === 6 ? 20 : 0));
  const dst = fam === 4 ? B4 : B6;
  const us = timePerCall(
    () => {
      tx.send(data, dst, 9000);
      toB.length = 0;
    },
    { batch: 1000 },
  );
  report(`tx UDP/IPv${fam} ${data.length} B → frame`, us, 'µs/datagram');
}

// 3. Raw IpSender path (what TCP pays per segment): 2760 B payload, DF, resolved neighbour.
{
  const { a, toB } = pair();
  const seg = new Uint8Array(2760);
  const us = timePerCall(
    () => {
      a.ip.send(6, A4, B4, seg, { dontFragment: true });
      toB.length = 0;
    },
    { batch: 1000 },
  );
  report('IpSender.send 2760 B (TCP segment) → frame', us, 'µs/segment');
}

// 3b. Receive path of a TCP segment: frame → IPv4 checks → the registered transport (no payload copy).
{
  const { a, b, toB } = pair();
  let n = 0;
  b.registerTransport(6, {
    receive: () => {
      n++;
    },
    icmpError: () => {},
    poll: () => {},
    nextDeadline: () => Number.POSITIVE_INFINITY,
  });
  a.ip.send(6, A4, B4, new Uint8Array(2760), { dontFragment: true });
  const frame = toB.pop()!;
  const us = timePerCall(() => b.receiveFrame(frame, 0), { batch: 1000 });
  report('rx IPv4 2760 B frame → TCP transport', us, 'µs/segment');
  if (n === 0) throw new Error('bench: transport saw nothing');
}

// 4. End to end: UDP stack → stack, both sides on this core.
{
  const { a, b, pump } = pair();
  const rx = b.udp.open(4);
  rx.bind(undefined, 9001);
  let bytes = 0;
  rx.onMessage = (d) => {
    bytes += d.length;
  };
  const tx = a.udp.open(4);
  const data = new Uint8Array(PAYLOAD);
  const us = timePerCall(
    () => {
      tx.send(data, B4, 9001);
      pump();
    },
    { batch: 500, ms: 2000 },
  );
  report('UDP stack→stack 2752 B datagram (send+recv)', us, 'µs/datagram');
  report('  = goodput, one core', (PAYLOAD * 8) / us / 1000, 'Gbit/s');
  if (bytes === 0) throw new Error('bench: nothing received');
}

// 5. Fragmentation and reassembly: a 9000 B UDP datagram (4 fragments at MTU 2800).
{
  const { a, b, pump } = pair();
  const rx = b.udp.open(4);
  rx.bind(undefined, 9002);
  let got = 0;
  rx.onMessage = () => {
    got++;
  };
  const tx = a.udp.open(4);
  const data = new Uint8Array(9000);
  const us = timePerCall(
    () => {
      tx.send(data, B4, 9002);
      pump();
    },
    { batch: 200 },
  );
  report('UDP 9000 B fragmented + reassembled', us, 'µs/datagram');
  if (got === 0) throw new Error('bench: nothing reassembled');
}

// 6. ICMP echo round trip between two stacks.
{
  const { a, pump } = pair();
  let replies = 0;
  a.onEchoReply = () => {
    replies++;
  };
  const d = new Uint8Array(56);
  const us = timePerCall(
    () => {
      a.ping(B4, 1, 1, d);
      pump();
    },
    { batch: 1000 },
  );
  report('ping round trip (two stacks)', us, 'µs');
  if (replies === 0) throw new Error('bench: no echo replies');
}
