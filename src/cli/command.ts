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
