/**
 * Internal: one step of a core host plan as a `remote.Command`, the same for every host component
 * (`ExternalWorkloadHost`, `SpireServerHost`): the step's create script is also its update, its
 * delete undoes it, its triggers re-run it, and a secret it reads reaches it on standard input only,
 * with logging off (its sha256 joins the triggers, so a new secret re-runs the step).
 */
import { createHash } from 'crypto';
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { remoteCommandLine } from '../core/host/remote';
import type { HostStep } from '../core/host/types';

/** Hex sha256 of a text (a secret's fingerprint in triggers). */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What a host step's command runs with. */
export interface HostStepCommandOptions {
  readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  readonly sudo: boolean;
  /** The secret the step reads (`shapeStep.secrets[0]`), when it reads one. */
  readonly secret?: pulumi.Output<string>;
  readonly parent: pulumi.Resource;
  readonly dependsOn: pulumi.Resource[];
}

/**
 * The command `<name>-<step id>` of one step: `shapeStep` is the step as the shape plan knows it (its
 * id and secrets are decided by plain props), `step` the final step once the late values are known.
 */
export function hostStepCommand(name: string, shapeStep: HostStep, step: pulumi.Output<HostStep>, o: HostStepCommandOptions): command.remote.Command {
  const triggers = step.apply((s) => [...s.triggers]);
  const script = step.apply((s) => remoteCommandLine(s.create, { sudo: o.sudo }));
  const secret = o.secret;
  return new command.remote.Command(
    `${name}-${shapeStep.id}`,
    {
      connection: o.connection,
      create: script,
      update: script,
      delete: step.apply((s) => remoteCommandLine(s.delete, { sudo: o.sudo })),
      triggers: secret ? pulumi.all([triggers, secret.apply((k) => `${shapeStep.secrets[0]}-sha256=${sha256(k)}`)]).apply(([t, k]) => [...t, k]) : triggers,
      ...(secret ? { stdin: secret, logging: command.types.enums.remote.Logging.None } : {}),
      addPreviousOutputInEnv: false,
    },
    { parent: o.parent, dependsOn: o.dependsOn },
  );
}
