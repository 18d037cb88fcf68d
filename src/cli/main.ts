#!/usr/bin/env node
/**
 * `linkerd-constructs <command> [options]`: every command prints what it did and exits non-zero on failure.
 */
import { certsCommand } from './certs';
import { checkCommand } from './check';
import { CliCommand, CliIo, processIo } from './command';

/** Every subcommand. Each lives in its own file; add one line here per command. */
export const COMMANDS: CliCommand[] = [certsCommand, checkCommand];

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`usage: linkerd-constructs <command> [options]\n\ncommands:\n${COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`).join('\n')}\n`);
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
    return 1;
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
