/**
 * `ztsdk`: the command-line face of the SDK. Each subcommand lives in its own module and exports
 * `run(argv): Promise<number>` (the exit code); this file only dispatches.
 * @module
 */

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  demo: {
    summary:
      'a whole private ZeroTier world on this machine (what `npm start` runs): ztsdk demo [--serve] [--json]',
    load: () => import('./demo.ts'),
  },
  idtool: {
    summary: 'generate, validate, sign and verify identities; make moons (zerotier-idtool compatible)',
    load: () => import('./idtool.ts'),
  },
  mkworld: {
    summary: 'build and sign a planet for a private world: ztsdk mkworld --config world.json [--out FILE]',
    load: () => import('./mkworld.ts'),
  },
  node: {
    summary:
      'run a ZeroTier node in the foreground: ztsdk node --state DIR [--planet FILE] [--port N] [--json]',
    load: () => import('./node.ts'),
  },
  root: {
    summary: 'run a planet/moon root in the foreground: ztsdk root --state DIR --planet FILE [--json]',
    load: () => import('./root.ts'),
  },
  inspect: {
    summary:
      'decode a capture of ZeroTier traffic: ztsdk inspect --pcap FILE --identity SECRET_OR_FILE ... [--json]',
    load: () => import('./inspect/command.ts'),
  },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: ztsdk <command> [options]\n\ncommands:\n${rows.join('\n')}\n`;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`ztsdk: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await cmd.load()).run(rest);
}

const isEntry = process.argv[1] !== undefined && /(?:main\.[jt]s|ztsdk(?:\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`ztsdk: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
