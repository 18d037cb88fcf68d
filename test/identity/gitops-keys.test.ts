/**
 * No private keys in files meant for Git. The secret-free ways (the chart's existing-secret mode for
 * the issuer and the webhooks, cert-manager) emit no key; a real Helm renders the real chart with
 * those values and the control plane mounts exactly the Secrets we tell the user to provide. When a
 * user still supplies keys inline, the synthesized files that hold them are 0600 and a warning names
 * each file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { LinkerdApp, LinkerdMesh, MeshDelivery, type LinkerdMeshConstructProps } from '../../src/cdk8s';
import { ValidationError } from '../../src/core/errors';
import { MeshIdentity, WebhookCertificates } from '../../src/core/identity';
import { secretsHoldingPrivateKeys } from '../../src/core/identity/certificates';
import type { GeneratedMeshCertificates } from '../../src/core/identity/generate';
import { webhookSecretNames } from '../../src/core/identity/objects';
import type { KubeObject } from '../../src/core/k8s';
import { suppliedIdentity, testCertificates } from '../mesh/support';
import { expectConformant } from '../support/conformance';
import { describeWithHelm, type HelmContext } from '../support/helm';
import { temporaryFolders } from '../support/tmp';

const tmp = temporaryFolders('lc-gitops-keys-');
let certs: GeneratedMeshCertificates;
beforeAll(async () => {
  certs = await testCertificates();
});

const existing = (): LinkerdMeshConstructProps => ({
  identity: MeshIdentity.existingSecret({ trustAnchorPem: certs.trustAnchor.certificatePem }),
  webhookCertificates: WebhookCertificates.existingSecrets({ caBundlePem: certs.webhook!.certificatePem }),
  delivery: MeshDelivery.argoCd(),
});

function synth(props: LinkerdMeshConstructProps): KubeObject[] {
  const chart = new Chart(Testing.app(), 'app');
  new LinkerdMesh(chart, 'mesh', props);
  return Testing.synth(chart) as KubeObject[];
}

describe('existing-secret mode: the issuer and webhook Secrets are managed elsewhere', () => {
  test('no Secret and no key in the output; the values name the chart\'s existing-secret mode and the public anchor and CA bundle', () => {
    const objects = synth(existing());
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(JSON.stringify(objects)).not.toMatch(/PRIVATE KEY|LS0tLS1CRUdJTiBQUklWQVRFIEtFWS/);
    const cp = objects.find((o) => o.kind === 'Application' && (o as any).spec.source.chart === 'linkerd-control-plane') as any;
    const values = cp.spec.source.helm.valuesObject;
    expect(values.identity).toEqual({ externalCA: false, issuer: { scheme: 'kubernetes.io/tls' } });
    expect(values.identityTrustAnchorsPEM).toBe(certs.trustAnchor.certificatePem);
    for (const key of ['proxyInjector', 'profileValidator', 'policyValidator']) expect(values[key]).toEqual({ externalSecret: true, caBundle: certs.webhook!.certificatePem });
    expectConformant(objects.filter((o) => o.kind !== 'Application'));
  });

  test('the MeshReference still carries the public trust anchor (for VMs)', () => {
    const chart = new Chart(Testing.app(), 'app');
    const mesh = new LinkerdMesh(chart, 'mesh', existing());
    expect(mesh.trustAnchorPem).toBe(certs.trustAnchor.certificatePem);
  });

  test('the Secrets to provide are named: the issuer and one per webhook (viz included when installed)', () => {
    expect(webhookSecretNames('linkerd')).toEqual(['linkerd/linkerd-proxy-injector-k8s-tls', 'linkerd/linkerd-sp-validator-k8s-tls', 'linkerd/linkerd-policy-validator-k8s-tls']);
    expect(webhookSecretNames('linkerd', 'linkerd-viz')).toEqual(expect.arrayContaining(['linkerd-viz/tap-k8s-tls', 'linkerd-viz/tap-injector-k8s-tls']));
  });

  test('bad public material is an error naming the prop: a non-CA anchor, a key in the CA bundle', () => {
    expect(() => synth({ ...existing(), identity: MeshIdentity.existingSecret({ trustAnchorPem: certs.issuer.certificatePem.replace(/BEGIN CERTIFICATE/, 'BEGIN NOTHING') }) })).toThrow(
      /\[app\/mesh\] identity.trustAnchorPem: received .*; expected one or more PEM certificates/,
    );
    const leafAsAnchor = MeshIdentity.existingSecret({ trustAnchorPem: certs.webhook!.certificatePem });
    expect(() => synth({ ...existing(), identity: leafAsAnchor })).toThrow(ValidationError);
    expect(() =>
      synth({ ...existing(), webhookCertificates: WebhookCertificates.existingSecrets({ caBundlePem: `${certs.webhook!.certificatePem}\n${certs.webhook!.keyPem}` }) }),
    ).toThrow(/webhookCertificates.caBundlePem: received "a PEM holding a private key"; expected only certificates/);
  });
});

describeWithHelm('the real chart in existing-secret mode mounts exactly the Secrets we name (helm template)', (ctx: HelmContext) => {
  test('identity mounts linkerd-identity-issuer; each webhook mounts its named Secret with our CA bundle; nothing renders a key', () => {
    const chart = new Chart(Testing.app(), 'app');
    new LinkerdMesh(chart, 'mesh', { ...existing(), delivery: MeshDelivery.helm({ helmExecutable: ctx.helm, repository: ctx.repository, env: ctx.env }) });
    const objects = Testing.synth(chart) as any[];
    expect(secretsHoldingPrivateKeys(objects)).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).toEqual([]);
    const secretVolumes = (name: string) =>
      (objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)?.spec.template.spec.volumes ?? []).filter((v: any) => v.secret).map((v: any) => v.secret.secretName);
    expect(secretVolumes('linkerd-identity')).toContain('linkerd-identity-issuer');
    const mounted = ['linkerd-proxy-injector', 'linkerd-destination'].flatMap(secretVolumes).map((n: string) => `linkerd/${n}`);
    expect(mounted.sort()).toEqual(webhookSecretNames('linkerd').sort());
    // the chart base64-encodes the bundle it is given (trimmed): the API server trusts exactly our CA
    const hooks = objects.filter((o) => /WebhookConfiguration$/.test(o.kind)).flatMap((o) => o.webhooks);
    expect(hooks.length).toBeGreaterThanOrEqual(3);
    for (const h of hooks) expect(Buffer.from(h.clientConfig.caBundle, 'base64').toString('utf8').trim()).toBe(certs.webhook!.certificatePem.trim());
  });
});

describe('inline keys: the files that hold them are 0600 and named in a warning', () => {
  function synthToDisk(props: LinkerdMeshConstructProps, plainApp = false): { outdir: string; warnings: string[]; all: string[] } {
    const outdir = tmp();
    const all: string[] = [];
    const spyConstruction = jest.spyOn(console, 'warn').mockImplementation((m: string) => void all.push(String(m)));
    const app = plainApp ? new App({ outdir }) : new LinkerdApp({ outdir });
    new LinkerdMesh(new Chart(app, 'mesh'), 'mesh', props);
    new Chart(app, 'apps'); // a chart without keys stays as it is
    try {
      app.synth();
    } finally {
      spyConstruction.mockRestore();
    }
    return { outdir, warnings: all.filter((w) => w.includes('hold private keys')), all };
  }
  const mode = (file: string) => (fs.statSync(file).mode % 0o1000).toString(8);

  test('a supplied identity and webhook keys: mesh.k8s.yaml becomes 0600, the warning names it and the Secrets; apps.k8s.yaml is left alone', () => {
    const { outdir, warnings } = synthToDisk({
      identity: suppliedIdentity(certs),
      webhookCertificates: WebhookCertificates.supplied({ certificatePem: certs.webhook!.certificatePem, keyPem: certs.webhook!.keyPem }),
      delivery: MeshDelivery.argoCd(),
    });
    const file = path.join(outdir, 'mesh.k8s.yaml');
    // the file does hold the keys (read back as written)
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());
    expect(secretsHoldingPrivateKeys(docs)).toEqual(expect.arrayContaining(['linkerd/linkerd-identity-issuer', 'linkerd/linkerd-proxy-injector-k8s-tls']));
    expect(mode(file)).toBe('600');
    expect(mode(path.join(outdir, 'apps.k8s.yaml'))).not.toBe('600');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${file}: Secrets linkerd/linkerd-identity-issuer`);
    expect(warnings[0]).toContain('MeshIdentity.existingSecret');
    expect(warnings[0]).not.toMatch(/PRIVATE KEY/);
  });

  test('under a plain cdk8s App (nothing of cdk8s patched): one warning at construction says the files keep their mode and names the fix', () => {
    const { outdir, warnings, all } = synthToDisk(
      {
        identity: suppliedIdentity(certs),
        webhookCertificates: WebhookCertificates.supplied({ certificatePem: certs.webhook!.certificatePem, keyPem: certs.webhook!.keyPem }),
        delivery: MeshDelivery.argoCd(),
      },
      true,
    );
    expect(warnings).toEqual([]);
    expect(mode(path.join(outdir, 'mesh.k8s.yaml'))).not.toBe('600');
    const told = all.filter((w) => w.includes('plain cdk8s App'));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/\[mesh\/mesh\] private keys are inline .* new LinkerdApp\(\)/);
  });

  test('existing-secret and cert-manager modes: no key, no warning, the usual mode', () => {
    for (const props of [existing(), { identity: MeshIdentity.certManager(), delivery: MeshDelivery.argoCd() }]) {
      const { outdir, warnings } = synthToDisk(props);
      expect(warnings).toEqual([]);
      const file = path.join(outdir, 'mesh.k8s.yaml');
      expect(mode(file)).not.toBe('600');
      expect(secretsHoldingPrivateKeys(parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()))).toEqual([]);
    }
  });
});
