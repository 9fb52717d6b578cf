/**
 * `ztsdk idtool <command> [<args>]`: the same commands, outputs, exit codes and file formats as the
 * reference's `zerotier-idtool` (1.14), so scripts written for it keep working:
 *
 *   generate [<identity.secret>] [<identity.public>] [<vanity>]
 *   validate <identity.secret/public>
 *   getpublic <identity.secret>
 *   sign <identity.secret> <file>
 *   verify <identity.secret/public> <file> <signature>
 *   initmoon <identity.public of first seed>
 *   genmoon <moon json>
 *
 * Like the reference, identity arguments are either a literal identity (longer than 32 characters
 * with ':' at index 10) or a file holding one; identity files are written without a newline;
 * `generate`/`getpublic`/`sign` print without a trailing newline; `genmoon` writes
 * `<16-hex id>.moon` into the current directory.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { c25519Public } from '../crypto/c25519.ts';
import { formatAddress } from '../protocol/address.ts';
import { Identity } from '../protocol/identity.ts';
import { type InetAddress, parseInetAddress } from '../protocol/inet-address.ts';
import { World, type WorldRoot, WorldType } from '../protocol/world.ts';
import { fromHex, toHex } from '../util/bytes.ts';

const USAGE = `ztsdk idtool (zerotier-idtool compatible, ZeroTier 1.14)
Usage: ztsdk idtool <command> [<args>]

Commands:
  generate [<identity.secret>] [<identity.public>] [<vanity>]
  validate <identity.secret/public>
  getpublic <identity.secret>
  sign <identity.secret> <file>
  verify <identity.secret/public> <file> <signature>
  initmoon <identity.public of first seed>
  genmoon <moon json>
`;

/** Where the command writes; injectable so tests can capture output. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** Directory `genmoon` writes into (default: the current directory). */
  cwd?: string;
  /** Clock for `genmoon` timestamps (default Date.now). */
  now?: () => number;
}

const processIo: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Reads an identity the way the reference does: a literal, or the contents of a file. Null if neither parses. */
export function identityFromArg(arg: string): Identity | null {
  let text: string;
  if (arg.length > 32 && arg[10] === ':') text = arg;
  else {
    try {
      text = readFileSync(arg, 'utf8');
    } catch {
      return null;
    }
  }
  const id = Identity.fromString(text.trim());
  return id.ok ? id.value : null;
}

function readable(path: string): Uint8Array | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/** Hex → bytes, ignoring what is not a hex digit pair, like the reference's lenient `unhex`. */
function lenientHex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, '');
  return fromHex(clean.length % 2 ? clean.slice(0, -1) : clean);
}

/** Runs `idtool` with its arguments; returns the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const [cmd, ...a] = argv;
  const help = () => {
    io.out(USAGE);
    return 1;
  };
  switch (cmd) {
    case 'generate':
      return generate(a, io);
    case 'validate': {
      if (a.length < 1) return help();
      const id = identityFromArg(a[0]);
      if (!id) return fail(io, `Identity argument invalid or file unreadable: ${a[0]}`);
      if (!id.locallyValidate()) return fail(io, `${a[0]} FAILED validation.`);
      io.out(`${a[0]} is a valid identity\n`);
      return 0;
    }
    case 'getpublic': {
      if (a.length < 1) return help();
      const id = identityFromArg(a[0]);
      if (!id) return fail(io, `Identity argument invalid or file unreadable: ${a[0]}`);
      io.out(id.toString(false));
      return 0;
    }
    case 'sign': {
      if (a.length < 2) return help();
      const id = identityFromArg(a[0]);
      if (!id) return fail(io, `Identity argument invalid or file unreadable: ${a[0]}`);
      if (!id.hasPrivate)
        return fail(io, `${a[0]} does not contain a private key (must use private to sign)`);
      const data = readable(a[1]);
      if (!data) return fail(io, `${a[1]} is not readable`);
      io.out(toHex(id.sign(data)));
      return 0;
    }
    case 'verify': {
      if (a.length < 3) return help();
      const id = identityFromArg(a[0]);
      if (!id) return fail(io, `Identity argument invalid or file unreadable: ${a[0]}`);
      const data = readable(a[1]);
      if (!data) return fail(io, `${a[1]} is not readable`);
      // The signature is hex on the command line, or a file holding the hex (the reference tries both).
      const good = (sig: Uint8Array) => sig.length > 5 && id.verify(data, sig);
      let ok = good(lenientHex(a[2]));
      if (!ok) {
        const f = readable(a[2]);
        ok = f !== null && good(lenientHex(Buffer.from(f).toString('latin1')));
      }
      if (!ok) return fail(io, `${a[1]} signature check FAILED`);
      io.out(`${a[1]} signature valid\n`);
      return 0;
    }
    case 'initmoon': {
      if (a.length < 1) {
        io.out(USAGE);
        return 0;
      }
      const id = identityFromArg(a[0]);
      if (!id) return fail(io, `${a[0]} is not a valid identity`);
      io.out(`${initMoonJson(id, randomBytes(64))}\n`);
      return 0;
    }
    case 'genmoon': {
      if (a.length < 1) {
        io.out(USAGE);
        return 0;
      }
      return genMoon(a[0], io);
    }
    default:
      return help();
  }
}

function fail(io: Io, msg: string): number {
  io.err(`${msg}\n`);
  return 1;
}

function generate(a: string[], io: Io): number {
  // Vanity: the first 4·len(hex) bits of the address must equal the given hex prefix.
  let vanity = 0;
  let vanityBits = 0;
  if (a.length >= 3) {
    const hex = a[2].replace(/[^0-9a-fA-F].*$/, '');
    vanity = hex ? Number.parseInt(hex.slice(0, 10), 16) : 0;
    vanityBits = Math.min(40, 4 * a[2].length);
  }
  let id: Identity;
  for (;;) {
    id = Identity.generate((n) => randomBytes(n));
    const top = vanityBits === 0 ? 0 : Math.floor(id.address / 2 ** (40 - vanityBits));
    if (top === vanity) {
      if (vanityBits > 0) io.err(`vanity address: found ${formatAddress(id.address)} !\n`);
      break;
    }
    io.err(
      `vanity address: tried ${formatAddress(id.address)} looking for first ${vanityBits} bits of ${formatAddress(vanity * 2 ** (40 - vanityBits))}\n`,
    );
  }
  if (a.length >= 1) {
    try {
      writeFileSync(a[0], id.toString(true), { mode: 0o600 });
    } catch {
      return fail(io, `Error writing to ${a[0]}`);
    }
    io.out(`${a[0]} written\n`);
    if (a.length >= 2) {
      try {
        writeFileSync(a[1], id.toString(false));
      } catch {
        return fail(io, `Error writing to ${a[1]}`);
      }
      io.out(`${a[1]} written\n`);
    }
  } else {
    io.out(id.toString(true));
  }
  return 0;
}

/** The moon template `initmoon` prints: sorted keys, one-space indent, like the reference's JSON dump. */
export function initMoonJson(seed: Identity, signingPrivate: Uint8Array): string {
  const pub = toHex(c25519Public(signingPrivate));
  const moon = {
    id: seed.addressString,
    objtype: 'world',
    roots: [{ identity: seed.toString(false), stableEndpoints: [] as string[] }],
    signingKey: pub,
    signingKey_SECRET: toHex(signingPrivate),
    updatesMustBeSignedBy: pub,
    worldType: 'moon',
  };
  return JSON.stringify(moon, null, 1);
}

/**
 * Orders endpoints as the reference's `std::sort` does on little-endian hosts: IPv4 before IPv6,
 * then by port and address compared as the raw network-order bytes read little-endian (its
 * `operator<` compares `sin_port`/`s_addr` as integers without byte swapping).
 */
function endpointOrder(a: InetAddress, b: InetAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  const swap16 = (p: number) => ((p & 0xff) << 8) | (p >> 8);
  if (a.port !== b.port) return swap16(a.port) - swap16(b.port);
  const le = (ip: Uint8Array) =>
    a.family === 4 ? ip[0] + ip[1] * 256 + ip[2] * 65536 + ip[3] * 16777216 : 0;
  if (a.family === 4) return le(a.ip) - le(b.ip);
  return Buffer.compare(a.ip, b.ip);
}

/** Roots are sorted by identity: address, then public key bytes (the reference's `Identity::operator<`). */
function rootOrder(a: WorldRoot, b: WorldRoot): number {
  return (
    a.identity.address - b.identity.address || Buffer.compare(a.identity.publicKey, b.identity.publicKey)
  );
}

function genMoon(path: string, io: Io): number {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) return fail(io, `cannot read ${path}`);
    return fail(io, `${path} is not valid JSON: ${(e as Error).message}`);
  }
  const idText = typeof json.id === 'string' ? json.id : '0';
  const id = /^[0-9a-fA-F]{1,16}$/.test(idText) ? BigInt(`0x${idText}`) : 0n;
  if (id === 0n) return fail(io, `ID in ${path} is invalid`);
  const type =
    json.worldType === 'moon' ? WorldType.MOON : json.worldType === 'planet' ? WorldType.PLANET : null;
  if (type === null) return fail(io, 'invalid worldType');
  const key = (k: string, n: number) => {
    const b = lenientHex(typeof json[k] === 'string' ? (json[k] as string) : '');
    const out = new Uint8Array(n);
    out.set(b.subarray(0, n));
    return out;
  };
  const signingKey = { publicKey: key('signingKey', 64), privateKey: key('signingKey_SECRET', 64) };
  const roots: WorldRoot[] = [];
  for (const r of Array.isArray(json.roots) ? json.roots : []) {
    if (typeof r !== 'object' || r === null) continue;
    const idr = Identity.fromString(String((r as Record<string, unknown>).identity ?? ''));
    if (!idr.ok) return fail(io, `a root identity in ${path} is invalid (${idr.reason})`);
    const eps: InetAddress[] = [];
    const list = (r as Record<string, unknown>).stableEndpoints;
    for (const e of Array.isArray(list) ? list : []) {
      const a = parseInetAddress(String(e));
      if (!a) return fail(io, `stable endpoint ${JSON.stringify(e)} in ${path} is not ip/port`);
      eps.push(a);
    }
    roots.push({ identity: idr.value.publicOnly(), stableEndpoints: eps.sort(endpointOrder) });
  }
  roots.sort(rootOrder);
  const now = (io.now ?? Date.now)();
  let world: World;
  try {
    world = World.create({
      type,
      id,
      timestamp: now,
      roots,
      signingKey,
      updatesMustBeSignedBy: key('updatesMustBeSignedBy', 64),
    });
  } catch (e) {
    return fail(io, `cannot build the world: ${(e as Error).message}`);
  }
  const name = `${id.toString(16).padStart(16, '0')}.moon`;
  const file = io.cwd ? `${io.cwd}/${name}` : name;
  try {
    writeFileSync(file, world.toBytes());
  } catch (e) {
    return fail(io, `cannot write ${file}: ${(e as Error).message}`);
  }
  io.out(`wrote ${name} (signed world with timestamp ${now})\n`);
  return 0;
}
