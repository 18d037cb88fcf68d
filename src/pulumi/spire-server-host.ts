/**
 * `SpireServerHost` (Pulumi): the trust domain's one SPIRE server on a designated identity host,
 * provisioned over SSH like the VMs (one `remote.Command` per plan step, in order; the upstream CA's
 * key on standard input as a secret). Agent-only `ExternalWorkloadHost`s join it: each runs its join
 * command on this host's connection and gets a one-time token, kept as a secret.
 */
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { commandConnection, hostStepCommand } from './_host-command';
import { resolveLate, type LateInputs } from './_late';
import type { HostConnectionArgs, InputKind } from './external-workload-host';
import type { MeshReference } from './mesh-reference';
import { formatIssue } from '../core/errors';
import { spireServerHostShape, type SpireServerLateKey, type SpireServerLateValues } from '../core/host/late';
import type { SpireServerReference, SpireUrlInstall } from '../core/host/props';
import {
  type ResolvedSpireServerHost,
  type SpireServerHostProps as CoreSpireServerHostProps,
  type SpireServerPathInstall,
} from '../core/host/spire-server-host';

/** Args of {@link SpireServerHost}: the core's props with Inputs, plus the mesh, the connection and the upstream CA's key. */
export interface SpireServerHostArgs extends Omit<CoreSpireServerHostProps<InputKind>, 'trustAnchorPem'> {
  /** The mesh whose identities the server issues. */
  readonly mesh: MeshReference;
  /** How to reach the host over SSH. */
  readonly connection: HostConnectionArgs;
  /** The mesh's trust anchor(s), PEM. @default the mesh's `trustAnchorPem` */
  readonly trustAnchorPem?: pulumi.Input<string>;
  /** Its private key, PEM. Always a secret; reaches the host on standard input only. */
  readonly upstreamCaKeyPem: pulumi.Input<string>;
}

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
    // the props read once: values known now in place, the others named late (the core stands in for them and checks them once known)
    const late: LateInputs<SpireServerLateValues> = {};
    const take = (key: SpireServerLateKey, v: pulumi.Input<string> | undefined): string | undefined => {
      if (v === undefined || typeof v === 'string') return v;
      late[key] = v;
      return undefined;
    };
    const anchors = take('trustAnchorPem', trustAnchorPem ?? mesh.trustAnchorPem);
    const upstream = take('upstreamCaPem', upstreamCaPem);
    const coreInstall: SpireUrlInstall | SpireServerPathInstall =
      install.kind === 'url'
        ? { kind: 'url', arch: install.arch, sha256: take('spireSha256', install.sha256) as string, ...(install.url !== undefined ? { url: take('spireUrl', install.url) } : {}) }
        : install;
    const props = { ...rest, trustAnchorPem: anchors as string, upstreamCaPem: upstream as string, install: coreInstall };
    const server = spireServerHostShape(scope, props, mesh.info, new Set(Object.keys(late) as SpireServerLateKey[]));
    const shape = server.resolved;
    for (const w of shape.warnings) void pulumi.log.warn(formatIssue(w), this);
    this.address = shape.address;
    this.port = shape.port;
    this.trustDomain = shape.trustDomain;
    this.nodeName = shape.nodeName;
    this.sudo = connection.sudo ?? false;
    this.connection = commandConnection(connection);
    const completed = resolveLate(late, undefined, (values) => server.complete(values));
    this.resolved = completed.apply((c) => c.resolved);
    const plan = completed.apply((c) => c.plan);
    const key = pulumi.secret(upstreamCaKeyPem);
    const steps: Record<string, command.remote.Command> = {};
    let previous: pulumi.Resource | undefined;
    server.plan.steps.forEach((shapeStep, i) => {
      const cmd = hostStepCommand(`${name}-${shapeStep.id}`, plan.apply((p) => p.steps[i]), {
        connection: this.connection,
        sudo: this.sudo,
        ...(shapeStep.secrets.length > 0 ? { secret: { name: shapeStep.secrets[0], value: key } } : {}),
        parent: this,
        dependsOn: previous ? [previous] : [],
      });
      steps[shapeStep.id] = cmd;
      previous = cmd;
    });
    this.steps = steps;
    this.ready = previous!;
    this.registerOutputs({ address: this.address, port: this.port, trustDomain: this.trustDomain, steps: Object.keys(steps) });
  }
}
