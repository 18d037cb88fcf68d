/**
 * How a step runs on a remote host over SSH: the command line the SSH server's login shell runs. The
 * script travels as an argument of `bash -c` (it holds no secret); a secret, when the step reads one,
 * travels on standard input. `@pulumi/command`'s `remote.Command` and the tests' SSH runner both use
 * {@link remoteCommandLine}, so they run steps the same way.
 */
import { shQuote } from './shell';

/** Options of {@link remoteCommandLine}. */
export interface RemoteCommandOptions {
  /** Run the script through `sudo -n` (when the SSH user is not root). @default false */
  readonly sudo?: boolean;
}

/** The command line that runs `script` with bash on the remote host. */
export function remoteCommandLine(script: string, opts: RemoteCommandOptions = {}): string {
  const line = `bash -c ${shQuote(script)} linkerd-external-workload`;
  return opts.sudo ? `sudo -n ${line}` : line;
}
