/**
 * `ztsdk node --state DIR [--planet FILE] [--port N] [--json]`: runs a ZeroTier node (VL1) in the
 * foreground and prints its events — online/offline, peers direct or relayed, paths learned,
 * USER_MESSAGEs — until SIGINT/SIGTERM, then stops cleanly (exit 0).
 *
 * State lives in DIR with the reference's layout (protocol.md §7.4; created if needed, identity
 * generated on first start). `--planet FILE` is a custom planet (e.g. from `ztsdk mkworld`): it
 * wins over the default and is stored as DIR/planet.
 *
 * `--json`: one JSON object per line, each with an `event` field. The first line is
 * `{"event":"start","address":"<10 hex>","port":<primary>,"ports":[…],"planet":"<id>",…}`; then
 * `online`, `offline`, `peer` (`address` = the peer's, `role`, `direct`, `latency`, `version`),
 * `path` (`address`, `path` "ip/port", `state`), `user-message` (`from`, `typeId` hex, `data` base64),
 * `identity-collision`, `warning` (`message`), and finally `stop` (`signal`, and the node's
 * `counters`: packets received/sent per verb, drops per reason, relayed, united). An identity
 * collision reported by a root is fatal, as in the reference: the node stops and exits 1. `--verbose` adds `persist`
 * and `trace`. Start failures print the reason on stderr and exit 1.
 *
 * `ztsdk root` (root.ts) is the same runner with `role: 'root'`; both share {@link runNodeCli}.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { NodeEvent } from '../core/node.ts';
import { type World, WorldType } from '../protocol/world.ts';
import { NodeRunner, type StartInfo } from '../runtime/node-runner.ts';
import { parseWorld } from '../runtime/state.ts';
import { FileStore } from '../runtime/store.ts';
import { joinNetworks, parseJoinIds } from './node-networks.ts';

const HELP = `usage: ztsdk node --state DIR [--planet FILE] [--port N] [--json]

Runs a ZeroTier node in the foreground and prints its events until Ctrl-C.
  --state DIR        state directory (identity.secret, planet, peers.d, moons.d); created if needed
  --planet FILE      a custom planet (e.g. made with 'ztsdk mkworld'); stored as DIR/planet
  --port N           primary UDP port (default 0: random; the reference uses 9993)
  --secondary-port N secondary UDP port (default: random in 20000-65499; 'none' for none)
  --bind ADDR        local address to bind (default: all, IPv4 and IPv6)
  --moon FILE        a moon to use (stored as DIR/moons.d/<id>.moon); repeatable
  --orbit ID[:SEED]  orbit moon ID (16 hex), fetched from SEED (10 hex; default: ID's low 40 bits)
  --json             one JSON object per line ({"event": ...}); the first has the node's address
  --verbose          also print state writes and core traces
  --join NWID        join a network (repeatable); prints its status, addresses and routes on change
  --frame-log        with --join: print one line per Ethernet frame received/sent on a joined network
  --stack            with --join: attach the user-space TCP/IP stack (answers ARP, NDP and ping)
`;

/** The core's latency before the first measurement (0xffff, §9.3): printed as nothing. */
const UNKNOWN_LATENCY = 0xffff;

/** Parsed options shared by `ztsdk node` and `ztsdk root`. */
export interface NodeCliOptions {
  state: string;
  planetFile?: string;
  port?: number;
  secondaryPort?: number | false;
  bind?: string;
  /** Moon files to install into moons.d before starting. */
  moonFiles?: string[];
  /** Moons to orbit once started: ID and optional seed address. */
  orbits?: { id: bigint; seed?: string }[];
  json: boolean;
  verbose: boolean;
  /** `--join` network ids (16 hex digits each); see node-networks.ts. */
  join?: string[];
  /** `--frame-log`. */
  frameLog?: boolean;
  /** `--stack`. */
  stack?: boolean;
}

/** Parses the shared options; throws Error with a user-facing message on bad input. */
export function parseNodeArgs(argv: string[]): NodeCliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      state: { type: 'string' },
      planet: { type: 'string' },
      port: { type: 'string' },
      'secondary-port': { type: 'string' },
      bind: { type: 'string' },
      moon: { type: 'string', multiple: true },
      orbit: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      join: { type: 'string', multiple: true },
      'frame-log': { type: 'boolean', default: false },
      stack: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (!values.state) throw new Error('--state DIR is required');
  const port = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) > 65535)
      throw new Error(`${name} must be a UDP port 0-65535, not '${v}'`);
    return Number(v);
  };
  const sp = values['secondary-port'];
  const orbits = (values.orbit ?? []).map((v) => {
    const m = /^([0-9a-fA-F]{1,16})(?::([0-9a-fA-F]{10}))?$/.exec(v);
    if (!m) throw new Error(`--orbit must be ID[:SEED] (16 and 10 hex digits), not '${v}'`);
    return { id: BigInt(`0x${m[1]}`), seed: m[2] };
  });
  return {
    state: values.state,
    planetFile: values.planet,
    port: port(values.port, '--port'),
    secondaryPort: sp === 'none' ? false : port(sp, '--secondary-port'),
    bind: values.bind,
    moonFiles: values.moon ?? [],
    orbits,
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    join: values.join ?? [],
    frameLog: values['frame-log'] ?? false,
    stack: values.stack ?? false,
  };
}

/** Reads a world file (`what`: 'planet' or 'moon', for messages); throws Error naming the file. */
export function readWorldFile(path: string, what: 'planet' | 'moon'): World {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(
      `cannot read ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseWorld(bytes, `${what} file ${path}`);
}

/** Reads a planet file; throws Error naming the file. */
export function readPlanetFile(path: string): World {
  return readWorldFile(path, 'planet');
}

/** One line of output for an event (JSON, or text for people); undefined to print nothing. */
export function formatEvent(e: NodeEvent, json: boolean, verbose: boolean): string | undefined {
  if ((e.type === 'persist' || e.type === 'trace') && !verbose) return undefined;
  if (json) {
    const { type, ...rest } = e as NodeEvent & Record<string, unknown>;
    const out: Record<string, unknown> = { event: type, ...rest };
    if (e.type === 'user-message') {
      out.typeId = `0x${e.typeId.toString(16)}`;
      out.data = Buffer.from(e.data).toString('base64');
    }
    if (e.type === 'persist') out.data = e.data === null ? null : e.data.length;
    return JSON.stringify(out);
  }
  switch (e.type) {
    case 'online':
      return 'ONLINE';
    case 'offline':
      return 'OFFLINE';
    case 'peer':
      return `peer ${e.address} ${e.role.toUpperCase()} ${e.direct ? 'DIRECT' : 'RELAYED'}${
        e.latency >= 0 && e.latency < UNKNOWN_LATENCY ? ` ${e.latency}ms` : ''
      }${e.version ? ` v${e.version}` : ''}`;
    case 'path':
      return `path ${e.address} ${e.path} ${e.state}`;
    case 'user-message':
      return `user-message from ${e.from} type 0x${e.typeId.toString(16)} (${e.data.length} bytes)`;
    case 'identity-collision':
      return 'IDENTITY COLLISION: another node has our address with a different key (a root said so)';
    case 'persist':
      return `persist ${e.key}${e.data === null ? ' (deleted)' : ` (${e.data.length} bytes)`}`;
    case 'trace':
      return `trace ${e.message}`;
  }
}

function startLine(info: StartInfo, json: boolean, command: string): string {
  if (json)
    return JSON.stringify({
      event: 'start',
      address: info.address,
      port: info.ports[0],
      ports: info.ports,
      role: info.role,
      planet: info.planet.id.toString(),
      planetTimestamp: info.planet.timestamp,
      planetSource: info.planetSource,
      moons: info.moons.map((m) => m.id.toString(16).padStart(16, '0')),
      identityCreated: info.identityCreated,
    });
  const roots = info.planet.roots.map((r) => r.identity.addressString).join(', ');
  return (
    `ztsdk ${command}: ${info.role} ${info.address}${info.identityCreated ? ' (new identity)' : ''} on UDP ` +
    `${info.ports.join(', ')}; planet ${info.planet.id} (${info.planetSource}; roots ${roots})`
  );
}

/** The first SIGINT/SIGTERM, as a promise; `cancel` removes the handlers. */
function untilSignal(): { signal: Promise<NodeJS.Signals>; cancel: () => void } {
  let on: (sig: NodeJS.Signals) => void = () => undefined;
  const cancel = () => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    on = (sig: NodeJS.Signals) => {
      cancel();
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  return { signal, cancel };
}

/**
 * Runs a node until a signal: the body of `ztsdk node` and `ztsdk root`. `check` may veto the
 * configuration before anything is bound (throwing an Error with the message to print).
 * @returns the exit code (0 after a clean stop, 1 if it could not start).
 */
export async function runNodeCli(
  command: 'node' | 'root',
  o: NodeCliOptions,
  extra: {
    role?: 'root';
    defaultPort?: (planet: World | undefined, store: FileStore) => Promise<number>;
  } = {},
): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (msg: string) => process.stderr.write(`ztsdk ${command}: ${msg}\n`);
  let runner: NodeRunner;
  let store: FileStore;
  let joinIds: bigint[];
  try {
    joinIds = parseJoinIds(o.join ?? []);
    const planet = o.planetFile !== undefined ? readPlanetFile(o.planetFile) : undefined;
    store = new FileStore(o.state);
    for (const f of o.moonFiles ?? []) {
      const moon = readWorldFile(f, 'moon');
      if (moon.type !== WorldType.MOON) throw new Error(`${f} is a planet, not a moon`);
      await store.put(`moons.d/${moon.id.toString(16).padStart(16, '0')}.moon`, moon.toBytes());
    }
    // (always run: for a root it also checks the state directory before anything is bound)
    const defaultPort = extra.defaultPort ? await extra.defaultPort(planet, store) : 0;
    const port = o.port ?? defaultPort;
    runner = new NodeRunner({
      store,
      planet,
      port,
      secondaryPort: o.secondaryPort,
      bindAddress: o.bind,
      role: extra.role,
    });
  } catch (e) {
    err((e as Error).message);
    return 1;
  }
  const { signal, cancel } = untilSignal();
  // Lines raised while starting (a root is online at once) wait for the start line: the first
  // line always says who we are.
  let early: string[] | undefined = [];
  const print = (line: string) => (early ? early.push(line) : out(line));
  runner.on('event', (e) => {
    const line = formatEvent(e, o.json, o.verbose);
    if (line !== undefined) print(line);
  });
  runner.on('warning', (w) =>
    o.json ? print(JSON.stringify({ event: 'warning', message: w })) : err(`warning: ${w}`),
  );
  let info: StartInfo;
  try {
    info = await runner.start();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    err(code === 'EADDRINUSE' ? `UDP port in use (${(e as Error).message})` : (e as Error).message);
    await runner.stop();
    cancel();
    return 1;
  }
  try {
    for (const orbit of o.orbits ?? []) runner.orbit(orbit.id, orbit.seed);
  } catch (e) {
    err((e as Error).message);
    await runner.stop();
    cancel();
    return 1;
  }
  out(startLine(info, o.json, command));
  for (const line of early) out(line);
  early = undefined;
  const nets =
    joinIds.length > 0
      ? await joinNetworks(runner, store, joinIds, { ...o, frameLog: o.frameLog === true }, out)
      : undefined;
  // An identity collision (a root says another node has our address, §6.3) is fatal, as in the
  // reference service: the node cannot work under this address; a new identity is the user's call.
  const collision = new Promise<'collision'>((resolve) =>
    runner.once('identity-collision', () => resolve('collision')),
  );
  const why = await Promise.race([signal, collision]);
  cancel();
  await nets?.stop();
  await runner.stop();
  if (why === 'collision') {
    err(
      `identity collision: another node uses address ${info.address} with a different key; ` +
        `stopping (move ${o.state}/identity.secret and identity.public away to get a new identity)`,
    );
    return 1;
  }
  const sig = why;
  const c = runner.counters;
  const counters = c && {
    received: c.received,
    sent: c.sent,
    drops: c.drops,
    relayed: c.relayed,
    united: c.united,
    datagramsReceived: c.datagramsReceived,
    datagramsSent: c.datagramsSent,
  };
  out(o.json ? JSON.stringify({ event: 'stop', signal: sig, counters }) : `stopped (${sig})`);
  return 0;
}

/** `ztsdk node …`: see the module documentation. */
export async function run(argv: string[]): Promise<number> {
  let o: NodeCliOptions | 'help';
  try {
    o = parseNodeArgs(argv);
  } catch (e) {
    process.stderr.write(`ztsdk node: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  return runNodeCli('node', o);
}
