/**
 * TCP against Linux (issue 5): our stack ⇄ Linux over the TAP (frames carried by socat as UDP
 * datagrams, see test/kernel/harness.ts), both directions, and as the ceiling in the same run
 * Linux ⇄ Linux over a veth pair between two namespaces (same socat tools at both ends).
 * Needs root, /dev/net/tun, socat and ip; prints why and exits 0 otherwise.
 *
 * Run: npm run bench tcp-kernel   (TCP_KERNEL_BENCH_MB=… to change the 200 MB default)
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { Stack } from '../src/stack/stack.ts';
import type { TcpConnection } from '../src/stack/tcp/connection.ts';
import { TcpLayer } from '../src/stack/tcp/layer.ts';
import { parseIp } from '../src/stack/wire/ip-address.ts';
import { createKernelPeer, kernelSkipReason } from '../test/kernel/harness.ts';
import { report } from './measure.ts';

const skip = kernelSkipReason();
if (skip) {
  console.log(`skipped: ${skip}`);
  process.exit(0);
}

const MB = Number(process.env.TCP_KERNEL_BENCH_MB ?? 200);
const SIZE = MB * 1024 * 1024;
const FILE = `/tmp/ztk-bench-${process.pid}`;
writeFileSync(FILE, randomBytes(SIZE));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });

function runIn(ns: string, argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) => resolve(code ?? -1));
  });
}

async function vethCeiling(): Promise<void> {
  const id = randomBytes(2).toString('hex');
  const a = `ztb-a-${id}`;
  const b = `ztb-b-${id}`;
  try {
    ip('netns', 'add', a);
    ip('netns', 'add', b);
    ip('link', 'add', `zva${id}`, 'netns', a, 'type', 'veth', 'peer', 'name', `zvb${id}`, 'netns', b);
    for (const [ns, dev, addr] of [
      [a, `zva${id}`, '10.96.0.1/24'],
      [b, `zvb${id}`, '10.96.0.2/24'],
    ]) {
      ip('-n', ns, 'link', 'set', dev, 'mtu', '2800', 'up');
      ip('-n', ns, 'addr', 'add', addr, 'dev', dev);
    }
    const sink = runIn(b, ['socat', '-u', 'TCP-LISTEN:5201,reuseaddr', 'OPEN:/dev/null']);
    await sleep(300);
    const t0 = performance.now();
    await runIn(a, ['socat', '-u', `FILE:${FILE}`, 'TCP:10.96.0.2:5201']);
    await sink;
    const ms = performance.now() - t0;
    report(
      `Linux → Linux over veth (MTU 2800, socat), ${MB} MB`,
      (SIZE * 8) / (ms * 1e6),
      'Gbit/s',
      'ceiling',
    );
  } catch (e) {
    console.log(`veth ceiling not measured: ${String(e).split('\n')[0]}`);
  } finally {
    for (const ns of [a, b]) {
      try {
        ip('netns', 'del', ns);
      } catch {}
    }
  }
}

async function stackVsLinux(): Promise<void> {
  const peer = await createKernelPeer({ linuxAddresses: ['10.95.0.1/24'] });
  const stack = new Stack({
    mac: peer.ourMac,
    mtu: peer.mtu,
    onFrame: (f) => peer.send(f),
    addresses: [{ address: '10.95.0.2', prefixLength: 24 }],
    random: (k) => randomBytes(k),
  });
  const tcp = new TcpLayer(stack.ip, {
    random: (k) => randomBytes(k),
    sendBufferSize: 4 << 20,
    receiveBufferSize: 4 << 20,
  });
  stack.registerTransport(6, tcp);
  const driver = peer.attach(stack);
  try {
    // Linux → stack.
    tcp.poll(driver.now());
    const l = tcp.listen(5001);
    let got = 0;
    let ended = false;
    l.onconnection = (c) => {
      c.ondata = (d) => {
        got += d.length;
      };
      c.onend = () => {
        ended = true;
        c.close();
        driver.kick();
      };
    };
    let cpu0 = process.cpuUsage();
    let t0 = performance.now();
    const sender = peer.exec(['socat', '-u', `FILE:${FILE}`, 'TCP:10.95.0.2:5001'], { timeoutMs: 600_000 });
    while (!ended) await sleep(2);
    let ms = performance.now() - t0;
    let cpu = process.cpuUsage(cpu0);
    await sender;
    if (got !== SIZE) throw new Error(`received ${got} of ${SIZE}`);
    report(`Linux → stack over TAP, ${MB} MB (wall)`, (SIZE * 8) / (ms * 1e6), 'Gbit/s');
    report('  our process CPU per received MB', (cpu.user + cpu.system) / 1000 / MB, 'ms');
    // Stack → Linux.
    const sink = peer.spawn(['socat', '-u', 'TCP-LISTEN:5002,reuseaddr', 'OPEN:/dev/null']);
    let exited = false;
    sink.on('exit', () => {
      exited = true;
    });
    await sleep(300);
    tcp.poll(driver.now());
    const c: TcpConnection = tcp.connect(parseIp('10.95.0.1')!, 5002);
    driver.kick();
    const chunk = randomBytes(1 << 20);
    let sent = 0;
    const pump = () => {
      while (sent < SIZE) {
        const k = c.write(chunk, 0, Math.min(chunk.length, SIZE - sent));
        sent += k;
        if (k === 0) break;
      }
      if (sent === SIZE) c.shutdown();
      driver.kick();
    };
    c.onconnect = pump;
    c.ondrain = pump;
    c.onend = () => c.close();
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    while (!exited) await sleep(2);
    ms = performance.now() - t0;
    cpu = process.cpuUsage(cpu0);
    report(`stack → Linux over TAP, ${MB} MB (wall)`, (SIZE * 8) / (ms * 1e6), 'Gbit/s');
    report('  our process CPU per sent MB', (cpu.user + cpu.system) / 1000 / MB, 'ms');
    report('  retransmissions', tcp.counters.retransmits, 'segments');
  } finally {
    driver.stop();
    await peer.close();
  }
}

try {
  await vethCeiling();
  await stackVsLinux();
} finally {
  rmSync(FILE, { force: true });
}
