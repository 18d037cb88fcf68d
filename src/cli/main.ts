#!/usr/bin/env node
/**
 * `linkerd-constructs <command> [options]`: every command prints what it did and exits non-zero on failure.
 */
import * as fs from 'fs';
import * as path from 'path';
import { certsCommand } from './certs';
import { checkCommand } from './check';
import { CliCommand, CliIo, CliUsageError, processIo } from './command';

/** Every subcommand. Each lives in its own file; add one line here per command. */
export const COMMANDS: CliCommand[] = [certsCommand, checkCommand];

/** The package's version, read from its package.json (two levels above both `src/cli` and `lib/cli`). */
export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Exit codes, the same for every subcommand. */
export const EXIT_CODES = 'exit status: 0 success, 1 the command ran and found a problem (e.g. a blocked flow), 2 bad usage or input';

function topLevelUsage(): string {
  return [
    'usage: linkerd-constructs <command> [options]',
    '       linkerd-constructs --version',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`),
    '',
    'Run `linkerd-constructs <command> --help` for the options of a command.',
    EXIT_CODES,
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`linkerd-constructs ${packageVersion()}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    if (name) io.stdout(topLevelUsage());
    else io.stderr(topLevelUsage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr(`linkerd-constructs: unknown command "${name}"; expected one of ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    io.stderr(`linkerd-constructs ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof CliUsageError ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
