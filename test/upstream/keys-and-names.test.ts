/**
 * Keys the policy controller can load and names upstream defines, on every output path: the
 * `certs` command, cdk8s synthesis (supplied and cert-manager webhooks), the Pulumi side under mocks,
 * the examples, and our own sources.
 *
 *  - Webhook keys are PKCS#8: the policy controller's webhook server (kubert's rustls server) reads
 *    PKCS#8, then PKCS#1, and nothing else (kubert `kubert/src/server/tls_rustls.rs`,
 *    `load_private_key`); a SEC1 key stops it at start-up. `pkcs8Only` below parses no other form.
 *  - `linkerd.io` annotation and label names are those of upstream's list (fixture
 *    `annotations-and-labels.txt`, from linkerd2 `pkg/k8s/labels.go` and the charts), none deprecated.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { Chart, Testing } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { LinkerdMesh as Cdk8sMesh, MeshDelivery } from '../../src/cdk8s';
import { main } from '../../src/cli/main';
import { MeshIdentity, toPkcs8PrivateKeyPem, WebhookCertificates } from '../../src/core/identity';
import type { GeneratedMeshCertificates } from '../../src/core/identity/generate';
import { linkerdVersionOfChart } from '../../src/core/mesh-info';
import { LinkerdMesh as PulumiMesh, MeshIdentity as PulumiMeshIdentity } from '../../src/pulumi';
import { suppliedIdentity, testCertificates, unwrapMock } from '../mesh/support';
import { expectConformant } from '../support/conformance';
import { describeWithFixtures, PROJECT_ROOT, readFixture } from '../support/fixtures';
import { pulumiTestEnv, type PulumiTestEnv } from '../support/pulumi';
import { isLinkerdName, linkerdNameProblems, sec1Keys, upstreamLinkerdNames } from '../support/upstream';

/** Parses a key the way a PKCS#8-only loader does: the PEM label must be `PRIVATE KEY`, the DER PKCS#8. */
function pkcs8Only(pem: string): KeyObject {
  const m = /^-----BEGIN PRIVATE KEY-----\n([A-Za-z0-9+/=\n]+)-----END PRIVATE KEY-----\n?$/.exec(pem.trim() + '\n');
  if (!m) throw new Error(`not a PKCS#8 PEM: ${pem.split('\n')[0]}`);
  return createPrivateKey({ key: Buffer.from(m[1].replace(/\n/g, ''), 'base64'), format: 'der', type: 'pkcs8' });
}

const sec1 = (pem: string) => createPrivateKey(pem).export({ type: 'sec1', format: 'pem' }) as string;
const samePublicKey = (a: KeyObject, b: string) =>
  createPublicKey(a).export({ type: 'spki', format: 'der' }).equals(createPublicKey(createPrivateKey(b)).export({ type: 'spki', format: 'der' }));

let certs: GeneratedMeshCertificates;
let env: PulumiTestEnv;
const ecKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
beforeAll(async () => {
  certs = await testCertificates();
  // @pulumi/tls returns SEC1 ("EC PRIVATE KEY") in privateKeyPem for ECDSA keys
  env = await pulumiTestEnv({
    stateFor: (r) => {
      if (r.type === 'tls:index/privateKey:PrivateKey') return { privateKeyPem: ecKey.export({ type: 'sec1', format: 'pem' }) };
      if (r.type === 'tls:index/selfSignedCert:SelfSignedCert' || r.type === 'tls:index/locallySignedCert:LocallySignedCert') return { certPem: certs.webhook!.certificatePem };
      return {};
    },
  });
});

describe('webhook keys are PKCS#8 on every path', () => {
  test('linkerd-constructs certs writes every key as PKCS#8', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lc-keys-')), 'certs');
    const out: string[] = [];
    const code = await main(['certs', '--out', dir], { stdout: (t) => out.push(t), stderr: (t) => out.push(t), readStdin: async () => '', cwd: dir });
    expect(code).toBe(0);
    const keys = fs.readdirSync(dir).filter((f) => f.endsWith('.key'));
    expect(keys.sort()).toEqual(['ca.key', 'issuer.key', 'spire-ca.key', 'webhook.key']);
    for (const k of keys) expect(pkcs8Only(fs.readFileSync(path.join(dir, k), 'utf8')).asymmetricKeyType).toBe('ec');
  });

  test('cdk8s: a supplied SEC1 webhook key is stored converted (same key, PKCS#8); none of the Secrets holds SEC1', () => {
    const chart = new Chart(Testing.app(), 'app');
    new Cdk8sMesh(chart, 'mesh', {
      identity: suppliedIdentity(certs),
      webhookCertificates: WebhookCertificates.supplied({ certificatePem: certs.webhook!.certificatePem, keyPem: sec1(certs.webhook!.keyPem) }),
      delivery: MeshDelivery.argoCd(),
      viz: true,
    });
    const objects = Testing.synth(chart) as any[];
    const webhookSecrets = objects.filter((o) => o.kind === 'Secret' && o.type === 'kubernetes.io/tls' && o.metadata.name !== 'linkerd-identity-issuer');
    expect(webhookSecrets.map((s) => s.metadata.name).sort()).toEqual(['linkerd-policy-validator-k8s-tls', 'linkerd-proxy-injector-k8s-tls', 'linkerd-sp-validator-k8s-tls', 'tap-injector-k8s-tls', 'tap-k8s-tls']);
    for (const s of webhookSecrets) {
      const key = pkcs8Only(Buffer.from(s.data['tls.key'], 'base64').toString('utf8'));
      expect(samePublicKey(key, certs.webhook!.keyPem)).toBe(true);
    }
    expect(sec1Keys(objects)).toEqual([]);
  });

  test('cdk8s: cert-manager webhook Certificates ask for PKCS#8 and a new key on every renewal', () => {
    const chart = new Chart(Testing.app(), 'app');
    new Cdk8sMesh(chart, 'mesh', { identity: MeshIdentity.certManager(), delivery: MeshDelivery.flux(), viz: true });
    const objects = Testing.synth(chart) as any[];
    expectConformant(objects.filter((o) => o.kind === 'Certificate')); // cert-manager's own schema (encoding, rotationPolicy)
    const certificates = objects.filter((o) => o.kind === 'Certificate' && String(o.spec.secretName).endsWith('k8s-tls'));
    expect(certificates.length).toBe(5);
    for (const c of certificates) expect(c.spec.privateKey).toMatchObject({ encoding: 'PKCS8', rotationPolicy: 'Always' });
  });

  test('Pulumi: generated webhook keys (SEC1 from @pulumi/tls) reach their Secrets as PKCS#8, as secrets', async () => {
    env.reset();
    new PulumiMesh('keys', { identity: PulumiMeshIdentity.generated(), viz: true });
    await env.settle();
    await new Promise((r) => setTimeout(r, 100));
    await env.settle();
    const secrets = env.byType('kubernetes:core/v1:Secret').filter((s) => /k8s-tls/.test(s.name));
    expect(secrets.length).toBe(5);
    for (const s of secrets) {
      const data = unwrapMock(s.inputs).data;
      const key = pkcs8Only(Buffer.from(data['tls.key'], 'base64').toString('utf8'));
      expect(createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(createPublicKey(ecKey).export({ type: 'spki', format: 'der' }))).toBe(true);
    }
    expect(sec1Keys(secrets.map((s) => ({ kind: 'Secret', metadata: { name: s.name }, ...unwrapMock(s.inputs) })))).toEqual([]);
  });

  test('a key that is not a PEM key is refused with the command that converts it', () => {
    expect(() => toPkcs8PrivateKeyPem('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----', 'webhookCertificates.keyPem')).toThrow(
      /webhookCertificates\.keyPem: expected an unencrypted PEM private key .* openssl pkcs8 -topk8 -nocrypt/,
    );
    expect(pkcs8Only(toPkcs8PrivateKeyPem(sec1(certs.webhook!.keyPem))).asymmetricKeyType).toBe('ec');
    void pulumi; // the Pulumi runtime is loaded for the mocks above
  });
});

describeWithFixtures('only upstream linkerd.io names, none deprecated', () => {
  test('every linkerd.io annotation or label name written in src/ is upstream and current', () => {
    const known = upstreamLinkerdNames();
    const walk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const found = new Map<string, string>();
    for (const file of walk(path.join(PROJECT_ROOT, 'src'))) {
      if (file.includes(`${path.sep}crds${path.sep}`)) continue; // generated CRD models: API groups only
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/['"`]((?:[a-z0-9-]+\.)*linkerd\.io\/[A-Za-z0-9._-]+)['"`]/g)) {
        if (/\/v\d+(alpha|beta)?\d*$/.test(m[1])) continue; // an apiVersion, not a name
        found.set(m[1], path.relative(PROJECT_ROOT, file));
      }
    }
    expect(found.size).toBeGreaterThan(15);
    const bad = [...found].filter(([name]) => isLinkerdName(name) && (!known.has(name) || known.get(name))).map(([n, f]) => `${f}: ${n}${known.get(n) ? ' (deprecated)' : ''}`);
    expect(bad).toEqual([]);
  });

  test('every object the examples synthesize uses only upstream names', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-names-'));
    const objects: unknown[] = [];
    for (const name of fs.readdirSync(path.join(PROJECT_ROOT, 'examples'))) {
      const file = path.join(PROJECT_ROOT, 'examples', name, 'cdk8s.ts');
      if (!fs.existsSync(file)) continue;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const files = (require(file) as { synth: (o: string) => string[] }).synth(path.join(out, name));
      for (const f of files.filter((x) => x.endsWith('.k8s.yaml'))) objects.push(...parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS()).filter(Boolean));
    }
    expect(objects.length).toBeGreaterThan(30);
    expect(linkerdNameProblems(objects)).toEqual([]);
    expect(sec1Keys(objects)).toEqual([]);
  });

  test("a chart version's Linkerd release is the chart's own appVersion (fixture index.yaml)", () => {
    type Index = { entries: Record<string, Array<{ version: string; appVersion: string }>> };
    const index = parse(readFixture('linkerd-edge-26.8.3/charts/index.yaml')) as Index;
    const entries = Object.values(index.entries).flat();
    expect(entries.length).toBeGreaterThanOrEqual(6);
    for (const e of entries) {
      expect({ version: e.version, release: linkerdVersionOfChart(e.version) }).toEqual({ version: e.version, release: e.appVersion });
    }
  });

  test('the checker itself rejects the names we used to emit', () => {
    const obj = (annotations: Record<string, string>) => ({ kind: 'Deployment', metadata: { name: 'x' }, spec: { template: { metadata: { annotations } } } });
    expect(linkerdNameProblems([obj({ 'config.beta.linkerd.io/proxy-enable-native-sidecar': 'true' })])).toEqual([
      'Deployment/x pod template annotation config.beta.linkerd.io/proxy-enable-native-sidecar: deprecated upstream',
    ]);
    expect(linkerdNameProblems([obj({ 'config.linkerd.io/proxy-enable-shutdown-endpoint': 'true' })])).toEqual([
      'Deployment/x pod template annotation config.linkerd.io/proxy-enable-shutdown-endpoint: not an upstream name',
    ]);
  });
});
