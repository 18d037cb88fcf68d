/** A subcommand of the `linkerd-constructs` CLI. */
export interface CliCommand {
  /** Name typed after `linkerd-constructs`. */
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** Full usage text. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Where a command reads and writes (injected so tests can capture it). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads all of standard input (for `-`). */
  readonly readStdin: () => Promise<string>;
  readonly cwd: string;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: () =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        process.stdin.on('data', (c: Buffer) => chunks.push(c));
        process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        process.stdin.on('error', reject);
      }),
    cwd: process.cwd(),
  };
}

/** Bad usage or input: the CLI prints the message and exits 2 (every subcommand alike). */
export class CliUsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** One option as a command reads it: `--flag value` or `--flag=value`. */
export interface CliFlag {
  /** The flag (`--dir`). */
  readonly flag: string;
  /** The argument as typed (for messages). */
  readonly arg: string;
  /** Its value (the next argument, or after `=`); a usage error when there is none. */
  value(): string;
  /** Its value as a whole number of days from 1 to 36500. */
  days(): number;
}

/**
 * Walks the options of `argv`, calling `on` for each; `on` returns false for an option it does not
 * know, which is a usage error naming it (with `usage`). The one option reader of the CLI.
 */
export function readFlags(argv: readonly string[], usage: string, on: (f: CliFlag) => boolean): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const [flag, inline] = eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new CliUsageError(`${flag} needs a value\n${usage}`);
      return v;
    };
    const days = () => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 36500) throw new CliUsageError(`${flag}: received ${JSON.stringify(v)}; expected a whole number of days from 1 to 36500`);
      return n;
    };
    if (!on({ flag, arg, value, days })) throw new CliUsageError(`unknown option ${JSON.stringify(arg)}\n${usage}`);
  }
}
