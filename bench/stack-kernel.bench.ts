/**
 * Latency against Linux: Linux pings our stack over the TAP (frames carried by socat as UDP datagrams,
 * see test/kernel/harness.ts), IPv4 and IPv6, and as the floor in the same run Linux pings Linux over a
 * veth pair between two namespaces. (libzt's lwIP polling gave 33 ms where the kernel gave 0.7 ms:
 * libzt#41; an event-driven stack should add little beyond the socat hop.)
 * Needs root, /dev/net/tun, socat, ip and ping; prints why and exits 0 otherwise.
 *
 * Run: npm run bench stack-kernel
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Stack } from '../src/stack/stack.ts';
import { createKernelPeer, kernelSkipReason } from '../test/kernel/harness.ts';
import { report } from './measure.ts';

const skip = kernelSkipReason();
if (skip) {
  console.log(`skipped: ${skip}`);
  process.exit(0);
}

const COUNT = 200;

/** Min and average RTT in ms from ping's summary line (`rtt min/avg/max/mdev = …`). */
function rtt(out: string): { min: number; avg: number } {
  const m = /= ([\d.]+)\/([\d.]+)\//.exec(out);
  if (!m) throw new Error(`bench: no rtt in ping output: ${out}`);
  return { min: Number(m[1]), avg: Number(m[2]) };
}

/** Prints min and average (the average carries the machine's scheduling noise; the min does not). */
function reportRtt(name: string, out: string): void {
  const r = rtt(out);
  report(`${name}, min RTT`, r.min * 1000, 'µs');
  report(`${name}, avg RTT`, r.avg * 1000, 'µs');
}

async function viaStack(): Promise<void> {
  const peer = await createKernelPeer({ linuxAddresses: ['10.95.0.1/24', 'fd95::1/64'] });
  try {
    const stack = new Stack({
      mac: peer.ourMac,
      mtu: peer.mtu,
      onFrame: (f) => peer.send(f),
      addresses: [
        { address: '10.95.0.2', prefixLength: 24 },
        { address: 'fd95::2', prefixLength: 64 },
      ],
    });
    const driver = peer.attach(stack);
    for (const [fam, addr] of [
      ['4', '10.95.0.2'],
      ['6', 'fd95::2'],
    ] as const) {
      const argv = ['ping', `-${fam}`, '-q', '-c', String(COUNT), '-i', '0.005', '-s', '56', addr];
      await peer.exec(['ping', `-${fam}`, '-c', '2', '-i', '0.1', addr]); // resolve neighbours first
      const r = await peer.exec(argv, { timeoutMs: 60_000 });
      reportRtt(`ping Linux → our stack over TAP (IPv${fam})`, r.stdout);
    }
    const big = await peer.exec(['ping', '-q', '-c', '100', '-i', '0.005', '-s', '8000', '10.95.0.2'], {
      timeoutMs: 60_000,
    });
    reportRtt('ping -s 8000 (3 fragments each way)', big.stdout);
    driver.stop();
  } finally {
    await peer.close();
  }
}

function vethFloor(): void {
  const id = randomBytes(2).toString('hex');
  const a = `ztp-a-${id}`;
  const b = `ztp-b-${id}`;
  const ip = (...x: string[]) => execFileSync('ip', x, { stdio: 'pipe' });
  try {
    ip('netns', 'add', a);
    ip('netns', 'add', b);
    ip('link', 'add', `zpa${id}`, 'netns', a, 'type', 'veth', 'peer', 'name', `zpb${id}`, 'netns', b);
    ip('-n', a, 'link', 'set', `zpa${id}`, 'mtu', '2800', 'up');
    ip('-n', b, 'link', 'set', `zpb${id}`, 'mtu', '2800', 'up');
    ip('-n', a, 'addr', 'add', '10.94.0.1/24', 'dev', `zpa${id}`);
    ip('-n', b, 'addr', 'add', '10.94.0.2/24', 'dev', `zpb${id}`);
    const out = execFileSync(
      'ip',
      ['netns', 'exec', a, 'ping', '-q', '-c', String(COUNT), '-i', '0.005', '-s', '56', '10.94.0.2'],
      { encoding: 'utf8' },
    );
    reportRtt('ping Linux → Linux over veth (floor)', out);
  } finally {
    for (const ns of [a, b])
      try {
        ip('netns', 'del', ns);
      } catch {}
  }
}

await viaStack();
vethFloor();
