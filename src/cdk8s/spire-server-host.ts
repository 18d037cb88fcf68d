/**
 * `SpireServerHost` (cdk8s): the trust domain's one SPIRE server, on a designated identity host that
 * workload VMs do not run. It emits no Kubernetes object; `ExternalWorkloadHost.writeBundles` writes
 * its bundle and cloud-init, and one join script per agent-only VM that joins it.
 */
import { Construct } from 'constructs';
import type { MeshReference } from './mesh-reference';
import { formatIssue } from '../core/errors';
import { renderCloudInit, renderShellBundle } from '../core/host/bundle';
import type { SpireServerReference } from '../core/host/props';
import {
  resolveSpireServerHost,
  spireServerHostPlan,
  type ResolvedSpireServerHost,
  type SpireServerHostProps as CoreSpireServerHostProps,
} from '../core/host/spire-server-host';
import type { HostPlan } from '../core/host/types';

/** Props of {@link SpireServerHost}. */
export interface SpireServerHostProps extends Omit<CoreSpireServerHostProps, 'trustAnchorPem'> {
  /** The mesh whose identities the server issues (its trust domain defaults from it). */
  readonly mesh: MeshReference;
  /**
   * The mesh's trust anchor certificate(s), PEM: the upstream root, published as the server's bundle.
   * @default the mesh's `trustAnchorPem` when it has one
   */
  readonly trustAnchorPem?: string;
}

/**
 * The SPIRE server of a trust domain on its own host. Its upstream CA is an intermediate signed by
 * the mesh's trust anchor (`linkerd-constructs certs` writes `spire-ca.crt` / `spire-ca.key`); the
 * key is delivered to the host by you (the bundle reads it from `LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE`),
 * never written into the output.
 *
 * ```ts
 * const spire = new SpireServerHost(chart, 'spire', {
 *   mesh, nodeName: 'spire-1', address: '192.0.2.50',
 *   upstreamCaPem: fs.readFileSync('certs/spire-ca.crt', 'utf8'),
 *   install: { kind: 'url', sha256: '...' },
 * });
 * new ExternalWorkloadHost(chart, 'vm', { ..., spire: { kind: 'agent', server: spire, install: { kind: 'url', sha256: '...' } } });
 * ```
 *
 * Implements `SpireServerReference`: pass it as `spire.server` of an agent-only `ExternalWorkloadHost`.
 */
export class SpireServerHost extends Construct implements SpireServerReference {
  /** Address the VMs reach the server on. */
  public readonly address: string;
  /** Port of its agent API. */
  public readonly port: number;
  /** SPIFFE trust domain. */
  public readonly trustDomain: string;
  /** Machine name. */
  public readonly nodeName: string;
  /** The resolved settings (for the join scripts). */
  public readonly resolved: ResolvedSpireServerHost;
  private cachedPlan?: HostPlan;

  public constructor(scope: Construct, id: string, props: SpireServerHostProps) {
    super(scope, id);
    const { mesh, trustAnchorPem, ...rest } = props;
    const anchor = trustAnchorPem ?? (mesh as { readonly trustAnchorPem?: string }).trustAnchorPem;
    this.resolved = resolveSpireServerHost(this.node.path, { ...rest, trustAnchorPem: anchor as string }, mesh.info);
    for (const w of this.resolved.warnings) {
      // eslint-disable-next-line no-console
      console.warn(formatIssue(w));
    }
    this.address = this.resolved.address;
    this.port = this.resolved.port;
    this.trustDomain = this.resolved.trustDomain;
    this.nodeName = this.resolved.nodeName;
  }

  /** The server host's provisioning plan (built on first use). */
  public get plan(): HostPlan {
    if (!this.cachedPlan) this.cachedPlan = spireServerHostPlan(this.resolved);
    return this.cachedPlan;
  }

  /** The plan as one shell script (`bash bundle.sh create|delete|list`). */
  public renderBundle(): string {
    return renderShellBundle(this.plan);
  }

  /** The plan as cloud-init user-data. */
  public renderCloudInit(): string {
    return renderCloudInit(this.plan);
  }
}
