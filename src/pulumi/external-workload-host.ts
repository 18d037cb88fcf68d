/**
 * `ExternalWorkloadHost` (Pulumi): a VM meshed with SPIRE, provisioned over SSH in the same
 * deployment as the cluster. Each step of the core host plan becomes a `remote.Command`
 * (create = update = the idempotent script, delete = the undo script), in order; secrets travel on
 * standard input with logging off. The `ExternalWorkload` is created after the mesh's CRDs.
 */
import * as command from '@pulumi/command';
import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { splitArgs, type HostLateInputs } from './_host-args';
import { commandConnection, hostStepCommand } from './_host-command';
import { kubeResource, resourceName } from './_kube';
import { resolveLate } from './_late';
import type { ExternalWorkloadReference, MeshReference } from './mesh-reference';
import type { SpireServerHost } from './spire-server-host';
import { formatIssue, Issues } from '../core/errors';
import { checkWorkloadIps, externalWorkloadInfo, externalWorkloadManifest, externalWorkloadUpstreamWarnings } from '../core/external-workload/external-workload';
import { hostShape, type HostLateKey } from '../core/host/late';
import {
  type ExternalWorkloadHostProps as CoreHostProps,
  type ExistingSpireAgentOptions,
  type LocalSpireOptions,
  type ProxyOptions,
  type ResolvedHost,
  type SpireAgentOptions,
} from '../core/host/props';
import { API_TOKEN_SECRET, readinessRbacManifests, type ReadinessOptions } from '../core/host/readiness';
import { SPIRE_UPSTREAM_CA_KEY_SECRET } from '../core/host/spire';
import { JOIN_TOKEN_SECRET } from '../core/host/spire-agent';
import { JOIN_TOKEN_OUTPUT_PREFIX, spireJoinStep } from '../core/host/spire-server-host';
import type { HostPlan, HostStep } from '../core/host/types';
import type { ValueKind } from '../core/late';
import type { ExternalWorkloadInfo } from '../core/mesh-info';

/** Pulumi's kind of late-bindable values ({@link Late}): each is a `pulumi.Input`. */
export interface InputKind extends ValueKind {
  readonly typed: pulumi.Input<this['value']>;
}

/** The core's {@link LocalSpireOptions} with Inputs, and the upstream CA's key (Pulumi keeps it a secret). */
export interface PulumiLocalSpireOptions extends LocalSpireOptions<InputKind> {
  /** Its private key, PEM. Always a secret; reaches the host on standard input only. */
  readonly upstreamCaKeyPem: pulumi.Input<string>;
}

/**
 * Only a SPIRE agent on the VM, joining a {@link SpireServerHost}: the VM holds no key that signs for
 * the mesh; its one-time join token comes from the server host's join command, as a secret.
 */
export type PulumiSpireAgentOptions = SpireAgentOptions<InputKind, SpireServerHost>;

/** Where the proxy's identity comes from (Pulumi). */
export type PulumiSpireOptions = PulumiSpireAgentOptions | ExistingSpireAgentOptions | PulumiLocalSpireOptions;

/** The core's {@link ProxyOptions} with Inputs. */
export type PulumiProxyOptions = ProxyOptions<InputKind>;

/** How to reach the host over SSH. */
export interface HostConnectionArgs {
  /** Address of the host. */
  readonly host: pulumi.Input<string>;
  /** SSH port. @default 22 */
  readonly port?: pulumi.Input<number>;
  /** SSH user. @default 'root' */
  readonly user?: pulumi.Input<string>;
  /** Private key (PEM or OpenSSH). Always stored as a secret. @default the SSH agent */
  readonly privateKey?: pulumi.Input<string>;
  /** Expected host key (`ssh-ed25519 AAAA...`): connections to any other key are refused. @default not checked */
  readonly hostKey?: pulumi.Input<string>;
  /** Run the steps with `sudo -n` (for a non-root user with passwordless sudo). @default false */
  readonly sudo?: boolean;
}

/** The core's {@link ReadinessOptions} with Inputs; the CA defaults to the token Secret's `ca.crt`. */
export interface PulumiReadinessOptions extends Omit<ReadinessOptions<InputKind>, 'apiServerCaPem'> {
  /**
   * The API server's CA certificate(s), PEM.
   * @default the cluster CA the token controller puts in the ServiceAccount's token Secret (`ca.crt`)
   */
  readonly apiServerCaPem?: pulumi.Input<string>;
}

/**
 * Args of {@link ExternalWorkloadHost}: the core's `ExternalWorkloadHostProps` with every late-bindable
 * value a `pulumi.Input` (one props type for both front ends), plus the mesh and the connection.
 */
export interface ExternalWorkloadHostArgs extends Omit<CoreHostProps<InputKind>, 'trustAnchorPem' | 'spire' | 'readiness'> {
  /** The mesh: facts, CRDs and control plane to depend on, and its trust anchor. */
  readonly mesh: MeshReference;
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** Trust anchor certificate(s), PEM. @default the mesh's `trustAnchorPem` */
  readonly trustAnchorPem?: pulumi.Input<string>;
  /** Where the proxy's identity comes from. */
  readonly spire: PulumiSpireOptions;
  /**
   * How the VM reports its readiness (the `ExternalWorkload`'s `Ready` condition, which Linkerd routes
   * on): a ServiceAccount, a Role that may only `get` and `patch` this workload's status, their
   * binding and a token Secret are created; the token reaches the host as a secret, on standard input.
   * `false`: the status is set some other way.
   * @default not configured: a warning says the workload never becomes Ready
   */
  readonly readiness?: PulumiReadinessOptions | false;
}

/**
 * A VM joined to the mesh over SSH, in one `pulumi up` with the cluster: the `ExternalWorkload`
 * (after the mesh's CRDs) and one `remote.Command` per plan step, chained in order, the first after
 * the control plane (its preflight probes the destination and policy services), the SPIRE upstream
 * CA and the proxy after the trust anchor exists.
 *
 * Implements `ExternalWorkloadReference`: pass it to `MeshAuthorization` as a source or workload.
 */
export class ExternalWorkloadHost extends pulumi.ComponentResource implements ExternalWorkloadReference {
  /** Name, namespace, SPIFFE identity, labels and ports of the `ExternalWorkload`. */
  public readonly externalWorkload: ExternalWorkloadInfo;
  /** The workload IPs. */
  public readonly workloadIps: pulumi.Output<string[]>;
  /** The `ExternalWorkload` resource. */
  public readonly resource: pulumi.Resource;
  /** One command per plan step, by step id, in order. */
  public readonly steps: Readonly<Record<string, command.remote.Command>>;
  /** The last step: depend on it for "the host is meshed". */
  public readonly ready: pulumi.Resource;
  /** The plan with its final values (scripts hold no secret). */
  public readonly plan: pulumi.Output<HostPlan>;
  /** The readiness reporter's ServiceAccount, Role, RoleBinding and token Secret (empty without `readiness`). */
  public readonly readinessResources: readonly pulumi.Resource[];

  public constructor(name: string, args: ExternalWorkloadHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('linkerd-constructs:index:ExternalWorkloadHost', name, {}, opts);
    const scope = `ExternalWorkloadHost ${name}`;
    const mesh = args.mesh;

    // Which resources exist is decided by the core from the values known now (checked now); the
    // others are named late and completed by the core, checked, once known.
    const { props, late, caFromTokenSecret } = splitArgs(args, mesh.trustAnchorPem);
    const lateKeys = new Set(Object.keys(late) as HostLateKey[]);
    if (caFromTokenSecret) lateKeys.add('apiServerCaPem');
    const host = hostShape(scope, props, mesh.info, lateKeys);
    const shape = host.resolved;
    for (const w of [...shape.warnings, ...externalWorkloadUpstreamWarnings(mesh.info, scope)]) void pulumi.log.warn(formatIssue(w), this);
    if (shape.spire.kind === 'local' && (args.spire as PulumiLocalSpireOptions).upstreamCaKeyPem === undefined) {
      new Issues(scope).error('spire.upstreamCaKeyPem', undefined, "expected the SPIRE upstream CA's private key (PEM): the host's SPIRE server signs with it").throwIfErrors();
    }

    const ips = pulumi.output(args.workloadIps).apply((list) => {
      const issues = new Issues(scope);
      checkWorkloadIps(issues, list);
      issues.throwIfErrors();
      return [...list];
    });
    this.workloadIps = ips;
    this.externalWorkload = externalWorkloadInfo(shape.workload, { ipsKnown: false });

    // readiness: the reporter's credential exists before the values, since the CA may come from its token Secret
    const credential = shape.readiness ? this.readinessCredential(name, shape, mesh) : undefined;
    const inputs: HostLateInputs = { ...late, workloadIps: ips };
    // the token Secret's ca.crt (the token controller fills it; pulumi-kubernetes waits for that)
    if (caFromTokenSecret) inputs.apiServerCaPem = credential?.caPem as pulumi.Output<string> | undefined;
    const completed = resolveLate(inputs, mesh.trustAnchorPem, (values, meshAnchors: string) => host.complete(values, meshAnchors));
    const resolved = completed.apply((c) => c.resolved);
    this.plan = completed.apply((c) => c.plan);

    // The cluster side: after the CRDs.
    const manifest = resolved.apply((r) => externalWorkloadManifest(r.workload));
    this.resource = kubeResource(
      resourceName(name, externalWorkloadManifest(shape.workload)),
      externalWorkloadManifest(shape.workload),
      { parent: this, dependsOn: [mesh.crds] },
      manifest,
    );

    // The host side: one command per step, in order.
    const join = args.spire.kind === 'agent' ? this.joinCommand(name, args.spire.server, resolved) : undefined;
    const steps = this.stepCommands(name, args, { shape, shapePlan: host.plan, credential, join });
    this.steps = steps;
    this.ready = steps[host.plan.steps[host.plan.steps.length - 1].id];

    this.readinessResources = credential?.resources ?? [];
    this.registerOutputs({
      externalWorkload: this.externalWorkload,
      workloadIps: this.workloadIps,
      identity: this.externalWorkload.identity,
      steps: Object.keys(steps),
    });
  }

  /**
   * One `remote.Command` per plan step, chained in order (create = update = the step's idempotent
   * script, delete = its undo), each secret on standard input with logging off; the steps that need
   * the control plane, the ExternalWorkload, the readiness credential or the join token wait for them.
   */
  private stepCommands(
    name: string,
    args: ExternalWorkloadHostArgs,
    ctx: {
      readonly shape: ResolvedHost;
      readonly shapePlan: HostPlan;
      readonly credential?: { readonly resources: pulumi.Resource[]; readonly token: pulumi.Output<string> };
      readonly join?: { readonly command: command.remote.Command; readonly token: pulumi.Output<string> };
    },
  ): Record<string, command.remote.Command> {
    const { shape, shapePlan, credential, join } = ctx;
    const mesh = args.mesh;
    const c = args.connection;
    const connection = commandConnection(c);
    // every secret input of the plan, by name: each reaches its step on standard input, with logging off
    const secretInputs: Record<string, pulumi.Output<string>> = {};
    if (args.spire.kind === 'local') secretInputs[SPIRE_UPSTREAM_CA_KEY_SECRET] = pulumi.secret(args.spire.upstreamCaKeyPem);
    if (credential) secretInputs[API_TOKEN_SECRET] = credential.token;
    // agent only: the server host registers this VM and makes its one-time join token (a secret)
    if (join) secretInputs[JOIN_TOKEN_SECRET] = join.token;
    const steps: Record<string, command.remote.Command> = {};
    let previous: pulumi.Resource | undefined;
    shapePlan.steps.forEach((shapeStep: HostStep, i: number) => {
      const step = this.plan.apply((p) => p.steps[i]);
      const deps: pulumi.Resource[] = [];
      if (previous) deps.push(previous);
      if (shapeStep.id === 'preflight' || shapeStep.id === 'spire-upstream-ca' || shapeStep.id === 'proxy-service') deps.push(mesh.controlPlane);
      // the reporter patches the ExternalWorkload's status with the bound token
      if (shapeStep.id === 'readiness' && credential) deps.push(this.resource, ...credential.resources);
      if (shapeStep.id === 'spire-agent' && join) deps.push(join.command);
      if (shapeStep.id === 'proxy-install' && shape.proxy.binary.kind === 'upload') {
        deps.push(
          new command.remote.CopyToRemote(
            `${name}-proxy-upload`,
            { connection, source: new pulumi.asset.FileAsset(shape.proxy.binary.localPath), remotePath: `${shape.layout.uploadDir}/linkerd2-proxy` },
            { parent: this, dependsOn: previous ? [previous] : [] },
          ),
        );
      }
      const secretName = shapeStep.secrets[0];
      const value = secretName !== undefined ? secretInputs[secretName] : undefined;
      const secret = value !== undefined ? { name: secretName, value } : undefined;
      const cmd = hostStepCommand(`${name}-${shapeStep.id}`, step, {
        connection,
        sudo: c.sudo ?? false,
        ...(secret ? { secret } : {}),
        parent: this,
        dependsOn: deps,
      });
      steps[shapeStep.id] = cmd;
      previous = cmd;
    });
    return steps;
  }

  /**
   * The join command, run on the SPIRE server host's connection after its server runs: registers this
   * VM's entry under its agent and prints a one-time join token, which Pulumi keeps as a secret
   * (`additionalSecretOutputs`, standard output never logged). Delete removes the VM's entries.
   */
  private joinCommand(
    name: string,
    server: SpireServerHost,
    resolved: pulumi.Output<ResolvedHost>,
  ): { command: command.remote.Command; token: pulumi.Output<string> } {
    const step = pulumi.all([server.resolved, resolved]).apply(([s, h]) => spireJoinStep(s, h));
    const cmd = hostStepCommand(`${name}-join`, step, {
      connection: server.connection,
      sudo: server.sudo,
      secretStdout: true,
      parent: this,
      dependsOn: [server.ready],
    });
    const token = pulumi.secret(
      cmd.stdout.apply((out) => {
        const line = out.split('\n').find((l) => l.startsWith(JOIN_TOKEN_OUTPUT_PREFIX));
        if (!line) throw new Error(`[ExternalWorkloadHost ${name}] the join command on ${server.nodeName} printed no join token`);
        return line.slice(JOIN_TOKEN_OUTPUT_PREFIX.length).trim();
      }),
    );
    return { command: cmd, token };
  }

  /**
   * The reporter's ServiceAccount, Role (get, patch on this workload's status only), RoleBinding and
   * token Secret. pulumi-kubernetes waits until the token controller has filled a
   * `kubernetes.io/service-account-token` Secret (pulumi/pulumi-kubernetes pull request 2048), so its
   * `data.token` is known when the readiness step runs; the Secret is created after its ServiceAccount.
   */
  private readinessCredential(
    name: string,
    shape: ResolvedHost,
    mesh: MeshReference,
  ): { resources: pulumi.Resource[]; token: pulumi.Output<string>; caPem: pulumi.Output<string | undefined> } {
    const [sa, role, binding, tokenSecret] = readinessRbacManifests(shape.workload, shape.readiness!);
    const saRes = kubeResource(resourceName(name, sa), sa, { parent: this, dependsOn: [mesh.crds] });
    const roleRes = kubeResource(resourceName(name, role), role, { parent: this, dependsOn: [mesh.crds] });
    const bindingRes = kubeResource(resourceName(name, binding), binding, { parent: this, dependsOn: [saRes, roleRes] });
    const secretRes = kubeResource(resourceName(name, tokenSecret), tokenSecret, { parent: this, dependsOn: [saRes] }) as k8s.core.v1.Secret;
    const data = secretRes.data as pulumi.Output<Record<string, string> | undefined>;
    const decoded = (key: string) => data.apply((d) => (d?.[key] !== undefined ? Buffer.from(d[key], 'base64').toString('utf8') : undefined));
    const token = pulumi.secret(
      decoded('token').apply((t) => {
        if (!t) throw new Error(`[ExternalWorkloadHost ${name}] readiness: the token Secret ${tokenSecret.metadata.namespace}/${tokenSecret.metadata.name} has no data.token; is the cluster's token controller running?`);
        return t.trim();
      }),
    );
    return { resources: [saRes, roleRes, bindingRes, secretRes], token, caPem: decoded('ca.crt') };
  }
}
