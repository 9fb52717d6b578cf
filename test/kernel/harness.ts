/**
 * Kernel-peer harness: Linux's own TCP/IP stack as the peer of our user-space stack.
 *
 * Node cannot ioctl a TAP device without a native addon, so `socat` owns the TAP and carries each Ethernet
 * frame as one UDP datagram on 127.0.0.1 (architecture.md, "Kernel-peer tests"). The TAP is then moved into
 * a network namespace created for the run, so Linux's side (addresses, routes, ping, socat, curl) lives
 * entirely in that namespace and the host's interfaces are never touched:
 *
 * ```
 *  test process (host netns)                         netns ztk…            (Linux stack)
 *  Stack ⇄ dgram 127.0.0.1:P  ⇄  socat  ⇄  /dev/net/tun fd  ⇄  TAP ztk… ⇄ 10.x.y.1, fdxx::1
 * ```
 *
 * Use:
 * ```ts
 * const reason = kernelSkipReason();             // null when root + /dev/net/tun + socat + ip are there
 * const peer = await createKernelPeer({ linuxAddresses: ['10.99.1.1/24', 'fd99:1::1/64'] });
 * const stack = new Stack({ mac: peer.ourMac, onFrame: (f) => peer.send(f), addresses: [...] });
 * const driver = peer.attach(stack);             // frames in + timers, on the real clock
 * await peer.exec(['ping', '-c', '1', '10.99.1.2']);
 * await peer.close();                             // always (in `after`), also on failure
 * ```
 * Everything created is also removed at process exit if `close` was never reached.
 * @module
 */

import type { ChildProcess } from 'node:child_process';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { createSocket } from 'node:dgram';
import { accessSync, constants } from 'node:fs';
import { Stack } from '../../src/stack/stack.ts';

/** The part of a Stack the harness drives (kept structural so TCP-only tests can pass their own). */
export interface DrivenStack {
  receiveFrame(frame: Uint8Array, now: number): void;
  poll(now: number): void;
  nextDeadline(): number;
}

/** Options of {@link createKernelPeer}. */
export interface KernelPeerOptions {
  /** Addresses Linux gets on its TAP, in CIDR form (`'10.99.0.1/24'`, `'fd99::1/64'`). */
  linuxAddresses: string[];
  /** MTU of the TAP (default 2800, ZeroTier's; up to 65521 so a frame fits one UDP datagram). */
  mtu?: number;
  /** Extra `ip` commands run inside the namespace after setup (each an argv without the leading `ip`). */
  setup?: string[][];
}

/** Result of a command run in the namespace. */
export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Drives a stack on the real clock: frames from Linux in, timers fired at `nextDeadline()`. */
export interface StackDriver {
  /** Re-reads the stack's deadline (call after API calls that may send, e.g. `udp.send`). */
  kick(): void;
  /** The clock given to the stack (ms, monotonic). */
  now(): number;
  stop(): void;
}

/** A running Linux peer. */
export interface KernelPeer {
  /** The namespace name. */
  readonly ns: string;
  /** The TAP name inside the namespace. */
  readonly tap: string;
  /** Linux's MAC on the TAP. */
  readonly linuxMac: Uint8Array;
  /** A fresh locally administered MAC for our stack. */
  readonly ourMac: Uint8Array;
  readonly mtu: number;
  /** Sends one Ethernet frame to Linux. */
  send(frame: Uint8Array): void;
  /** Frames from Linux (replaces the previous handler). `attach` sets it. */
  onFrame: ((frame: Uint8Array) => void) | null;
  /** Connects a stack: frames from Linux go to `stack.receiveFrame`, timers run. */
  attach(stack: DrivenStack): StackDriver;
  /** Runs `argv` inside the namespace and waits (default timeout 20 s). */
  exec(argv: string[], opts?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  /** Starts `argv` inside the namespace; killed by `close()`. */
  spawn(argv: string[]): ChildProcess;
  /** Resolves once a TCP socket listens on `port` inside the namespace (a started socat binds asynchronously). */
  waitListening(port: number, timeoutMs?: number): Promise<void>;
  /** Kills everything started, deletes the namespace (and with it the TAP). Idempotent. */
  close(): Promise<void>;
}

function which(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      accessSync(`${dir}/${cmd}`, constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/** Why kernel-peer tests cannot run here, or null when they can (checked once per process). */
export function kernelSkipReason(): string | null {
  if (skipReason === undefined) skipReason = probeKernel();
  return skipReason;
}
let skipReason: string | null | undefined;

function probeKernel(): string | null {
  if (process.platform !== 'linux') return 'kernel-peer tests need Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'kernel-peer tests need root (network namespaces and TAP devices)';
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    return 'kernel-peer tests need /dev/net/tun';
  }
  if (!which('socat')) return 'kernel-peer tests need socat (apt-get install socat)';
  if (!which('ip')) return 'kernel-peer tests need ip (apt-get install iproute2)';
  if (!which('ping')) return 'kernel-peer tests need ping (apt-get install iputils-ping)';
  // Root is not enough in some containers (no CAP_SYS_ADMIN / CAP_NET_ADMIN, or a TUN device that cannot be
  // opened): try what the harness will do, inside a throw-away namespace so nothing on the host is touched.
  const probe = `ztk-${process.pid}-0`;
  const why = (e: unknown) =>
    String((e as { stderr?: unknown }).stderr ?? e)
      .trim()
      .split('\n')[0];
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
  } catch (e) {
    return `kernel-peer tests cannot create a network namespace: ${why(e)}`;
  }
  try {
    execFileSync('ip', ['netns', 'exec', probe, 'ip', 'tuntap', 'add', 'mode', 'tap', 'name', 'ztkprobe'], {
      stdio: 'pipe',
    });
  } catch (e) {
    return `kernel-peer tests cannot create a TAP device: ${why(e)}`;
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
    } catch {}
  }
  return null;
}

const live = new Set<{ ns: string; procs: ChildProcess[] }>();

/** Synchronous teardown of everything still alive (process exit, or a signal that ends the run). */
function cleanupAll(): void {
  for (const l of live) {
    for (const p of l.procs) p.kill('SIGKILL');
    try {
      execFileSync('ip', ['netns', 'del', l.ns], { stdio: 'ignore' });
    } catch {}
  }
  live.clear();
}
process.on('exit', cleanupAll);
// 'exit' does not run when a signal kills the process (the test runner's timeout sends SIGTERM): clean up,
// then die of the same signal's usual exit code.
for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(sig, () => {
    cleanupAll();
    process.exit(code);
  });
}

/** Deletes namespaces left by earlier runs that died without cleaning up (only ours: `ztk-<dead pid>-…`). */
function reapStale(): void {
  let list = '';
  try {
    list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  } catch {
    return;
  }
  for (const line of list.split('\n')) {
    const m = /^(ztk-(\d+)-[0-9a-f]+)\b/.exec(line.trim());
    if (!m || Number(m[2]) === process.pid) continue;
    try {
      process.kill(Number(m[2]), 0);
      continue; // that run is still alive
    } catch {}
    try {
      execFileSync('ip', ['netns', 'del', m[1]], { stdio: 'ignore' });
    } catch {}
  }
}

function run(cmd: string, argv: string[], timeoutMs = 20_000, input?: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      argv,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : null
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function mustRun(cmd: string, argv: string[]): Promise<void> {
  const r = await run(cmd, argv);
  if (r.code !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
}

function bindUdp(port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the namespace, the TAP (through socat) and Linux's addresses. Throws (after cleaning up) on failure. */
export async function createKernelPeer(opts: KernelPeerOptions): Promise<KernelPeer> {
  reapStale();
  // socat's UDP port is picked free then handed over, so another process can take it in between: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await createOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !String(e).includes('socat did not create')) throw e;
    }
  }
}

async function createOnce(opts: KernelPeerOptions): Promise<KernelPeer> {
  const id = randomBytes(3).toString('hex');
  const ns = `ztk-${process.pid}-${id}`;
  const tap = `ztk${id}`; // IFNAMSIZ is 16: keep it short
  const mtu = opts.mtu ?? 2800;
  const linuxMac = new Uint8Array([0x02, 0x4c, 0x58, ...randomBytes(3)]); // "LX"
  const ourMac = new Uint8Array([0x02, 0x5a, 0x54, ...randomBytes(3)]); // "ZT"
  const procs: ChildProcess[] = [];
  const entry = { ns, procs };
  live.add(entry);

  const sock = await bindUdp();
  const ourPort = sock.address().port;
  // socat's source port: take a free one and hand it over (a tiny race on a shared machine, retried below).
  const probe = await bindUdp();
  const socatPort = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));

  const peer: KernelPeer = {
    ns,
    tap,
    linuxMac,
    ourMac,
    mtu,
    onFrame: null,
    send(frame) {
      sock.send(frame, socatPort, '127.0.0.1');
    },
    attach(stack) {
      const t0 = performance.now();
      const now = () => performance.now() - t0;
      let timer: NodeJS.Timeout | null = null;
      let stopped = false;
      const kick = () => {
        if (stopped) return;
        if (timer) clearTimeout(timer);
        timer = null;
        const d = stack.nextDeadline();
        if (d === Number.POSITIVE_INFINITY) return;
        const wait = Math.max(0, Math.min(1000, d - now()));
        timer = setTimeout(() => {
          timer = null;
          stack.poll(now());
          kick();
        }, wait);
      };
      peer.onFrame = (f) => {
        stack.receiveFrame(f, now());
        kick();
      };
      // A slow safety net for deadlines moved by API calls the test forgot to `kick()` after.
      const iv = setInterval(kick, 20);
      kick();
      return {
        kick,
        now,
        stop() {
          stopped = true;
          if (timer) clearTimeout(timer);
          clearInterval(iv);
          peer.onFrame = null;
        },
      };
    },
    exec(argv, o) {
      return run('ip', ['netns', 'exec', ns, ...argv], o?.timeoutMs, o?.input);
    },
    spawn(argv) {
      const p = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
      procs.push(p);
      return p;
    },
    async waitListening(port, timeoutMs = 20_000) {
      const t0 = Date.now();
      while (Date.now() - t0 < timeoutMs) {
        const r = await run('ip', ['netns', 'exec', ns, 'ss', '-Hltn', `sport = :${port}`]);
        if (r.stdout.trim() !== '') return;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error(`nothing listens on TCP ${port} in ${ns}`);
    },
    async close() {
      if (!live.has(entry)) return;
      live.delete(entry);
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await run('ip', ['netns', 'del', ns]);
      await new Promise<void>((r) => sock.close(() => r()));
    },
  };
  sock.on('message', (msg) => peer.onFrame?.(new Uint8Array(msg.buffer, msg.byteOffset, msg.length)));

  try {
    await mustRun('ip', ['netns', 'add', ns]);
    const socat = spawn(
      'socat',
      [
        // One read = one frame: the block size must hold the largest frame (socat's default is 8192).
        '-b',
        '65536',
        `TUN,tun-type=tap,tun-name=${tap},iff-no-pi`,
        `UDP-DATAGRAM:127.0.0.1:${ourPort},bind=127.0.0.1:${socatPort}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    procs.push(socat);
    let socatErr = '';
    socat.stderr?.on('data', (d) => {
      socatErr += String(d);
    });
    // Wait for socat to create the TAP in the host namespace, then move it into ours at once.
    for (let i = 0; ; i++) {
      const r = await run('ip', ['link', 'show', tap]);
      if (r.code === 0) break;
      if (socat.exitCode !== null || i > 100)
        throw new Error(`socat did not create ${tap}: ${socatErr.trim()}`);
      await sleep(30);
    }
    await mustRun('ip', ['link', 'set', tap, 'netns', ns]);
    const nsx = (argv: string[]) => mustRun('ip', ['netns', 'exec', ns, ...argv]);
    await nsx(['ip', 'link', 'set', 'lo', 'up']);
    // No Duplicate Address Detection: addresses are usable at once and Linux sends fewer stray frames.
    // (through /proc rather than sysctl(8), which minimal images lack; /proc/sys/net is per namespace)
    await nsx(['sh', '-c', `echo 0 > /proc/sys/net/ipv6/conf/${tap}/accept_dad`]);
    await nsx(['sh', '-c', `echo 0 > /proc/sys/net/ipv6/conf/${tap}/router_solicitations`]);
    await nsx([
      'ip',
      'link',
      'set',
      tap,
      'address',
      Array.from(linuxMac, (b) => b.toString(16).padStart(2, '0')).join(':'),
    ]);
    await nsx(['ip', 'link', 'set', tap, 'mtu', String(mtu), 'up']);
    for (const a of opts.linuxAddresses) await nsx(['ip', 'addr', 'add', a, 'dev', tap]);
    for (const c of opts.setup ?? []) await nsx(['ip', ...c]);
    return peer;
  } catch (e) {
    await peer.close();
    throw e;
  }
}

/** `aa:bb:..` of a MAC. */
export function macText(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** A per-run dual-stack subnet of a kernel-peer test: Linux is `.1` / `::1`, our stack `.2` / `::2`. */
export interface KernelSubnet {
  /** The first three octets of the IPv4 subnet (`10.<second>.<n>`), for other hosts in it. */
  readonly prefix4: string;
  /** The IPv6 /64 up to `::` (`fd<second>:<n hex>`), for other hosts in it. */
  readonly prefix6: string;
  readonly LINUX4: string;
  readonly OURS4: string;
  readonly LINUX6: string;
  readonly OURS6: string;
}

/**
 * `10.<second>.<n>.0/24` and `fd<second>:<n>::/64`, where `n` comes from the process id (plus `salt`, so the
 * files of one run pick different `n`): parallel runs on one machine never collide.
 */
export function kernelSubnet(second: number, salt: number): KernelSubnet {
  const n = 1 + ((process.pid + salt) % 250);
  return {
    prefix4: `10.${second}.${n}`,
    prefix6: `fd${second}:${n.toString(16)}`,
    LINUX4: `10.${second}.${n}.1`,
    OURS4: `10.${second}.${n}.2`,
    LINUX6: `fd${second}:${n.toString(16)}::1`,
    OURS6: `fd${second}:${n.toString(16)}::2`,
  };
}

/**
 * The usual setup: a kernel peer holding `LINUX4/24` and `LINUX6/64`, and a Stack with `OURS4/24` and
 * `OURS6/64` on the other end of the TAP, attached. Stop it with {@link stopStackPeer} (in `after`).
 */
export async function startStackPeer(
  s: KernelSubnet,
): Promise<{ peer: KernelPeer; stack: Stack; driver: StackDriver }> {
  const peer = await createKernelPeer({ linuxAddresses: [`${s.LINUX4}/24`, `${s.LINUX6}/64`] });
  const stack = new Stack({
    mac: peer.ourMac,
    mtu: peer.mtu,
    onFrame: (f) => peer.send(f),
    addresses: [
      { address: s.OURS4, prefixLength: 24 },
      { address: s.OURS6, prefixLength: 64 },
    ],
  });
  return { peer, stack, driver: peer.attach(stack) };
}

/** Stops the driver and closes the peer; either may be missing when setup failed part-way. */
export async function stopStackPeer(
  driver: StackDriver | undefined,
  peer: KernelPeer | undefined,
): Promise<void> {
  driver?.stop();
  await peer?.close();
}
