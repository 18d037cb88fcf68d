/**
 * The cluster side of mesh expansion: the `ExternalWorkload` object and the Services over pods and
 * external workloads (the seed's `legacy-app` and `legacy-app-cluster`), in the core, cdk8s and Pulumi.
 */
import { Chart, Testing } from 'cdk8s';
import { MeshExpansionService as Cdk8sService } from '../../src/cdk8s/mesh-expansion-service';
import {
  externalWorkloadInfo,
  externalWorkloadManifest,
  externalWorkloadReadyStatusPatch,
  meshExpansionService,
  podLocationLabels,
  resolveExternalWorkload,
  type ExternalWorkloadProps,
} from '../../src/core/external-workload';
import { MeshExpansionService as PulumiService } from '../../src/pulumi/mesh-expansion-service';
import { expectConformant } from '../support/conformance';
import { validationMessageOf } from '../support/errors';
import { defaultMesh } from '../support/mesh';
import { pulumiTestEnv } from '../support/pulumi';

const mesh = defaultMesh();
const props = (o: Partial<ExternalWorkloadProps> = {}): ExternalWorkloadProps => ({
  name: 'external-workload',
  namespace: 'mixed-env',
  workloadIps: ['192.0.2.10'],
  ports: [{ name: 'http', port: 80 }],
  labels: { app: 'legacy-app' },
  ...o,
});
describe('ExternalWorkload', () => {
  test('the seed\'s workload, as v1beta1 with meshTLS (not the seed\'s v1alpha1 meshTls), conformant', () => {
    const ew = externalWorkloadManifest(
      resolveExternalWorkload('t', props({ identity: 'spiffe://root.linkerd.cluster.local/external-workload', serverName: 'external-workload.cluster.local' }), mesh),
    );
    expect(ew).toEqual({
      apiVersion: 'workload.linkerd.io/v1beta1',
      kind: 'ExternalWorkload',
      metadata: { name: 'external-workload', namespace: 'mixed-env', labels: { location: 'vm', app: 'legacy-app', workload_name: 'external-workload' } },
      spec: {
        meshTLS: { identity: 'spiffe://root.linkerd.cluster.local/external-workload', serverName: 'external-workload.cluster.local' },
        ports: [{ name: 'http', port: 80 }],
        workloadIPs: [{ ip: '192.0.2.10' }],
      },
    });
    expect(ew).not.toHaveProperty('status');
    expectConformant([ew]);
  });

  test('identity and server name default from the mesh: spiffe://root.<cp namespace>.<trust domain>/<namespace>/<name>', () => {
    const r = resolveExternalWorkload('t', props(), defaultMesh({ namespace: 'l5d', trustDomain: 'prod.example', clusterDomain: 'corp.local' }));
    expect(r.identity).toBe('spiffe://root.l5d.prod.example/mixed-env/external-workload');
    expect(r.serverName).toBe('external-workload.mixed-env.corp.local');
    expect(r.spiffeTrustDomain).toBe('root.l5d.prod.example');
    const dual = externalWorkloadManifest(resolveExternalWorkload('t', props({ workloadIps: ['192.0.2.10', '2001:db8::10'], ports: [{ port: 8080, protocol: 'TCP' }] }), mesh));
    expect(dual.spec.workloadIPs).toEqual([{ ip: '192.0.2.10' }, { ip: '2001:db8::10' }]);
    expectConformant([dual]);
  });

  test('user labels override the defaults; the info other constructs consume matches the object', () => {
    const r = resolveExternalWorkload('t', props({ labels: { app: 'legacy-app', location: 'edge' } }), mesh);
    expect(r.labels).toEqual({ location: 'edge', workload_name: 'external-workload', app: 'legacy-app' });
    expect(externalWorkloadInfo(r)).toEqual({
      name: 'external-workload',
      namespace: 'mixed-env',
      identity: r.identity,
      labels: r.labels,
      ports: [{ name: 'http', port: 80 }],
      workloadIps: ['192.0.2.10'],
    });
    expect(externalWorkloadInfo(r, { ipsKnown: false })).not.toHaveProperty('workloadIps');
  });

  test('every bad prop is named with its value and what is allowed', () => {
    const msg = validationMessageOf(() =>
      resolveExternalWorkload(
        'app/vm',
        props({
          name: 'VM_1',
          workloadIps: ['192.0.2.10', '192.0.2.11', '192.0.2.12'],
          ports: [{ name: 'http', port: 80 }, { name: 'http', port: 0 }],
          identity: 'spiffe://other.domain/x',
          spiffeTrustDomain: 'root.linkerd.cluster.local',
          serverName: 'Not A Name',
        }),
        mesh,
      ),
    );
    expect(msg).toContain('[app/vm] name: received "VM_1"; expected a DNS-1123 label');
    expect(msg).toContain('[app/vm] workloadIps: received ["192.0.2.10","192.0.2.11","192.0.2.12"]; expected one IP address, or one IPv4 and one IPv6 address');
    expect(msg).toContain('[app/vm] ports[1].port: received 0; expected an integer port number from 1 to 65535');
    expect(msg).toContain('[app/vm] ports[1].name: received "http"; expected port names to be unique');
    expect(msg).toContain('[app/vm] identity: received "spiffe://other.domain/x"; expected a SPIFFE id in the trust domain "root.linkerd.cluster.local"');
    expect(msg).toContain('[app/vm] serverName: received "Not A Name"');
    expect(validationMessageOf(() => resolveExternalWorkload('t', props({ ports: [] }), mesh))).toContain('ports: received []; expected at least one port');
  });

  test('the Ready status patch for the status subresource (v1beta1 ignores status on apply)', () => {
    expect(externalWorkloadReadyStatusPatch()).toEqual({ status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    expect(externalWorkloadReadyStatusPatch('2026-01-01T00:00:00Z').status.conditions[0].lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });
});

describe('Services over pods and external workloads', () => {
  const ports = [{ name: 'one', port: 80 }];

  test('legacy-app selects pods and VMs together; legacy-app-cluster only the pods; a VM-only Service only the VMs', () => {
    const both = meshExpansionService({ name: 'legacy-app', namespace: 'mixed-env', selector: { app: 'legacy-app' }, ports });
    const cluster = meshExpansionService({ name: 'legacy-app-cluster', namespace: 'mixed-env', selector: { app: 'legacy-app' }, ports, backends: 'pods' });
    const vms = meshExpansionService({ name: 'legacy-app-vms', namespace: 'mixed-env', selector: { app: 'legacy-app' }, ports, backends: 'external-workloads' });
    expect(both).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'legacy-app', namespace: 'mixed-env' },
      spec: { type: 'ClusterIP', selector: { app: 'legacy-app' }, ports: [{ name: 'one', port: 80, protocol: 'TCP' }] },
    });
    expect(cluster.spec.selector).toEqual({ app: 'legacy-app', location: 'cluster' });
    expect(vms.spec.selector).toEqual({ app: 'legacy-app', location: 'vm' });
    expect(podLocationLabels()).toEqual({ location: 'cluster' });
    expectConformant([both, cluster, vms]);
  });

  test('each selector picks exactly the intended backends (pods labelled as the seed, the VM labelled by the host)', () => {
    const vmLabels = resolveExternalWorkload('t', props(), mesh).labels;
    const podLabels = { app: 'legacy-app', ...podLocationLabels() };
    const selects = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
    const sel = (backends?: 'pods' | 'external-workloads') => meshExpansionService({ name: 's', namespace: 'mixed-env', selector: { app: 'legacy-app' }, ports, backends }).spec.selector!;
    expect([selects(sel(), podLabels), selects(sel(), vmLabels)]).toEqual([true, true]);
    expect([selects(sel('pods'), podLabels), selects(sel('pods'), vmLabels)]).toEqual([true, false]);
    expect([selects(sel('external-workloads'), podLabels), selects(sel('external-workloads'), vmLabels)]).toEqual([false, true]);
  });

  test('bad Services are refused with the prop named', () => {
    expect(validationMessageOf(() => meshExpansionService({ name: 's', namespace: 'n', selector: {}, ports }))).toContain('selector: received {}; expected at least one label');
    expect(validationMessageOf(() => meshExpansionService({ name: 's', namespace: 'n', selector: { app: 'a', location: 'x' }, ports, backends: 'pods' }))).toContain(
      'selector["location"]: received "x"; expected no "location" label: "backends" sets it',
    );
    expect(validationMessageOf(() => meshExpansionService({ name: 's', namespace: 'n', selector: { app: 'a' }, ports: [{ port: 80 }, { port: 81 }] }))).toContain(
      'ports[0].name: received undefined; expected a name: a Service with several ports names each',
    );
  });

  test('cdk8s MeshExpansionService emits the same Service as its default child', () => {
    const chart = new Chart(Testing.app(), 'c');
    const svc = new Cdk8sService(chart, 'legacy-app-cluster', { name: 'legacy-app-cluster', namespace: 'mixed-env', selector: { app: 'legacy-app' }, ports, backends: 'pods' });
    expect(svc.node.defaultChild).toBe(svc.apiObject);
    expect(Testing.synth(chart)).toEqual([meshExpansionService({ name: 'legacy-app-cluster', namespace: 'mixed-env', selector: { app: 'legacy-app' }, ports, backends: 'pods' })]);
  });

  test('Pulumi MeshExpansionService creates the same Service', async () => {
    const env = await pulumiTestEnv();
    new PulumiService('legacy-app', { name: 'legacy-app', namespace: 'mixed-env', selector: { app: 'legacy-app' }, ports });
    await env.settle();
    expect(env.byType('linkerd-constructs:index:MeshExpansionService').map((r) => r.name)).toEqual(['legacy-app']);
    const svc = env.byType('kubernetes:core/v1:Service');
    expect(svc).toHaveLength(1);
    expect(svc[0].inputs.spec).toEqual(meshExpansionService({ name: 'legacy-app', namespace: 'mixed-env', selector: { app: 'legacy-app' }, ports }).spec);
  });
});

describe('known upstream defects', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { externalWorkloadUpstreamWarnings, EXTERNAL_WORKLOAD_DELETE_CRASH_LAST_AFFECTED } = require('../../src/core/external-workload/external-workload') as typeof import('../../src/core/external-workload/external-workload');
  test('edge-26.8.3 and older warn with the upstream issue and pull request; later releases do not', () => {
    expect(EXTERNAL_WORKLOAD_DELETE_CRASH_LAST_AFFECTED).toBe('edge-26.8.3');
    for (const v of ['edge-26.8.3', 'edge-26.7.2', 'edge-25.12.1', undefined]) {
      const [w] = externalWorkloadUpstreamWarnings({ linkerdVersion: v }, 'vm');
      expect(w?.allowed).toMatch(/linkerd\/linkerd2 issue 15551.*pull request 15575, merged after edge-26\.8\.3; no release with the fix is known yet/);
    }
    expect(externalWorkloadUpstreamWarnings({ linkerdVersion: 'edge-26.9.1' }, 'vm')).toEqual([]);
    expect(externalWorkloadUpstreamWarnings({ linkerdVersion: 'edge-27.1.1' }, 'vm')).toEqual([]);
  });
});

describe("the proxy's inbound port, where the destination controller reads it", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { planHost } = require('../../src/core/host') as typeof import('../../src/core/host');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const host = require('../../src/core/host/resolve') as typeof import('../../src/core/host/resolve');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const support = require('../host/support/mesh') as typeof import('../host/support/mesh');
  const meshInfo = () => defaultMesh();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { expectConformant: conformant } = require('../support/conformance') as typeof import('../support/conformance');

  test('a non-default inbound port is advertised as the port named linkerd-proxy; the default adds nothing', () => {
    const custom = host.resolveHost('vm', support.seedHostProps({ proxy: { inboundPort: 4999, binary: { kind: 'image' } } }), meshInfo());
    const manifest = externalWorkloadManifest(custom.workload);
    conformant(manifest);
    expect(manifest.spec.ports).toEqual([{ name: 'http', port: 80 }, { name: 'linkerd-proxy', port: 4999 }]);
    // the VM's proxy listens there: the same value reaches the proxy's environment and the redirect
    const plan = planHost('vm', support.seedHostProps({ proxy: { inboundPort: 4999, binary: { kind: 'image' } } }), meshInfo());
    const all = plan.steps.map((s) => s.create).join('\n');
    expect(all).toContain('LINKERD2_PROXY_INBOUND_LISTEN_ADDR');
    expect(all).toMatch(/REDIRECT --to-port 4999/);
    const plain = host.resolveHost('vm', support.seedHostProps(), meshInfo());
    expect(externalWorkloadManifest(plain.workload).spec.ports).toEqual([{ name: 'http', port: 80 }]);
  });

  test('users may not name a port linkerd-proxy', () => {
    expect(() => host.resolveHost('vm', support.seedHostProps({ ports: [{ name: 'linkerd-proxy', port: 80 }] }), meshInfo())).toThrow(/ports\[0\]\.name: received "linkerd-proxy"; expected another name/);
  });
});
