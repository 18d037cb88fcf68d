/**
 * examples/mesh-expansion (seed 000): the cdk8s app writes the manifests and each VM's bundle and
 * cloud-init, deterministically, every object conformant; the Pulumi program composes LinkerdMesh,
 * two ExternalWorkloadHosts, the Services, MeshAuthorization and LinkerdNetworkPolicies under mocks,
 * in the right order, with no secret in plain text; the deployment graph script draws it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { synth } from '../../examples/mesh-expansion/cdk8s';
import { deploymentGraphMermaid, recordExampleGraph } from '../../scripts/deployment-graph';
import { generateMeshCertificates } from '../../src/core/identity/generate';
import { shellcheck, testWithShellcheck } from '../host/support/shellcheck';
import { expectConformant } from '../support/conformance';
import { GraphRecorder, isSecretOutput, pulumiTestEnv, type GraphNode } from '../support/pulumi';
import { temporaryFolders } from '../support/tmp';

const tmp = temporaryFolders('mesh-expansion-');

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----\s*\n[A-Za-z0-9+/=]{20,}/;

describe('cdk8s app', () => {
  let outdir: string;
  let files: string[];
  let objects: any[];
  beforeAll(() => {
    outdir = tmp();
    files = synth(outdir);
    objects = parseAllDocuments(fs.readFileSync(files[0], 'utf8')).map((d) => d.toJS()).filter(Boolean);
  });

  test('writes mesh-expansion.k8s.yaml, each VM\'s bundle and cloud-init, the SPIRE server host\'s, and its join and leave scripts', () => {
    expect(files.map((f) => path.relative(outdir, f))).toEqual([
      'mesh-expansion.k8s.yaml',
      'hosts/my-vm-2/bundle.sh',
      'hosts/my-vm-2/cloud-init.yaml',
      'hosts/my-vm/bundle.sh',
      'hosts/my-vm/cloud-init.yaml',
      'hosts/spire-1/bundle.sh',
      'hosts/spire-1/cloud-init.yaml',
      'hosts/spire-1/join-my-vm-2.sh',
      'hosts/spire-1/join-my-vm.sh',
      'hosts/spire-1/leave-my-vm-2.sh',
      'hosts/spire-1/leave-my-vm.sh',
    ]);
    expect(files.every((f) => fs.existsSync(f))).toBe(true);
  });

  test('two syntheses are byte-identical (manifests, bundles, cloud-init)', () => {
    const again = synth(tmp());
    again.forEach((f, i) => {
      const same = fs.readFileSync(f).equals(fs.readFileSync(files[i]));
      expect({ f: path.basename(f), same }).toEqual({ f: path.basename(f), same: true });
    });
  });

  test('every object passes conformance', () => {
    expect(objects.length).toBeGreaterThan(20);
    expectConformant(objects);
  });

  test('the seed: the VM\'s ExternalWorkload, legacy-app over pods and VMs, legacy-app-cluster over pods, the policy admitting the VM', () => {
    const get = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
    expect(get('ExternalWorkload', 'external-workload').spec).toEqual({
      meshTLS: { identity: 'spiffe://root.linkerd.cluster.local/external-workload', serverName: 'external-workload.cluster.local' },
      ports: [{ name: 'http', port: 80 }],
      workloadIPs: [{ ip: '192.0.2.10' }],
    });
    expect(get('ExternalWorkload', 'external-workload').metadata.labels).toEqual({ location: 'vm', app: 'legacy-app', workload_name: 'external-workload' });
    expect(get('Service', 'legacy-app').spec.selector).toEqual({ app: 'legacy-app' });
    expect(get('Service', 'legacy-app-cluster').spec.selector).toEqual({ app: 'legacy-app', location: 'cluster' });
    expect(get('Deployment', 'legacy-app').spec.template.metadata.labels).toEqual({ app: 'legacy-app', location: 'cluster' });
    const server = get('Server', 'in-cluster-endpoint');
    expect(server.spec).toMatchObject({ podSelector: { matchLabels: { app: 'legacy-app' } }, port: 'http', proxyProtocol: 'HTTP/1', accessPolicy: 'deny' });
    const authn = objects.find((o) => o.kind === 'MeshTLSAuthentication' && o.metadata.name.startsWith('in-cluster-endpoint'));
    expect(authn.spec.identities).toContain('spiffe://root.linkerd.cluster.local/external-workload');
    const policy = objects.find((o) => o.kind === 'AuthorizationPolicy' && o.spec.targetRef.name === 'in-cluster-endpoint');
    expect(policy.spec.requiredAuthenticationRefs[0].name).toBe(authn.metadata.name);
    // and the VMs' own port, through externalWorkloadSelector
    expect(get('Server', 'external-workload-endpoint').spec.externalWorkloadSelector.matchLabels).toMatchObject({ workload_name: 'external-workload' });
    expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'mixed-env').length).toBeGreaterThan(2);
  });

  test('the bundles mesh the seed\'s VM and hold no secret; cloud-init runs them', () => {
    const bundle = fs.readFileSync(path.join(outdir, 'hosts/my-vm/bundle.sh'), 'utf8');
    expect(bundle).toContain('LINKERD2_PROXY_IDENTITY_SERVER_ID=spiffe://root.linkerd.cluster.local/external-workload');
    expect(bundle).toContain("LINKERD2_PROXY_DESTINATION_CONTEXT='{\"ns\":\"mixed-env\",\"nodeName\":\"my-vm\",\"external_workload\":\"external-workload\"}'");
    // the VM runs only an agent (its join token from a file); its entry is made on the SPIRE server host
    expect(bundle).toContain('LINKERD_EW_JOIN_TOKEN_FILE');
    expect(bundle).not.toContain('spire-server');
    const join = fs.readFileSync(path.join(outdir, 'hosts/spire-1/join-my-vm.sh'), 'utf8');
    expect(join).toContain('-selector "$SELECTOR"');
    expect(join).toContain('readonly SELECTOR=unix:uid:2102');
    for (const f of files) expect(fs.readFileSync(f, 'utf8')).not.toMatch(PRIVATE_KEY_BLOCK);
    const cloudInit = parse(fs.readFileSync(path.join(outdir, 'hosts/my-vm/cloud-init.yaml'), 'utf8'));
    expect(cloudInit.write_files[0].content).toBe(bundle);
  });

  testWithShellcheck('the bundles pass shellcheck', () => {
    expect(shellcheck({ a: fs.readFileSync(files[1], 'utf8'), b: fs.readFileSync(files[3], 'utf8') })).toEqual([]);
  });
});

describe('Pulumi program', () => {
  let env: Awaited<ReturnType<typeof pulumiTestEnv>>;
  let graph: GraphRecorder;
  let out: import('../../examples/mesh-expansion/pulumi').MeshExpansionOutputs;
  let certs: Awaited<ReturnType<typeof generateMeshCertificates>>;
  const SSH_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAZXhhbXBsZS1zc2gta2V5LW5ldmVyLXBsYWlu\n-----END OPENSSH PRIVATE KEY-----';

  beforeAll(async () => {
    env = await pulumiTestEnv({
      stateFor: (r) => {
        if (r.type === 'tls:index/privateKey:PrivateKey') return { privateKeyPem: `mock-key-${r.name}` };
        if (r.type.startsWith('tls:index/') && r.type.endsWith('Cert')) return { certPem: `mock-cert-${r.name}` };
        // what a SPIRE server host's join command prints
        if (r.type === 'command:remote:Command' && r.name.endsWith('-join')) return { stdout: `join-token: 00000000-0000-4000-8000-${r.name.length.toString().padStart(12, '0')}\n` };
        return {};
      },
    });
    certs = await generateMeshCertificates({ webhook: false });
    graph = new GraphRecorder();
    const { program } = await import('../../examples/mesh-expansion/pulumi');
    out = program(
      {
        trustAnchorPem: certs.trustAnchor.certificatePem,
        spireCaPem: certs.spireCa!.certificatePem,
        spireCaKeyPem: certs.spireCa!.keyPem,
        spireServerAddress: '192.0.2.50',
        issuerCertificatePem: certs.issuer.certificatePem,
        issuerKeyPem: certs.issuer.keyPem,
        vmAddresses: ['192.0.2.10', '192.0.2.11'],
        sshPrivateKey: SSH_KEY,
        spireSha256: 'a'.repeat(64),
        apiServerUrl: 'https://203.0.113.1:6443',
      },
      { transformations: [graph.transformation] },
    );
    await env.settle();
    await graph.settle();
  });

  test('composes LinkerdMesh, two hosts, the Services, MeshAuthorization and LinkerdNetworkPolicies in one program', () => {
    const names = (t: string) => env.byType(`linkerd-constructs:index:${t}`).map((r) => r.name);
    expect(names('LinkerdMesh')).toEqual(['linkerd']);
    expect(names('ExternalWorkloadHost')).toEqual(['external-workload', 'external-workload-2']);
    expect(names('MeshExpansionService')).toEqual(['legacy-app', 'legacy-app-cluster']);
    expect(names('MeshAuthorization')).toEqual(['in-cluster-endpoint', 'external-workload-endpoint', 'external-workload-2-endpoint']);
    expect(names('LinkerdNetworkPolicies')).toEqual(['network-policies']);
    // the SPIRE server host's 3 steps; per VM 8 steps and its join command on the server host
    expect(env.byType('command:remote:Command')).toHaveLength(21);
    expect(out.identities).toEqual(['spiffe://root.linkerd.cluster.local/external-workload', 'spiffe://root.linkerd.cluster.local/mixed-env/external-workload-2']);
  });

  test('every Kubernetes object it creates (besides the charts) passes conformance', () => {
    const objs = env.resources
      .filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:helm.sh'))
      .map((r) => {
        const { apiVersion, kind, metadata, ...rest } = r.inputs;
        return { apiVersion, kind, metadata, ...rest };
      });
    expect(objs.length).toBeGreaterThan(25);
    // Secrets hold keys; everything else must conform
    expectConformant(objs.filter((o) => o.kind !== 'Secret'));
  });

  test('order: Linkerd objects after the CRDs; the VMs after the control plane; meshed pods after the injector', () => {
    const ew = graph.nodes.filter((n) => n.type === 'kubernetes:workload.linkerd.io/v1beta1:ExternalWorkload');
    expect(ew).toHaveLength(2);
    for (const n of ew) expect(n.dependsOn).toContain('linkerd-crds');
    for (const h of ['external-workload', 'external-workload-2']) {
      expect(graph.dependsOn(`${h}-preflight`)).toContain('linkerd-control-plane');
      expect(graph.reaches(`${h}-proxy-service`, `${h}-spire-agent`)).toBe(true);
      expect(graph.reaches(`${h}-iptables`, 'linkerd-control-plane')).toBe(true);
    }
    const policyObjects = graph.nodes.filter((n) => n.type.startsWith('kubernetes:policy.linkerd.io'));
    expect(policyObjects.length).toBeGreaterThanOrEqual(9);
    for (const n of policyObjects) expect(graph.reaches(n.name, 'linkerd-crds')).toBe(true);
    expect(graph.dependsOn('deployment-legacy-app')).toContain('linkerd-control-plane');
    expect(graph.reaches('legacy-app-service-mixed-env-legacy-app', 'namespace-mixed-env')).toBe(true);
  });

  test('the SPIRE CA key and the SSH key are secrets and never in plain text; the trust anchor key is not an input at all', async () => {
    const keyLine = certs.spireCa!.keyPem.split('\n')[1];
    const sshLine = SSH_KEY.split('\n')[1];
    const SIG = '4dabf18193072939515e22adb298388d';
    const plain = (v: unknown): string[] =>
      v && typeof v === 'object' ? ((v as Record<string, unknown>)[SIG] ? [] : Object.values(v as object).flatMap(plain)) : typeof v === 'string' ? [v] : [];
    const strings = env.resources.flatMap((r) => plain(r.inputs));
    expect(strings.filter((s) => s.includes(keyLine) || s.includes(sshLine))).toEqual([]);
    for (const h of out.hosts) expect(await isSecretOutput(h.steps['spire-agent'].stdin)).toBe(true);
    const anchorKeyLine = certs.trustAnchor.keyPem.split('\n')[1];
    expect(JSON.stringify(env.resources.map((r) => r.inputs))).not.toContain(anchorKeyLine);
  });

  test('the deployment graph script draws components as subgraphs and every dependency as an edge', async () => {
    const nodes: GraphNode[] = await recordExampleGraph();
    const text = deploymentGraphMermaid(nodes, 'example');
    expect(text.startsWith('```mermaid\n%% example\nflowchart LR\n')).toBe(true);
    expect(text).toContain('subgraph r_external_workload["ExternalWorkloadHost<br/>external-workload"]');
    expect(text).toContain('  r_linkerd_crds --> r_external_workload_externalworkload_mixed_env_external_workload');
    expect(text).toContain('  r_linkerd_control_plane --> r_external_workload_preflight');
    expect(text).toContain('  r_external_workload_join --> r_external_workload_spire_agent');
    expect(text).toContain('  r_spire_spire_server --> r_external_workload_join');
    const edges = text.split('\n').filter((l) => l.includes(' --> '));
    expect(edges.length).toBe(new Set(nodes.flatMap((n) => n.dependsOn.map((d) => `${d}>${n.name}`))).size);
  });
});
