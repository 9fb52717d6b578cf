/**
 * `ztsdk node … --join NWID [--frame-log]`: joins networks with the VL2 manager (src/core/vl2)
 * on the runner's node and prints their status, assigned addresses and routes on every change:
 * with `--json`, `{"event":"network","id":…,"status":"OK","name":…,"mac":…,"addresses":["10.147.17.12/24",…],"routes":[…],…}`.
 *
 * `--frame-log` prints one line per Ethernet frame crossing a joined network's port (`dir` `rx`
 * for received, `tx` for sent), with MACs, ethertype and a summary (`ARP who-has …`): before a
 * TCP/IP stack is attached this proves what reaches the port.
 *
 * `--stack` attaches our user-space TCP/IP stack (src/stack) to each joined network's port, so the
 * node answers ARP, neighbour discovery and ping on its assigned addresses.
 *
 * Configs are persisted as `networks.d/<nwid>.conf` in the state directory and reused at the next
 * start. The manager and the stacks are polled on the runner's one timer (architecture.md: one timer
 * per node); an inbound frame kicks it, since it can move a stack's deadline.
 * @module
 */
import { randomFillSync } from 'node:crypto';
import type { NetworkInfo, Vl2Event } from '../core/vl2/network.ts';
import { Vl2 } from '../core/vl2/vl2.ts';
import type { EthernetPort } from '../link/ethernet-port.ts';
import { afterEachFrame, bindStack } from '../link/stack-binding.ts';
import { formatNetworkId, parseNetworkId } from '../protocol/address.ts';
import type { NodeRunner } from '../runtime/node-runner.ts';
import type { StateStore } from '../runtime/store.ts';
import { Stack } from '../stack/stack.ts';
import { summarizeFrame } from './inspect/frame-summary.ts';

/** Parses `--join` values; throws Error with a user-facing message. */
export function parseJoinIds(values: readonly string[]): bigint[] {
  return values.map((v) => {
    const id = parseNetworkId(v);
    if (id === null || id === 0n) throw new Error(`--join needs a 16-hex-digit network id, not '${v}'`);
    return id;
  });
}

/** One printed line for a network change. */
export function formatNetwork(n: NetworkInfo, json: boolean): string {
  if (json) return JSON.stringify({ event: 'network', ...n });
  const routes = n.routes.map((r) => `${r.target}${r.via ? ` via ${r.via}` : ''}`).join(', ');
  return (
    `network ${n.id} ${n.status}${n.name ? ` "${n.name}"` : ''} mac ${n.mac} mtu ${n.mtu}` +
    `${n.addresses.length ? ` addresses ${n.addresses.join(', ')}` : ''}${routes ? ` routes ${routes}` : ''}` +
    `${n.authenticationUrl ? ` auth ${n.authenticationUrl}` : ''}`
  );
}

/** One printed line for a frame on a port. */
export function formatFrame(id: string, dir: 'rx' | 'tx', f: Uint8Array, json: boolean): string {
  const s = summarizeFrame(f.subarray(0, 6), f.subarray(6, 12), (f[12] << 8) | f[13], f.subarray(14));
  if (json)
    return JSON.stringify({
      event: 'frame',
      network: id,
      dir,
      src: s.srcMac,
      dst: s.dstMac,
      ethertype: `0x${s.ethertype.toString(16).padStart(4, '0')}`,
      length: f.length,
      summary: s.text,
    });
  return `frame ${id} ${dir} ${s.srcMac} > ${s.dstMac} ${s.text} (${f.length} bytes)`;
}

/** The joined networks of a running `ztsdk node`. */
export interface JoinedNetworks {
  readonly vl2: Vl2;
  /** The stacks attached with `--stack`, one per joined network (in `--join` order). */
  readonly stacks: readonly Stack[];
  /** Takes the manager and stacks off the runner's timer and waits for pending config writes. */
  stop(): Promise<void>;
}

/**
 * Joins `ids` on the runner's node (call after `runner.start()`), printing changes with `print`.
 * @throws Error if the runner has no node yet.
 */
export async function joinNetworks(
  runner: NodeRunner,
  store: StateStore,
  ids: readonly bigint[],
  o: { json: boolean; frameLog: boolean; verbose: boolean; stack?: boolean },
  print: (line: string) => void,
): Promise<JoinedNetworks> {
  const node = runner.node;
  if (!node) throw new Error('joinNetworks: start the runner first');
  const writes = new Set<Promise<void>>();
  const onEvent = (e: Vl2Event) => {
    if (e.type === 'network') print(formatNetwork(e.network, o.json));
    else if (e.type === 'persist') {
      const w = (e.data === null ? store.delete(e.key) : store.put(e.key, e.data)).catch((err: Error) =>
        print(
          o.json
            ? JSON.stringify({ event: 'warning', message: `could not persist ${e.key}: ${err.message}` })
            : `warning: could not persist ${e.key}: ${err.message}`,
        ),
      );
      writes.add(w);
      void w.finally(() => writes.delete(w));
    } else if (o.verbose)
      print(o.json ? JSON.stringify({ event: 'trace', message: e.message }) : `trace ${e.message}`);
  };
  const random = (n: number) => randomFillSync(new Uint8Array(n));
  const stacks: Stack[] = [];
  const vl2 = new Vl2(node, {
    random,
    now: Date.now(),
    clock: () => Date.now(),
    event: onEvent,
    defer: queueMicrotask,
  });
  for (const id of ids) {
    const hex = formatNetworkId(id);
    let saved: Uint8Array | undefined;
    try {
      saved = await store.get(`networks.d/${hex}.conf`);
    } catch {
      saved = undefined;
    }
    const net = vl2.join(id, Date.now(), saved);
    if (o.frameLog) logFrames(net.port, hex, o.json, print);
    if (o.stack) {
      const port = net.port;
      const stack = new Stack({ mac: port.mac, mtu: port.mtu, random, onFrame: (f) => port.send(f) });
      bindStack(
        port,
        afterEachFrame(stack, () => runner.kick()),
        () => Date.now(),
      );
      stacks.push(stack);
      runner.addPollable(stack);
    }
  }
  runner.addPollable(vl2);
  return {
    vl2,
    stacks,
    async stop() {
      runner.deletePollable(vl2);
      for (const s of stacks) runner.deletePollable(s);
      while (writes.size > 0) await Promise.all([...writes]);
    },
  };
}

function logFrames(port: EthernetPort, id: string, json: boolean, print: (line: string) => void): void {
  port.on('frame', (f) => print(formatFrame(id, 'rx', f, json)));
  port.on('transmit', (f) => print(formatFrame(id, 'tx', f, json)));
}
