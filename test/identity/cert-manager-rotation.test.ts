/**
 * The cert-manager identity (mode 3) through a trust anchor rotation, after Linkerd's guide
 * "Automatically Rotating Control Plane TLS Credentials" (linkerd/website,
 * `linkerd.io/content/2-edge/tasks/automatically-rotating-control-plane-tls-credentials.md`).
 *
 * Stand-ins, each doing only what the real controller does with our objects:
 *  - cert-manager: issues the anchor and the issuer with openssl from the emitted `Certificate` specs
 *    (commonName, isCA, dnsNames), on `cmctl renew` a new key (`rotationPolicy: Always`);
 *  - trust-manager: concatenates `data[key]` of every Secret named in the emitted `Bundle`'s
 *    `spec.sources`, read from the trust namespace, into `ca-bundle.crt`.
 * At every step of the runbook, workload certificates of the old and the new issuer are verified with
 * `openssl verify` against that bundle: they verify exactly when a running mesh needs them to.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { ValidationError } from '../../src/core/errors';
import { certManagerAnchorRotationRunbook, certManagerIdentityObjects, MeshIdentity } from '../../src/core/identity';
import type { KubeObject } from '../../src/core/k8s';
import { expectConformant } from '../support/conformance';
import { temporaryFolders } from '../support/tmp';

const tmp = temporaryFolders('lc-cm-rotation-');
const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
const HAVE_SHELLCHECK = spawnSync('shellcheck', ['--version']).status === 0;

function openssl(args: string[], cwd: string): string {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '', cwd: process.cwd() });
  return { code, out: out.join(''), err: err.join('') };
}

const find = (objs: readonly KubeObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as any;

/** The cert-manager stand-in: issues a Certificate's spec with openssl; returns the Secret data it writes. */
class CertManager {
  private serial = 1;
  public constructor(private readonly work: string) {}

  /** Self-signed CA (the anchor `Certificate` on the selfSigned `Issuer`), a new key every time. */
  public selfSigned(spec: any, name: string): Record<string, string> {
    expect(spec.isCA).toBe(true);
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '30',
      '-subj', `/CN=${spec.commonName}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-set_serial', String(this.serial++)], this.work);
    const crt = fs.readFileSync(path.join(this.work, `${name}.crt`), 'utf8');
    return { 'tls.crt': crt, 'ca.crt': crt, 'tls.key': fs.readFileSync(path.join(this.work, `${name}.key`), 'utf8') };
  }

  /** A `Certificate` from the CA `ClusterIssuer` whose Secret holds `ca`. */
  public signedBy(spec: any, ca: Record<string, string>, name: string): Record<string, string> {
    fs.writeFileSync(path.join(this.work, `${name}-ca.crt`), ca['tls.crt']);
    fs.writeFileSync(path.join(this.work, `${name}-ca.key`), ca['tls.key']);
    fs.writeFileSync(path.join(this.work, `${name}.ext`), `basicConstraints=critical,CA:${spec.isCA ? 'TRUE' : 'FALSE'}\n${spec.dnsNames ? `subjectAltName=${spec.dnsNames.map((d: string) => `DNS:${d}`).join(',')}\n` : ''}`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${spec.commonName}`], this.work);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${name}-ca.crt`, '-CAkey', `${name}-ca.key`, '-set_serial', String(this.serial++), '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], this.work);
    return { 'tls.crt': fs.readFileSync(path.join(this.work, `${name}.crt`), 'utf8'), 'ca.crt': ca['tls.crt'], 'tls.key': fs.readFileSync(path.join(this.work, `${name}.key`), 'utf8') };
  }
}

/** The trust-manager stand-in: the `ca-bundle.crt` the Bundle's sources produce from the Secrets in the trust namespace. */
function trustManagerBundle(bundle: any, trustNamespaceSecrets: Map<string, Record<string, string>>): string {
  return bundle.spec.sources
    .map((s: any) => {
      const data = trustNamespaceSecrets.get(s.secret.name);
      if (!data || !data[s.secret.key]) throw new Error(`trust-manager: source Secret ${s.secret.name} key ${s.secret.key} not found`);
      return data[s.secret.key].trim();
    })
    .join('\n');
}

/** The Secrets our objects put in the trust namespace, decoded (the previous-anchor Secret). */
function emittedSecrets(objs: readonly KubeObject[], namespace: string): Array<[string, Record<string, string>]> {
  return objs
    .filter((o) => o.kind === 'Secret' && o.metadata.namespace === namespace)
    .map((o: any) => [o.metadata.name, Object.fromEntries(Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]))]);
}

test('at rest: one source; rotationPolicy Always on the anchor and the issuer; the objects pass cert-manager\'s schemas', () => {
  const objs = certManagerIdentityObjects('linkerd', 'cluster.local', MeshIdentity.certManager().certManager);
  expectConformant(objs);
  expect(find(objs, 'Certificate', 'linkerd-trust-anchor').spec.privateKey.rotationPolicy).toBe('Always');
  expect(find(objs, 'Certificate', 'linkerd-identity-issuer').spec.privateKey.rotationPolicy).toBe('Always');
  expect(find(objs, 'Bundle', 'linkerd-identity-trust-roots').spec.sources).toEqual([{ secret: { name: 'linkerd-trust-anchor', key: 'tls.crt' } }]);
  expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
});

(HAVE_OPENSSL ? describe : describe.skip)('a cert-manager anchor rotation, walked with openssl', () => {
  test('the runbook\'s steps keep old and new workload certificates verifying exactly when a running mesh needs them to', () => {
    const work = tmp();
    const cm = new CertManager(work);
    const trustNs = 'cert-manager';
    const at = (previousTrustAnchorPem?: string) => certManagerIdentityObjects('linkerd', 'cluster.local', MeshIdentity.certManager({ previousTrustAnchorPem }).certManager);
    const secrets = new Map<string, Record<string, string>>();
    const apply = (objs: readonly KubeObject[]) => {
      // what kubectl apply / a GitOps sync with pruning does to our Secrets in the trust namespace
      for (const name of [...secrets.keys()]) if (name.endsWith('-previous-anchor')) secrets.delete(name);
      for (const [name, data] of emittedSecrets(objs, trustNs)) secrets.set(name, data);
      return trustManagerBundle(find(objs, 'Bundle', 'linkerd-identity-trust-roots'), secrets);
    };
    const leaf = (issuer: Record<string, string>, name: string) => {
      cm.signedBy({ commonName: 'web.shop', isCA: false, dnsNames: ['web.shop.serviceaccount.identity.linkerd.cluster.local'] }, issuer, name);
      fs.writeFileSync(path.join(work, `${name}-chain.crt`), issuer['tls.crt']);
      return name;
    };
    const verifies = (bundle: string, name: string) => {
      fs.writeFileSync(path.join(work, 'bundle.pem'), `${bundle}\n`);
      return spawnSync('openssl', ['verify', '-CAfile', 'bundle.pem', '-untrusted', `${name}-chain.crt`, `${name}.crt`], { cwd: work }).status === 0;
    };

    // install: cert-manager issues the anchor, then the issuer from the CA ClusterIssuer on it
    let objs = at();
    const anchorCert = find(objs, 'Certificate', 'linkerd-trust-anchor');
    const issuerCert = find(objs, 'Certificate', 'linkerd-identity-issuer');
    expect(find(objs, 'ClusterIssuer', issuerCert.spec.issuerRef.name).spec.ca.secretName).toBe(anchorCert.spec.secretName);
    secrets.set(anchorCert.spec.secretName, cm.selfSigned(anchorCert.spec, 'anchor-1'));
    let issuer = cm.signedBy(issuerCert.spec, secrets.get(anchorCert.spec.secretName)!, 'issuer-1');
    let bundle = apply(objs);
    const oldLeaf = leaf(issuer, 'old');
    expect(verifies(bundle, oldLeaf)).toBe(true);
    const oldAnchorPem = secrets.get(anchorCert.spec.secretName)!['tls.crt'];

    // step 1: the current anchor pinned as previousTrustAnchorPem: a Secret with the certificate only, a second source
    objs = at(oldAnchorPem);
    expectConformant(objs);
    const previous = find(objs, 'Secret', 'linkerd-previous-anchor');
    expect(previous.metadata.namespace).toBe(trustNs);
    expect(Object.keys(previous.data)).toEqual(['tls.crt']);
    expect(JSON.stringify(objs)).not.toContain('PRIVATE KEY');
    bundle = apply(objs);
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(verifies(bundle, oldLeaf)).toBe(true);

    // step 2: cmctl renew of the anchor (a new key): the bundle holds old and new
    secrets.set(anchorCert.spec.secretName, cm.selfSigned(anchorCert.spec, 'anchor-2'));
    bundle = apply(objs);
    expect(verifies(bundle, oldLeaf)).toBe(true);

    // step 4: cmctl renew of the issuer: signed by the new anchor; both generations of workload certificates verify
    issuer = cm.signedBy(issuerCert.spec, secrets.get(anchorCert.spec.secretName)!, 'issuer-2');
    const newLeaf = leaf(issuer, 'new');
    expect(verifies(bundle, oldLeaf)).toBe(true);
    expect(verifies(bundle, newLeaf)).toBe(true);

    // step 6: previousTrustAnchorPem removed: the new anchor only; the old chain no longer verifies
    objs = at();
    bundle = apply(objs);
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(verifies(bundle, newLeaf)).toBe(true);
    expect(verifies(bundle, oldLeaf)).toBe(false);

    // control: without the previous anchor pinned, the renewal alone cuts off every running workload certificate
    secrets.set(anchorCert.spec.secretName, cm.selfSigned(anchorCert.spec, 'anchor-3'));
    expect(verifies(apply(at()), newLeaf)).toBe(false);
  });
});

describe('checks before apply', () => {
  test.each([
    [{ issuerRenewBefore: '48h' }, /issuerRenewBefore: received "48h"; expected less than issuerDuration \(48h0m0s\)/],
    [{ trustAnchorDuration: '30m' }, /trustAnchorDuration: received "30m"; expected at least 1h/],
    [{ issuerRenewBefore: '1m' }, /issuerRenewBefore: received "1m"; expected at least 5m/],
    [{ issuerDuration: '90000h', issuerRenewBefore: '25h' }, /issuerDuration: received "90000h"; expected at most trustAnchorDuration \(87600h0m0s\)/],
    [{ trustAnchorRenewBefore: 'soon' }, /trustAnchorRenewBefore: received "soon"; expected a duration/],
  ])('%j is refused with its reason', (props, message) => {
    expect(() => MeshIdentity.certManager(props)).toThrow(ValidationError);
    expect(() => MeshIdentity.certManager(props)).toThrow(message);
  });

  (HAVE_OPENSSL ? test : test.skip)('previousTrustAnchorPem: certificates of a CA only, never a key', () => {
    const work = tmp();
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.crt', '-days', '1', '-subj', '/CN=leaf',
      '-addext', 'basicConstraints=critical,CA:FALSE'], work);
    const leafPem = fs.readFileSync(path.join(work, 'leaf.crt'), 'utf8');
    const keyPem = fs.readFileSync(path.join(work, 'leaf.key'), 'utf8');
    expect(() => MeshIdentity.certManager({ previousTrustAnchorPem: leafPem })).toThrow(/previousTrustAnchorPem: received .*CN=leaf.*, not a CA.*expected a CA certificate/);
    expect(() => MeshIdentity.certManager({ previousTrustAnchorPem: `${leafPem}${keyPem}` })).toThrow(/previousTrustAnchorPem: received "a PEM holding a private key"; expected only the previous anchor/);
    expect(() => MeshIdentity.certManager({ previousTrustAnchorPem: 'not a pem' })).toThrow(/previousTrustAnchorPem: received "not a pem"; expected one or more PEM certificates/);
  });
});

describe('the runbook', () => {
  test('every object it names is one the mesh emits, in the namespace it says', () => {
    const props = { trustNamespace: 'pki' };
    const objs = certManagerIdentityObjects('mesh', 'cluster.local', { ...props, previousTrustAnchorPem: 'x' });
    const steps = certManagerAnchorRotationRunbook({ namespace: 'mesh', certManager: props });
    const commands = steps.flatMap((s) => s.commands);
    const targets = commands.flatMap((c) => [...c.matchAll(/(?:cmctl renew|kubectl) -n (\S+) (?:get (secret|configmap) )?(\S+)/g)]).filter((m) => !m[3].startsWith('get'));
    expect(targets.length).toBeGreaterThanOrEqual(4);
    for (const m of commands.flatMap((c) => [...c.matchAll(/cmctl renew -n (\S+) (\S+)/g)])) {
      expect(objs.find((o) => o.kind === 'Certificate' && o.metadata.namespace === m[1] && o.metadata.name === m[2])).toBeDefined();
    }
    for (const m of commands.flatMap((c) => [...c.matchAll(/kubectl -n (\S+) get secret (\S+)/g)])) {
      const cert = objs.find((o: any) => o.kind === 'Certificate' && o.metadata.namespace === m[1] && o.spec.secretName === m[2]);
      expect(cert).toBeDefined();
    }
    for (const m of commands.flatMap((c) => [...c.matchAll(/kubectl -n (\S+) get configmap (\S+)/g)])) {
      const bundle = find(objs, 'Bundle', m[2]);
      expect(bundle.spec.target.namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe(m[1]);
    }
    expect(steps.map((s) => s.programChange).filter(Boolean).join('\n')).toMatch(/set certManager\.previousTrustAnchorPem[\s\S]*remove certManager\.previousTrustAnchorPem/);
    expect(steps[0].programChange).toContain('mesh-previous-anchor');
  });

  (HAVE_SHELLCHECK ? test : test.skip)('its commands pass shellcheck as one bash script', () => {
    const script = path.join(tmp(), 'runbook.sh');
    const commands = certManagerAnchorRotationRunbook().flatMap((s) => s.commands);
    fs.writeFileSync(script, `#!/usr/bin/env bash\nset -euo pipefail\n${commands.join('\n')}\n`);
    const r = spawnSync('shellcheck', ['-s', 'bash', script], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('the CLI prints it with the given names and refuses a bad one', async () => {
    const r = await cli(['certs', 'cert-manager-runbook', '--namespace', 'mesh', '--trust-namespace', 'pki', '--file', 'old.crt']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('cmctl renew -n pki mesh-trust-anchor');
    expect(r.out).toContain('cmctl renew -n mesh linkerd-identity-issuer');
    expect(r.out).toContain('base64 -d > old.crt');
    expect(r.out.match(/^\d+\. /gm)).toHaveLength(7);
    const bad = await cli(['certs', 'cert-manager-runbook', '--namespace', 'Mesh;rm']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/namespace: received "Mesh;rm"; expected a namespace name/);
  });
});
