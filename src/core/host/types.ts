/** The shapes of a host provisioning plan. */

/** A file a step writes on the host. */
export interface HostFile {
  /** Absolute path on the host (under the plan's root). */
  readonly path: string;
  /** Octal mode, e.g. `0600`. */
  readonly mode: string;
  /** Content, when it is not secret. */
  readonly content?: string;
  /** Name of the secret input the content comes from (read on standard input), when it is secret. */
  readonly secret?: string;
}

/** A secret input a step reads from standard input. */
export interface HostSecret {
  /** Name, e.g. `trust-anchor-key`. */
  readonly name: string;
  /** What it is. */
  readonly description: string;
  /** Environment variable the shell bundle reads the secret file's path from. */
  readonly bundleEnv: string;
  /** Default path of that file on the host when the variable is unset. */
  readonly bundleDefaultPath: string;
}

/** One step of the plan. */
export interface HostStep {
  /** Stable id, e.g. `spire-server` (also the Pulumi resource name suffix). */
  readonly id: string;
  /** What the step does, one line. */
  readonly description: string;
  /** Idempotent bash script that brings the host to the step's state (also the update). */
  readonly create: string;
  /** Bash script that undoes the step. */
  readonly delete: string;
  /** The inputs that should re-run the step, as `name=value` strings (secrets as their sha256). */
  readonly triggers: readonly string[];
  /** Files the step writes. */
  readonly files: readonly HostFile[];
  /** Names of secret inputs the step reads from standard input (at most one). */
  readonly secrets: readonly string[];
}

/** An ordered host provisioning plan. */
export interface HostPlan {
  /** `namespace/name` of the external workload. */
  readonly workload: string;
  /** The machine's name. */
  readonly nodeName: string;
  /** Root prefix of every path. */
  readonly root: string;
  /** Steps, in the order they run (deletes run in reverse). */
  readonly steps: readonly HostStep[];
  /** Secret inputs of the plan. */
  readonly secrets: readonly HostSecret[];
}
