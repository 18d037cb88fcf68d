/**
 * `SpireServerHost` (Pulumi): the trust domain's one SPIRE server on a designated identity host,
 * provisioned over SSH like the VMs (one `remote.Command` per plan step, in order; the upstream CA's
 * key on standard input as a secret). Agent-only `ExternalWorkloadHost`s join it: each runs its join
 * command on this host's connection and gets a one-time token, kept as a secret.
 */
import { createHash } from 'crypto';
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import type { HostConnectionArgs, WithInputs } from './external-workload-host';
import type { MeshReference } from './mesh-reference';
import { formatIssue } from '../core/errors';
import type { SpireServerReference, SpireUrlInstall } from '../core/host/props';
import { remoteCommandLine } from '../core/host/remote';
import {
  resolveSpireServerHost,
  spireServerHostPlan,
  type ResolvedSpireServerHost,
  type SpireServerHostProps as CoreSpireServerHostProps,
  type SpireServerPathInstall,
} from '../core/host/spire-server-host';

/** Args of {@link SpireServerHost}. */
export interface SpireServerHostArgs extends Omit<CoreSpireServerHostProps, 'trustAnchorPem' | 'upstreamCaPem' | 'install'> {
  /** Where `spire-server` comes from: the release archive (URL and sha256 may be Inputs) or a path. */
  readonly install: WithInputs<SpireUrlInstall | SpireServerPathInstall, 'url' | 'sha256'>;
  /** The mesh whose identities the server issues. */
  readonly mesh: MeshReference;
  /** How to reach the host over SSH. */
  readonly connection: HostConnectionArgs;
  /** The mesh's trust anchor(s), PEM. @default the mesh's `trustAnchorPem` */
  readonly trustAnchorPem?: pulumi.Input<string>;
  /** The upstream CA: an intermediate signed by the trust anchor (then further intermediates), PEM. */
  readonly upstreamCaPem: pulumi.Input<string>;
  /** Its private key, PEM. Always a secret; reaches the host on standard input only. */
  readonly upstreamCaKeyPem: pulumi.Input<string>;
}

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

const PLACEHOLDER_PEM = '-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----';

/**
 * The SPIRE server of a trust domain, on its own host. Implements `SpireServerReference`: pass it as
 * `spire.server` of an agent-only `ExternalWorkloadHost`.
 */
export class SpireServerHost extends pulumi.ComponentResource implements SpireServerReference {
  /** Address the VMs reach the server on. */
  public readonly address: string;
  /** Port of its agent API. */
  public readonly port: number;
  /** SPIFFE trust domain. */
  public readonly trustDomain: string;
  /** Machine name. */
  public readonly nodeName: string;
  /** The connection its commands (and the VMs' join commands) use. */
  public readonly connection: command.types.input.remote.ConnectionArgs;
  /** Whether steps run through `sudo -n`. */
  public readonly sudo: boolean;
  /** The resolved settings, once the PEMs are known. */
  public readonly resolved: pulumi.Output<ResolvedSpireServerHost>;
  /** One command per plan step, by step id. */
  public readonly steps: Readonly<Record<string, command.remote.Command>>;
  /** The last step: the server runs. */
  public readonly ready: pulumi.Resource;

  public constructor(name: string, args: SpireServerHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('linkerd-constructs:index:SpireServerHost', name, {}, opts);
    const scope = `SpireServerHost ${name}`;
    const { mesh, connection, trustAnchorPem, upstreamCaPem, upstreamCaKeyPem, install, ...rest } = args;
    // the install source with its (possibly late) URL and sha256
    const installWith = (url: string | undefined, sha256: string | undefined): SpireUrlInstall | SpireServerPathInstall =>
      install.kind === 'url' ? { kind: 'url', arch: install.arch, sha256: sha256 as string, ...(url !== undefined ? { url } : {}) } : install;
    const plain = (v: pulumi.Input<string> | undefined, placeholder: string) => (v === undefined ? undefined : typeof v === 'string' ? v : placeholder);
    const url = install.kind === 'url' ? install.url : undefined;
    const sha = install.kind === 'url' ? install.sha256 : undefined;
    // which steps exist, and every plain prop, is checked now; the PEMs and late values when they are known
    const placeholders = { trustAnchorPem: PLACEHOLDER_PEM, upstreamCaPem: PLACEHOLDER_PEM };
    const shapeInstall = installWith(plain(url, 'https://placeholder.invalid/spire.tar.gz'), plain(sha, '0'.repeat(64)));
    const shape = resolveSpireServerHost(scope, { ...rest, ...placeholders, install: shapeInstall }, mesh.info, { checkCertificates: false });
    for (const w of shape.warnings) void pulumi.log.warn(formatIssue(w), this);
    this.address = shape.address;
    this.port = shape.port;
    this.trustDomain = shape.trustDomain;
    this.nodeName = shape.nodeName;
    this.sudo = connection.sudo ?? false;
    this.connection = commandConnection(connection);
    this.resolved = pulumi
      .all([pulumi.output(trustAnchorPem ?? mesh.trustAnchorPem), pulumi.output(upstreamCaPem), pulumi.output(url), pulumi.output(sha)])
      .apply(([anchor, upstream, u, h]) =>
        resolveSpireServerHost(scope, { ...rest, trustAnchorPem: anchor, upstreamCaPem: upstream, install: installWith(u, h) }, mesh.info),
      );
    const plan = this.resolved.apply(spireServerHostPlan);
    const key = pulumi.secret(upstreamCaKeyPem);
    const steps: Record<string, command.remote.Command> = {};
    let previous: pulumi.Resource | undefined;
    spireServerHostPlan(shape).steps.forEach((shapeStep, i) => {
      const step = plan.apply((p) => p.steps[i]);
      const secret = shapeStep.secrets.length > 0;
      const triggers = step.apply((s) => [...s.triggers]);
      const script = step.apply((s) => remoteCommandLine(s.create, { sudo: this.sudo }));
      const cmd = new command.remote.Command(
        `${name}-${shapeStep.id}`,
        {
          connection: this.connection,
          create: script,
          update: script,
          delete: step.apply((s) => remoteCommandLine(s.delete, { sudo: this.sudo })),
          triggers: secret ? pulumi.all([triggers, key.apply((k) => `${shapeStep.secrets[0]}-sha256=${createHash('sha256').update(k).digest('hex')}`)]).apply(([t, k]) => [...t, k]) : triggers,
          ...(secret ? { stdin: key, logging: command.types.enums.remote.Logging.None } : {}),
          addPreviousOutputInEnv: false,
        },
        { parent: this, dependsOn: previous ? [previous] : [] },
      );
      steps[shapeStep.id] = cmd;
      previous = cmd;
    });
    this.steps = steps;
    this.ready = previous!;
    this.registerOutputs({ address: this.address, port: this.port, trustDomain: this.trustDomain, steps: Object.keys(steps) });
  }
}
