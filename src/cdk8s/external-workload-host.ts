/**
 * `ExternalWorkloadHost` (cdk8s): a VM meshed with SPIRE. Emits its `ExternalWorkload` (the default
 * child, id `Resource`) and writes the host's provisioning bundle and cloud-init user-data next to
 * the synthesized manifests.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ApiObject } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { addApiObjects } from './_objects';
import { PerApp } from './_synthesis';
import type { ExternalWorkloadReference, MeshReference } from './mesh-reference';
import { SpireServerHost } from './spire-server-host';
import { formatIssue } from '../core/errors';
import { externalWorkloadInfo, externalWorkloadManifest, externalWorkloadUpstreamWarnings } from '../core/external-workload/external-workload';
import { renderCloudInit, renderShellBundle } from '../core/host/bundle';
import { hostProvisioningPlan } from '../core/host/plan';
import type { ExternalWorkloadHostProps as CoreHostProps, ResolvedHost } from '../core/host/props';
import { readinessRbacManifests } from '../core/host/readiness';
import { resolveHost } from '../core/host/resolve';
import { spireJoinStep, type ResolvedSpireServerHost } from '../core/host/spire-server-host';
import type { HostPlan, HostStep } from '../core/host/types';
import type { ExternalWorkloadInfo } from '../core/mesh-info';

/** The hosts of one app by `namespace/name` of their ExternalWorkload. */
class HostsByWorkload {
  private readonly hosts = new Map<string, ExternalWorkloadHost[]>();

  public add(host: ExternalWorkloadHost): void {
    const key = `${host.externalWorkload.namespace}/${host.externalWorkload.name}`;
    this.hosts.set(key, [...(this.hosts.get(key) ?? []), host]);
  }

  /** The validation message of `host` when another host has its ExternalWorkload name and namespace. */
  public duplicatesOf(host: ExternalWorkloadHost): string[] {
    const key = `${host.externalWorkload.namespace}/${host.externalWorkload.name}`;
    const others = (this.hosts.get(key) ?? []).filter((h) => h !== host);
    return others.length === 0
      ? []
      : [`name, namespace: received "${key}", also used by ${others.map((o) => o.node.path).join(', ')}; expected one ExternalWorkload (and SPIFFE identity) per host`];
  }
}

const HOSTS_BY_WORKLOAD = new PerApp(() => new HostsByWorkload());

/** Props of {@link ExternalWorkloadHost}. */
export interface ExternalWorkloadHostProps extends Omit<CoreHostProps, 'trustAnchorPem'> {
  /** The mesh the VM joins: trust domain, control plane endpoints; the object depends on its CRDs. */
  readonly mesh: MeshReference;
  /**
   * The mesh's trust anchor certificate(s), PEM: the proxy trusts it, SPIRE signs with it.
   * @default the mesh's `trustAnchorPem` when it has one (a `LinkerdMesh` with a supplied or generated identity)
   */
  readonly trustAnchorPem?: string;
}

/** File name of the shell bundle {@link ExternalWorkloadHost.writeBundle} writes. */
export const HOST_BUNDLE_FILE = 'bundle.sh';
/** File name of the cloud-init user-data {@link ExternalWorkloadHost.writeBundle} writes. */
export const HOST_CLOUD_INIT_FILE = 'cloud-init.yaml';

/**
 * A VM (or any Linux machine) joined to the mesh, as the seed does by hand: SPIRE issues its
 * identity, linkerd2-proxy runs beside the application, iptables steers traffic through it, and the
 * cluster learns about it through an `ExternalWorkload`.
 *
 * ```ts
 * const vm = new ExternalWorkloadHost(chart, 'legacy-vm', {
 *   mesh, name: 'legacy-vm', namespace: 'mixed-env', workloadIps: ['192.0.2.10'],
 *   ports: [{ name: 'http', port: 80 }], labels: { app: 'legacy-app' },
 *   trustAnchorPem, spire: { install: { kind: 'url', sha256: '...' } },
 * });
 * app.synth();
 * ExternalWorkloadHost.writeBundles(app, app.outdir); // <outdir>/hosts/<nodeName>/{bundle.sh,cloud-init.yaml}
 * ```
 *
 * Implements `ExternalWorkloadReference`: pass it to `MeshAuthorization` as a source or a workload.
 * Creating one does no file I/O and renders no script; the plan is built on first use.
 */
export class ExternalWorkloadHost extends Construct implements ExternalWorkloadReference {
  /**
   * Writes the bundle and cloud-init of every host under `scope` into `<outdir>/hosts/<nodeName>/`.
   * Returns the paths written, sorted.
   */
  public static writeBundles(scope: IConstruct, outdir: string): string[] {
    const all = scope.node.findAll();
    const hosts = all.filter((c): c is ExternalWorkloadHost => c instanceof ExternalWorkloadHost);
    const servers = all.filter((c): c is SpireServerHost => c instanceof SpireServerHost);
    const seen = new Map<string, string>();
    for (const h of [...hosts, ...servers]) {
      const other = seen.get(h.nodeName);
      if (other !== undefined) {
        throw new Error(`[${h.node.path}] nodeName: received ${JSON.stringify(h.nodeName)}; expected a machine name no other host uses (${other} uses it)`);
      }
      seen.set(h.nodeName, h.node.path);
    }
    const written = hosts.flatMap((h) => h.writeBundle(path.join(outdir, 'hosts', h.nodeName)));
    for (const server of servers) {
      const dir = path.join(outdir, 'hosts', server.nodeName);
      fs.mkdirSync(dir, { recursive: true });
      const files: Array<[string, string, number]> = [
        [HOST_BUNDLE_FILE, server.renderBundle(), 0o755],
        [HOST_CLOUD_INIT_FILE, server.renderCloudInit(), 0o644],
        // per agent-only VM that joins this server: `bash join-<vm>.sh /root/<vm>.token` (its entry and a
        // one-time token), and `bash leave-<vm>.sh` (removes its entries when the VM goes)
        ...hosts.flatMap((h) => {
          const step = h.joinStepOn(server.resolved);
          return step
            ? ([
              [`join-${h.nodeName}.sh`, step.create, 0o755],
              [`leave-${h.nodeName}.sh`, step.delete, 0o755],
            ] as Array<[string, string, number]>)
            : [];
        }),
      ];
      for (const [name, content, mode] of files) {
        const file = path.join(dir, name);
        fs.writeFileSync(file, content, { mode });
        fs.chmodSync(file, mode);
        written.push(file);
      }
    }
    return written.sort();
  }

  /** Name, namespace, SPIFFE identity, labels, ports and IPs of the `ExternalWorkload`. */
  public readonly externalWorkload: ExternalWorkloadInfo;
  /** The machine's name (folder of its bundle). */
  public readonly nodeName: string;
  /** The `ExternalWorkload` object (also `node.defaultChild`). */
  public readonly apiObject: ApiObject;
  private readonly resolved: ResolvedHost;
  private cachedPlan?: HostPlan;

  public constructor(scope: Construct, id: string, props: ExternalWorkloadHostProps) {
    super(scope, id);
    const trustAnchorPem = props.trustAnchorPem ?? (props.mesh as { readonly trustAnchorPem?: unknown }).trustAnchorPem;
    const meshAnchors = (props.mesh as { readonly trustAnchorPem?: unknown }).trustAnchorPem;
    this.resolved = resolveHost(this.node.path, { ...props, trustAnchorPem: trustAnchorPem as string }, props.mesh.info, {
      meshTrustAnchorsPem: typeof meshAnchors === 'string' ? meshAnchors : undefined,
    });
    for (const w of [...this.resolved.warnings, ...externalWorkloadUpstreamWarnings(props.mesh.info, this.node.path)]) {
      // eslint-disable-next-line no-console
      console.warn(formatIssue(w));
    }
    this.nodeName = this.resolved.nodeName;
    this.externalWorkload = externalWorkloadInfo(this.resolved.workload);
    // two hosts with one ExternalWorkload name and namespace would share one SPIFFE identity: the
    // hosts of an app are grouped once (not a tree walk per host per validation pass)
    HOSTS_BY_WORKLOAD.of(this).add(this);
    this.node.addValidation({ validate: () => HOSTS_BY_WORKLOAD.of(this).duplicatesOf(this) });
    const r = this.resolved.readiness;
    // the reporter's credential: a ServiceAccount whose Role may only read and patch this workload's
    // status, and its token Secret (filled by the cluster's token controller, empty in the manifest)
    const objects = addApiObjects(this, [externalWorkloadManifest(this.resolved.workload), ...(r ? readinessRbacManifests(this.resolved.workload, r) : [])], 0, 'by-kind');
    this.apiObject = objects[0];
    if (props.mesh.crds) this.apiObject.node.addDependency(props.mesh.crds);
  }

  /** The host provisioning plan (built on first use, then kept). */
  public get plan(): HostPlan {
    if (!this.cachedPlan) this.cachedPlan = hostProvisioningPlan(this.resolved);
    return this.cachedPlan;
  }

  /** The plan as one shell script (`bash bundle.sh create|delete|list`). */
  public renderBundle(): string {
    return renderShellBundle(this.plan);
  }

  /**
   * For an agent-only host joining `server`: the step that runs on the server host (register this
   * VM's entry, make its one-time join token). `undefined` for other hosts.
   */
  public joinStepOn(server: ResolvedSpireServerHost): HostStep | undefined {
    const s = this.resolved.spire;
    return s.kind === 'agent' && s.server.nodeName === server.nodeName && s.server.address === server.address ? spireJoinStep(server, this.resolved) : undefined;
  }

  /** The plan as cloud-init user-data that installs and runs the bundle at first boot. */
  public renderCloudInit(): string {
    return renderCloudInit(this.plan);
  }

  /** Writes `bundle.sh` (mode 0755) and `cloud-init.yaml` into `dir`; returns their paths. */
  public writeBundle(dir: string): string[] {
    fs.mkdirSync(dir, { recursive: true });
    const bundle = path.join(dir, HOST_BUNDLE_FILE);
    const cloudInit = path.join(dir, HOST_CLOUD_INIT_FILE);
    fs.writeFileSync(bundle, this.renderBundle(), { mode: 0o755 });
    fs.chmodSync(bundle, 0o755);
    fs.writeFileSync(cloudInit, this.renderCloudInit());
    return [bundle, cloudInit];
  }
}
