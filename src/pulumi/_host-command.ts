/**
 * Internal: one step of a core host plan as a `remote.Command`, the same for every host component
 * (`ExternalWorkloadHost`, `SpireServerHost`) and for the join an agent-only host runs on its SPIRE
 * server: the step's create script is also its update, its delete undoes it, its triggers re-run it;
 * a secret it reads reaches it on standard input only, with logging off (its sha256 joins the
 * triggers, so a new secret re-runs the step); a secret it prints stays a secret output, with only
 * standard error logged. And the SSH connection every such command uses.
 */
import { createHash } from 'crypto';
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import type { HostConnectionArgs } from './external-workload-host';
import { remoteCommandLine } from '../core/host/remote';
import type { HostStep } from '../core/host/types';

/** The `remote.Command` connection of a host (private key and its passphrase as secrets). */
export function commandConnection(c: HostConnectionArgs): command.types.input.remote.ConnectionArgs {
  return {
    host: c.host,
    port: c.port ?? 22,
    user: c.user ?? 'root',
    ...(c.privateKey !== undefined ? { privateKey: pulumi.secret(c.privateKey) } : {}),
    ...(c.hostKey !== undefined ? { hostKey: c.hostKey } : {}),
  };
}

/** What a host step's command runs with. */
export interface HostStepCommandOptions {
  readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  readonly sudo: boolean;
  /** The secret the step reads on standard input, with its name in the plan (`HostStep.secrets`). */
  readonly secret?: { readonly name: string; readonly value: pulumi.Output<string> };
  /** The step prints a secret: its standard output is a secret output and is never logged. */
  readonly secretStdout?: boolean;
  readonly parent: pulumi.Resource;
  readonly dependsOn: pulumi.Resource[];
}

/** The command `name` of one host step (`step`: the final step once the late values are known). */
export function hostStepCommand(name: string, step: pulumi.Output<HostStep>, o: HostStepCommandOptions): command.remote.Command {
  const triggers = step.apply((s) => [...s.triggers]);
  const script = step.apply((s) => remoteCommandLine(s.create, { sudo: o.sudo }));
  const secret = o.secret;
  const logging = secret ? command.types.enums.remote.Logging.None : o.secretStdout ? command.types.enums.remote.Logging.Stderr : undefined;
  return new command.remote.Command(
    name,
    {
      connection: o.connection,
      create: script,
      update: script,
      delete: step.apply((s) => remoteCommandLine(s.delete, { sudo: o.sudo })),
      triggers: secret ? pulumi.all([triggers, secret.value.apply((k) => `${secret.name}-sha256=${sha256(k)}`)]).apply(([t, k]) => [...t, k]) : triggers,
      ...(secret ? { stdin: secret.value } : {}),
      ...(logging ? { logging } : {}),
      addPreviousOutputInEnv: false,
    },
    { parent: o.parent, dependsOn: o.dependsOn, ...(o.secretStdout ? { additionalSecretOutputs: ['stdout'] } : {}) },
  );
}

/** Hex sha256 of a text (a secret's fingerprint in triggers). */
function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
