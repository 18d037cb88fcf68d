/**
 * Pulumi `LinkerdNetworkPolicies`: a ComponentResource whose children are the same policies as the
 * core computes; Input IPs and CIDRs land inside the policies without changing which exist; the
 * analyzer runs at construction and throws on a blocked mesh flow.
 */
import * as pulumi from '@pulumi/pulumi';
import { controlPlaneEndpoints } from '../../src/core/constants';
import { ValidationError } from '../../src/core/errors';
import type { ExternalWorkloadInfo } from '../../src/core/mesh-info';
import { LATE_API_SERVER_CIDR, linkerdNetworkPolicies } from '../../src/core/network-policies';
import { LinkerdNetworkPolicies } from '../../src/pulumi/linkerd-network-policies';
import { policy } from '../analysis/helpers';
import { expectConformant } from '../support/conformance';
import { GraphRecorder, pulumiTestEnv, PulumiTestEnv, resolveOutput } from '../support/pulumi';

let env: PulumiTestEnv;
beforeAll(async () => {
  env = await pulumiTestEnv();
});
beforeEach(() => env.reset());

const NP = 'kubernetes:networking.k8s.io/v1:NetworkPolicy';
const vm: ExternalWorkloadInfo = { name: 'vm', namespace: 'shop', identity: 'spiffe://example.org/vm', labels: { app: 'vm' }, ports: [{ port: 8080 }] };

/** A registered NetworkPolicy's object as the provider would receive it. */
function registered(name: string) {
  const r = env.byName(name);
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: r.inputs.metadata, spec: r.inputs.spec };
}

describe('LinkerdNetworkPolicies (Pulumi)', () => {
  test('a component with one child NetworkPolicy per core policy, parented, with the same content', async () => {
    const graph = new GraphRecorder();
    const c = new LinkerdNetworkPolicies('netpol', { namespaces: ['shop'] }, { transformations: [graph.transformation] });
    await env.settle();
    const expected = linkerdNetworkPolicies({ namespaces: ['shop'] }).policies;
    expect(c.policyNames).toEqual(expected.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    expect(env.byType('linkerd-constructs:index:LinkerdNetworkPolicies')).toHaveLength(1);
    expect(env.byType(NP)).toHaveLength(expected.length);
    for (const p of expected) {
      const name = `netpol-networkpolicy-${p.metadata.namespace}-${p.metadata.name}`;
      expect(graph.node(name).parent).toBe('netpol');
      expect(registered(name)).toEqual(p);
    }
    expectConformant(expected.map((p) => registered(`netpol-networkpolicy-${p.metadata.namespace}-${p.metadata.name}`)));
    expect(c.analysis?.ok).toBe(true);
    expect(c.analysis?.summary.controlPlane).toBe('built-in');
  });

  test('IPs and CIDRs known only at deployment (Outputs) fill the policies; which policies exist does not change', async () => {
    const ips = pulumi.output(['192.0.2.10']);
    const ref = { externalWorkload: vm, workloadIps: ips, resource: undefined as unknown as pulumi.Resource };
    const c = new LinkerdNetworkPolicies('netpol', { namespaces: ['shop'], externalWorkloads: [ref], apiServerCidrs: [pulumi.output('172.20.0.0/28')] });
    await env.settle();
    expect(c.policyNames).toEqual(linkerdNetworkPolicies({ namespaces: ['shop'] }).policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    const meshed = registered('netpol-networkpolicy-shop-linkerd-allow-meshed-ingress');
    expect(meshed.spec.ingress).toEqual([
      { from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'linkerd.io/control-plane-ns': 'linkerd' } } }], ports: [{ protocol: 'TCP', port: 4143 }] },
      { from: [{ ipBlock: { cidr: '192.0.2.10/32' } }], ports: [{ protocol: 'TCP', port: 4143 }] },
    ]);
    expect(registered('netpol-networkpolicy-linkerd-linkerd-allow-webhook-ingress').spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '172.20.0.0/28' } }]);
    expect(registered('netpol-networkpolicy-linkerd-linkerd-allow-destination-ingress').spec.ingress[1].from).toEqual([{ ipBlock: { cidr: '192.0.2.10/32' } }]);
    // the placeholder used for the analysis of unknown CIDRs never reaches the cluster
    expect(JSON.stringify(env.resources.map((r) => r.inputs))).not.toContain(LATE_API_SERVER_CIDR);
  });

  test('the component exposes its outputs', async () => {
    const c = new LinkerdNetworkPolicies('netpol', { namespaces: ['shop'] });
    await env.settle();
    const metadata = await resolveOutput(c.policies[0].metadata);
    expect(metadata).toMatchObject({ name: 'linkerd-default-deny', namespace: 'linkerd' });
    expect(c.controlPlaneNamespace).toBe('linkerd');
  });

  test('with a MeshReference, the policies wait for its CRDs (hence its namespace)', async () => {
    const graph = new GraphRecorder();
    const crds = new pulumi.ComponentResource('test:index:Crds', 'crds');
    const controlPlane = new pulumi.ComponentResource('test:index:ControlPlane', 'cp');
    const mesh = {
      info: {
        namespace: 'linkerd',
        trustDomain: 'cluster.local',
        clusterDomain: 'cluster.local',
        defaultInboundPolicy: 'all-unauthenticated' as const,
        clusterNetworks: ['10.0.0.0/8'],
        highAvailability: false,
        cniEnabled: false,
        endpoints: controlPlaneEndpoints(),
      },
      crds,
      controlPlane,
      trustAnchorPem: pulumi.output('pem'),
    };
    new LinkerdNetworkPolicies('netpol', { mesh, namespaces: ['shop'] }, { transformations: [graph.transformation] });
    await env.settle();
    await graph.settle();
    expect(graph.dependsOn('netpol-networkpolicy-linkerd-linkerd-default-deny')).toEqual(['crds']);
  });

  test('a blocked mesh flow throws at construction with the finding; accepting it (with a reason) passes', () => {
    const deny = policy('linkerd', 'deny-all-ingress', { ingress: [{ from: [{ podSelector: {} }] }] });
    // our own allow policies admit the flows even with another deny-all: union
    expect(() => new LinkerdNetworkPolicies('ok', { namespaces: ['shop'], analysisManifests: [deny] })).not.toThrow();
    // without the control plane policies, another team's deny-all breaks the mesh
    let error: unknown;
    try {
      new LinkerdNetworkPolicies('broken', { namespaces: ['shop'], controlPlane: false, analysisManifests: [deny] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toMatch(/\[LinkerdNetworkPolicies broken\] mesh flow destination:ingress:linkerd\/linkerd-destination:8086\/TCP: received \["linkerd\/deny-all-ingress"\]; 8086\/TCP from shop\/any-meshed-pod to linkerd\/linkerd-destination is blocked/);
    expect(message).toMatch(/or accept it with acceptedFindings: \[\{ id: 'destination:ingress:linkerd\/linkerd-destination:8086\/TCP'/);
    const accepted = new LinkerdNetworkPolicies('accepted', {
      namespaces: ['shop'],
      controlPlane: false,
      analysisManifests: [deny],
      acceptedFindings: [{ id: '*:ingress:linkerd/*', reason: 'the platform team owns the linkerd namespace policies' }],
    });
    expect(accepted.analysis!.ok).toBe(true);
    expect(accepted.analysis!.findings.every((f) => f.accepted === 'the platform team owns the linkerd namespace policies')).toBe(true);
  });

  test('analyze: false skips the analysis; bad props throw with the component name', () => {
    const c = new LinkerdNetworkPolicies('quiet', { namespaces: ['shop'], analyze: false });
    expect(c.analysis).toBeUndefined();
    expect(() => new LinkerdNetworkPolicies('bad', { namespaces: ['shop'], apiServerCidrs: ['300.0.0.0/8'] })).toThrow(/\[LinkerdNetworkPolicies bad\] apiServerCidrs\[0\]: received "300\.0\.0\.0\/8"/);
  });
});
