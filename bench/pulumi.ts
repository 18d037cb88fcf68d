/**
 * The platform as one Pulumi program, constructed under mocks: per namespace a Namespace and the
 * Deployments (plain `@pulumi/kubernetes` resources), a `MeshAuthorization` per workload (the
 * components share the mesh, so they are checked against each other), an `ExternalWorkloadHost` per
 * 50 workloads (provisioned over SSH: one `remote.Command` per step), and the `LinkerdNetworkPolicies`
 * of every namespace (analyzed at construction).
 *
 * The baseline ({@link buildPulumiRaw}) registers the same resources with the same inputs as plain
 * `@pulumi/kubernetes` and `@pulumi/command` resources: what a user could write without this
 * library (no component, no check, no analysis).
 */
import { createHash } from 'crypto';
import * as command from '@pulumi/command';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { gc, memory, timingOf, type CaseTask, type Progress, type PulumiResult } from './cases';
import { allowedSources, API_SERVER_CIDRS, deploymentManifest, hostWorkloadProps, MESH_INFO, namespaceManifest, SPIRE_CA_PEM, syntheticMesh, TRUST_ANCHOR_PEM, type BenchHost, type BenchMesh } from './mesh';
import { rawObjects } from './raw';
import { planHost, type KubeObject } from '../src/core';
import { remoteCommandLine } from '../src/core/host/remote';
import { ExternalWorkloadHost, LinkerdNetworkPolicies, MeshAuthorization, type MeshReference } from '../src/pulumi';

/** The SSH key and SPIRE upstream CA key of the bench hosts (stand-ins: nothing connects under mocks). */
const SSH_KEY = 'bench-ssh-key';
const SPIRE_CA_KEY = 'bench-spire-ca-key';
/** How the bench hosts install SPIRE and the proxy (the same on both sides). */
const SPIRE_INSTALL = { kind: 'url', sha256: '0'.repeat(64) } as const;
const PROXY = { binary: { kind: 'image' } } as const;

/** A stand-in for resources the program only depends on (the mesh's CRDs and control plane). */
class Placeholder extends pulumi.ComponentResource {
  public constructor(name: string) {
    super('bench:index:Placeholder', name, {}, {});
    this.registerOutputs({});
  }
}

/** Resources the mocks saw. */
export interface MockCounter {
  /** Resources registered so far. */
  readonly registered: () => number;
  /** Forgets the count. */
  readonly reset: () => void;
}

/** Installs Pulumi mocks that echo inputs back and count registrations (each also given to `onResource`). */
export async function installMocks(onResource?: (args: pulumi.runtime.MockResourceArgs) => void): Promise<MockCounter> {
  let count = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        count += 1;
        onResource?.(args);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call() {
        return {};
      },
    },
    'linkerd-constructs-bench',
    'bench',
    false,
  );
  return { registered: () => count, reset: () => (count = 0) };
}

/** Waits until registrations stop arriving (they are asynchronous). */
export async function settle(counter: MockCounter): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < 20) {
    await new Promise((r) => setImmediate(r));
    const now = counter.registered();
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
}

/** Constructs the program's resources (registration continues asynchronously). */
export function buildPulumi(mesh: BenchMesh, prefix = 'bench'): { components: number } {
  const crds = new Placeholder(`${prefix}-linkerd-crds`);
  const controlPlane = new Placeholder(`${prefix}-linkerd-control-plane`);
  const reference: MeshReference = { info: MESH_INFO, crds, controlPlane, trustAnchorPem: pulumi.output(TRUST_ANCHOR_PEM) };
  const hosts: ExternalWorkloadHost[] = [];
  let components = 0;
  for (const ns of mesh.namespaces) {
    const nsObj = namespaceManifest(ns);
    const namespace = new k8s.core.v1.Namespace(`${prefix}-${ns.name}`, { metadata: nsObj.metadata });
    const byName = new Map<string, ExternalWorkloadHost>();
    for (const h of ns.hosts) {
      const host = new ExternalWorkloadHost(
        `${prefix}-${h.name}`,
        {
          mesh: reference,
          ...hostWorkloadProps(h),
          connection: { host: h.ip, user: 'root', privateKey: pulumi.secret(SSH_KEY) },
          spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, upstreamCaKeyPem: pulumi.secret(SPIRE_CA_KEY), install: SPIRE_INSTALL },
          proxy: PROXY,
        },
        { dependsOn: [namespace] },
      );
      byName.set(h.name, host);
      hosts.push(host);
      components += 1;
    }
    for (const w of ns.workloads) {
      const obj = deploymentManifest(w);
      const { apiVersion: _a, kind: _k, ...body } = obj as unknown as Record<string, unknown>;
      new k8s.apps.v1.Deployment(`${prefix}-${ns.name}-${w.name}`, body as unknown as k8s.apps.v1.DeploymentArgs, { dependsOn: [namespace, controlPlane] });
      const allow = allowedSources(w, (vm) => ({ externalWorkload: byName.get(vm)!.externalWorkload }));
      new MeshAuthorization(`${prefix}-${w.name}`, { mesh: reference, workload: obj, port: 'http', protocol: 'HTTP/1', allow }, { dependsOn: [namespace] });
      components += 1;
    }
  }
  new LinkerdNetworkPolicies(`${prefix}-network-policies`, {
    mesh: reference,
    namespaces: mesh.namespaces.map((ns) => ns.name),
    externalWorkloads: hosts,
    apiServerCidrs: [...API_SERVER_CIDRS],
  });
  return { components: components + 1 };
}

/** One step of a host as a hand-written program holds it: final strings. */
export interface RawHostStep {
  readonly id: string;
  readonly create: string;
  readonly delete: string;
  readonly triggers: readonly string[];
  /** The step reads the SPIRE upstream CA key on standard input. */
  readonly readsKey: boolean;
  /** The step needs the control plane (it reads the mesh's identity or talks to the cluster). */
  readonly afterControlPlane: boolean;
}

/**
 * The host scripts of the baseline, computed before the clock starts: a user without this library
 * would keep them as files of their own (the same scripts, so the two programs register the same
 * inputs), not compute them while the program runs.
 */
export function rawHostSteps(mesh: BenchMesh): ReadonlyMap<string, readonly RawHostStep[]> {
  const out = new Map<string, RawHostStep[]>();
  const keyTrigger = (name: string) => `${name}-sha256=${createHash('sha256').update(SPIRE_CA_KEY).digest('hex')}`;
  for (const h of mesh.hosts) {
    const plan = planHost(
      `bench ${h.name}`,
      { ...hostWorkloadProps(h), trustAnchorPem: TRUST_ANCHOR_PEM, spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: SPIRE_INSTALL }, proxy: PROXY, readiness: false },
      MESH_INFO,
    );
    out.set(
      h.name,
      plan.steps.map((s) => ({
        id: s.id,
        create: remoteCommandLine(s.create),
        delete: remoteCommandLine(s.delete),
        triggers: s.secrets.length > 0 ? [...s.triggers, keyTrigger(s.secrets[0])] : [...s.triggers],
        readsKey: s.secrets.length > 0,
        afterControlPlane: s.id === 'preflight' || s.id === 'spire-upstream-ca' || s.id === 'proxy-service',
      })),
    );
  }
  return out;
}

/** A plain `@pulumi/kubernetes` resource for a final object (typed where the provider has a class). */
function plainResource(name: string, object: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const { apiVersion, kind, ...body } = object as unknown as Record<string, unknown> & { apiVersion: string; kind: string };
  switch (`${apiVersion}/${kind}`) {
    case 'v1/Namespace':
      return new k8s.core.v1.Namespace(name, body as k8s.core.v1.NamespaceArgs, opts);
    case 'apps/v1/Deployment':
      return new k8s.apps.v1.Deployment(name, body as unknown as k8s.apps.v1.DeploymentArgs, opts);
    case 'networking.k8s.io/v1/NetworkPolicy':
      return new k8s.networking.v1.NetworkPolicy(name, body as k8s.networking.v1.NetworkPolicyArgs, opts);
    default:
      return new k8s.apiextensions.CustomResource(name, { apiVersion, kind, ...body }, opts);
  }
}

/** The commands of one host, chained in order, the key on standard input of the step that reads it. */
function rawHostCommands(prefix: string, h: BenchHost, steps: readonly RawHostStep[], controlPlane: pulumi.Resource): void {
  const connection = { host: h.ip, port: 22, user: 'root', privateKey: pulumi.secret(SSH_KEY) };
  let previous: pulumi.Resource | undefined;
  for (const s of steps) {
    const deps = [...(previous ? [previous] : []), ...(s.afterControlPlane ? [controlPlane] : [])];
    previous = new command.remote.Command(
      `${prefix}-${h.name}-${s.id}`,
      {
        connection,
        create: s.create,
        update: s.create,
        delete: s.delete,
        // the key's digest makes the triggers a secret, as in ours
        triggers: s.readsKey ? pulumi.secret([...s.triggers]) : [...s.triggers],
        ...(s.readsKey ? { stdin: pulumi.secret(SPIRE_CA_KEY), logging: command.types.enums.remote.Logging.None } : {}),
        addPreviousOutputInEnv: false,
      },
      { dependsOn: deps },
    );
  }
}

/**
 * The baseline: the same resources as {@link buildPulumi}, with the same inputs, as plain
 * `@pulumi/kubernetes` and `@pulumi/command` resources, each object built when it is reached (as
 * the cdk8s baseline builds its `ApiObject`s); the host scripts come from {@link rawHostSteps}.
 */
export function buildPulumiRaw(mesh: BenchMesh, hostSteps: ReadonlyMap<string, readonly RawHostStep[]>, prefix = 'bench'): { components: number } {
  const crds = new Placeholder(`${prefix}-linkerd-crds`);
  const controlPlane = new Placeholder(`${prefix}-linkerd-control-plane`);
  const hosts = new Map(mesh.hosts.map((h) => [h.name, h]));
  let namespace: pulumi.Resource | undefined;
  for (const { object } of rawObjects(mesh)) {
    const name = `${prefix}-${object.kind}-${object.metadata.namespace ?? ''}-${object.metadata.name}`;
    switch (object.kind) {
      case 'Namespace':
        namespace = plainResource(name, object, {});
        break;
      case 'ExternalWorkload': {
        plainResource(name, object, { dependsOn: [crds] });
        const h = hosts.get(object.metadata.name!)!;
        rawHostCommands(prefix, h, hostSteps.get(h.name)!, controlPlane);
        break;
      }
      case 'Deployment':
        plainResource(name, object, { dependsOn: [namespace!, controlPlane] });
        break;
      case 'NetworkPolicy':
        plainResource(name, object, {});
        break;
      default:
        plainResource(name, object, { dependsOn: [namespace!, crds] });
    }
  }
  return { components: 0 };
}

/**
 * One Pulumi case (ours: `pulumi`, the baseline: `pulumi-raw`) in this process, run by run: each
 * `run()` constructs the program (a warm-up run on a tenth of the size for the first `task.warmup`
 * calls) and waits until every registration reached the mocks. The parent drives an ours and a raw
 * session in two processes, one run each in turn (see `child.ts`).
 */
export class PulumiSession {
  /** Installs the mocks (once per process), then prepares the case (the baseline's scripts, untimed). */
  public static async start(task: CaseTask, progress: Progress): Promise<PulumiSession> {
    if (task.case !== 'pulumi' && task.case !== 'pulumi-raw') throw new Error(`not a Pulumi case: ${task.case}`);
    const counter = await installMocks();
    return new PulumiSession(task, progress, counter, process.memoryUsage().rss);
  }

  private readonly mesh: BenchMesh;
  private readonly warm: BenchMesh;
  private readonly build: (mesh: BenchMesh, prefix: string) => { components: number };
  private readonly construct: number[] = [];
  private readonly total: number[] = [];
  private runs = 0;
  private resources = 0;
  private components = 0;

  private constructor(
    private readonly task: CaseTask,
    private readonly progress: Progress,
    private readonly counter: MockCounter,
    private readonly baseRss: number,
  ) {
    this.mesh = syntheticMesh(task.size);
    this.warm = syntheticMesh(Math.max(10, Math.round(task.size / 10)));
    if (task.case === 'pulumi-raw') {
      const steps = new Map([...rawHostSteps(this.mesh), ...rawHostSteps(this.warm)]);
      this.build = (mesh, prefix) => buildPulumiRaw(mesh, steps, prefix);
    } else {
      this.build = buildPulumi;
    }
  }

  /** Runs planned (warm-up and timed). */
  public get planned(): number {
    return this.task.warmup + this.task.repeats;
  }

  /** True once the planned runs ran. */
  public get done(): boolean {
    return this.runs >= this.planned;
  }

  /** Constructs the program once and waits for its registrations; returns the total time in milliseconds. */
  public async run(): Promise<number> {
    const r = this.runs++;
    const timed = r >= this.task.warmup;
    await settle(this.counter);
    gc();
    this.counter.reset();
    const t0 = performance.now();
    const built = this.build(timed ? this.mesh : this.warm, `r${r}`);
    const t1 = performance.now();
    await settle(this.counter);
    const t2 = performance.now();
    if (timed) {
      this.construct.push(t1 - t0);
      this.total.push(t2 - t0);
      this.resources = this.counter.registered();
      this.components = built.components;
    }
    this.progress(`${timed ? 'run' : `warm-up (${this.warm.size} workloads)`} ${r + 1}/${this.planned}: ${this.counter.registered()} resources in ${(t2 - t0).toFixed(0)} ms`);
    return t2 - t0;
  }

  /** The result (after the planned runs). */
  public finish(): PulumiResult {
    if (this.runs !== this.planned) throw new Error(`${this.task.case} ${this.task.size}: ${this.runs} runs of ${this.planned} planned`);
    const t = timingOf(this.total);
    return {
      case: this.task.case as PulumiResult['case'],
      size: this.task.size,
      components: this.components,
      resources: this.resources,
      construct: timingOf(this.construct),
      total: t,
      resourcesPerSecond: this.resources / (t.median / 1000),
      ...memory(this.baseRss),
    };
  }
}
