/**
 * `ztsdk inspect --pcap FILE --identity SECRET_OR_FILE ... [--json]`
 *
 * Reads a capture of ZeroTier traffic and prints one line (or one JSON object) per ZeroTier
 * packet. `--identity` takes an identity string (`addr:0:pub:priv`) or a file holding one or
 * more of them (one per line, e.g. an `identity.secret`); give it more than once. Public
 * identities help too: with one side's secret they give the key of every packet between them.
 * A totals line goes to stderr so that stdout stays one record per line.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Identity } from '../../protocol/identity.ts';
import { type InspectedPacket, Inspector } from './decode.ts';
import { readPcap } from './pcap.ts';

const HELP = `usage: ztsdk inspect --pcap FILE --identity SECRET_OR_FILE [--identity ...] [--json]

Decodes a capture (pcap; Ethernet, raw IP or Linux cooked) of ZeroTier UDP traffic:
reassembles fragments, authenticates and decrypts each packet with the keys of the
identities given, and prints one line per packet (--json: one JSON object per line).
`;

/** Parses identity arguments: literal identity strings, or files with one identity per line. */
export function loadIdentities(args: string[]): Identity[] {
  const out: Identity[] = [];
  for (const a of args) {
    const lines = /^[0-9a-fA-F]{10}:0:/.test(a.trim()) ? [a] : readIdentityFile(a);
    for (const line of lines) {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
      const id = Identity.fromString(t);
      if (!id.ok) throw new Error(`--identity ${a}: not a ZeroTier identity (${id.reason})`);
      out.push(id.value);
    }
  }
  return out;
}

function readIdentityFile(path: string): string[] {
  if (!existsSync(path))
    throw new Error(`--identity ${path}: neither an identity string nor a readable file`);
  return readFileSync(path, 'utf8').split(/\r?\n/);
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pcap: { type: 'string' },
      identity: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.pcap) {
    process.stderr.write(`ztsdk inspect: --pcap is required\n\n${HELP}`);
    return 2;
  }
  let identities: Identity[];
  try {
    identities = loadIdentities(values.identity ?? []);
  } catch (e) {
    process.stderr.write(`ztsdk inspect: ${(e as Error).message}\n`);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(values.pcap);
  } catch (e) {
    process.stderr.write(`ztsdk inspect: cannot read ${values.pcap}: ${(e as Error).message}\n`);
    return 1;
  }
  const cap = readPcap(bytes);
  if (!cap.ok) {
    process.stderr.write(`ztsdk inspect: ${values.pcap}: ${cap.reason}\n`);
    return 1;
  }
  const { packets, inspector } = inspectDatagrams(cap.value.datagrams, identities);
  const t0 = cap.value.datagrams[0]?.time ?? 0;
  for (const p of packets) process.stdout.write(`${values.json ? toJsonLine(p) : toTextLine(p, t0)}\n`);
  const s = inspector.stats;
  process.stderr.write(
    `${s.packets} ZeroTier packets in ${s.datagrams} datagrams: ${s.authenticated} authenticated, ` +
      `${s.macFailures} MAC failures, ${s.noKey} without a key, ${s.unknownVerbs} unknown verbs` +
      `${s.incompleteFragments ? `, ${s.incompleteFragments} incomplete fragmented packets` : ''}` +
      `${s.notZeroTier ? `, ${s.notZeroTier} datagrams not ZeroTier` : ''}\n`,
  );
  return 0;
}

/** Decodes a capture's datagrams with the given identities (the library face of the command). */
export function inspectDatagrams(
  datagrams: Parameters<Inspector['push']>[0][],
  identities: Identity[],
): { packets: InspectedPacket[]; inspector: Inspector } {
  const inspector = new Inspector(identities);
  const packets: InspectedPacket[] = [];
  for (const d of datagrams) {
    const p = inspector.push(d);
    if (p) packets.push(p);
  }
  inspector.finish();
  return { packets, inspector };
}

/** The JSON record of one packet (documented in the README's `inspect` section). */
export function toJsonRecord(p: InspectedPacket): Record<string, unknown> {
  const o: Record<string, unknown> = {
    time: p.time,
    physSrc: p.physSrc,
    physDst: p.physDst,
    src: p.src,
    dst: p.dst,
    packetId: p.packetId,
    hops: p.hops,
    cipher: p.cipher,
    authenticated: p.authenticated,
    fragments: p.fragments,
    verb: p.verb,
    compressed: p.compressed,
    summary: p.summary,
  };
  if (p.authError) o.authError = p.authError;
  if (p.networkId !== undefined) {
    o.networkId = p.networkId;
    o.ethertype = p.ethertype;
    o.frame = p.frame;
    o.frameHex = p.frameHex;
  }
  return o;
}

function toJsonLine(p: InspectedPacket): string {
  return JSON.stringify(toJsonRecord(p));
}

const CIPHERS = ['poly1305', 'salsa2012', 'trusted', 'aes-gmac-siv', 'c4', 'c5', 'c6', 'c7'];

function toTextLine(p: InspectedPacket, t0: number): string {
  const t = (p.time - t0).toFixed(6).padStart(11);
  const auth = p.authenticated ? 'ok ' : p.authError === 'no-key' ? 'KEY?' : 'BAD';
  const extra = `${p.hops ? ` hops=${p.hops}` : ''}${p.fragments > 1 ? ` frags=${p.fragments}` : ''}${p.compressed ? ' lz4' : ''}`;
  return `${t} ${p.physSrc.padEnd(21)} > ${p.physDst.padEnd(21)} ${p.src} > ${p.dst} ${CIPHERS[p.cipher].padEnd(12)} ${auth.padEnd(4)} ${p.verb.padEnd(22)} ${p.summary}${extra}`;
}
