/**
 * Trust anchor rotation, walked with openssl: at each stage a workload certificate from the old issuer
 * and one from the new issuer are verified (`openssl verify`, the issuer as the intermediate a proxy
 * presents) against the trust anchors that `MeshIdentity.fromDirectory` publishes for the stage. They
 * verify exactly when a running mesh needs them to; at `finish` the old chain no longer does. Then the
 * checks: each bad directory rejected with its message and the command that fixes it, and
 * `certs status` on good, expiring and broken directories.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { LinkerdMesh, MeshDelivery } from '../../src/cdk8s';
import { main } from '../../src/cli/main';
import { ValidationError } from '../../src/core/errors';
import { MeshIdentity } from '../../src/core/identity';
import { createCertificate } from '../../src/core/identity/generate';
import { ROTATION_FILES, rotationStage } from '../../src/core/identity/rotation';
import { meshAnnotations } from '../../src/core/mesh/injection';
import { describeWithHelm, type HelmContext } from '../support/helm';
import { temporaryFolders } from '../support/tmp';

const tmp = temporaryFolders('lc-rotation-');
const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '', cwd });
  return { code, out: out.join(''), err: err.join('') };
}

function openssl(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** A workload certificate signed by the issuer in `dir` now; returns the leaf and the issuer it chains through. */
function workloadCert(dir: string, work: string, name: string): { leaf: string; issuer: string } {
  const issuer = path.join(work, `${name}-issuer.crt`);
  const issuerKey = path.join(work, `${name}-issuer.key`);
  fs.copyFileSync(path.join(dir, 'issuer.crt'), issuer);
  fs.copyFileSync(path.join(dir, 'issuer.key'), issuerKey);
  fs.writeFileSync(path.join(work, 'leaf.ext'), 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:web.shop.serviceaccount.identity.linkerd.cluster.local\n');
  const must = (args: string[]) => {
    const r = openssl(args, work);
    if (r.status !== 0) throw new Error(r.out);
  };
  must(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=web.shop'] );
  must(['x509', '-req', '-in', `${name}.csr`, '-CA', issuer, '-CAkey', issuerKey, '-set_serial', String(Date.now()), '-out', `${name}.crt`, '-days', '1', '-extfile', 'leaf.ext']);
  return { leaf: path.join(work, `${name}.crt`), issuer };
}

/** Whether `cert` verifies against the anchors the directory publishes now (what proxies restarted now trust). */
function verifies(dir: string, work: string, cert: { leaf: string; issuer: string }): boolean {
  const bundle = path.join(work, 'published.pem');
  fs.writeFileSync(bundle, MeshIdentity.fromDirectory(dir).supplied!.trustAnchorPem);
  return openssl(['verify', '-CAfile', bundle, '-untrusted', cert.issuer, cert.leaf], work).status === 0;
}

(HAVE_OPENSSL ? describe : describe.skip)('a staged anchor rotation, walked with openssl', () => {
  test('bundle, issuer, finish: old and new workload certificates verify exactly when a running mesh needs them to', async () => {
    const base = tmp();
    const work = tmp();
    expect((await cli(['certs', '--out', 'certs', '--no-webhook', '--no-spire-ca'], base)).code).toBe(0);
    const dir = path.join(base, 'certs');
    const oldCert = workloadCert(dir, work, 'old');
    expect(verifies(dir, work, oldCert)).toBe(true);
    const oldAnchor = fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8');

    // stage 1: both anchors published, the issuer unchanged
    const s1 = await cli(['certs', 'rotate-anchor', '--dir', 'certs'], base);
    expect(s1.code).toBe(0);
    expect(s1.out).toContain('stage bundle');
    expect(rotationStage(dir)).toBe('bundle');
    expect((fs.statSync(path.join(dir, ROTATION_FILES.nextAnchorKey)).mode % 0o1000).toString(8)).toBe('600');
    expect(MeshIdentity.fromDirectory(dir).supplied!.trustAnchorPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(verifies(dir, work, oldCert)).toBe(true);

    // stage 2: the issuer re-signed by the new anchor; both chains verify
    expect((await cli(['certs', 'rotate-anchor', '--dir', 'certs'], base)).code).toBe(0);
    expect(rotationStage(dir)).toBe('issuer');
    const newCert = workloadCert(dir, work, 'new');
    expect(verifies(dir, work, newCert)).toBe(true);
    expect(verifies(dir, work, oldCert)).toBe(true);

    // stage 3: the new anchor only; the old chain no longer verifies
    const s3 = await cli(['certs', 'rotate-anchor', '--dir', 'certs'], base);
    expect(s3.code).toBe(0);
    expect(rotationStage(dir)).toBe('finish');
    expect(fs.readFileSync(path.join(dir, ROTATION_FILES.previousAnchor), 'utf8')).toBe(oldAnchor);
    expect(fs.existsSync(path.join(dir, ROTATION_FILES.nextAnchor))).toBe(false);
    expect(MeshIdentity.fromDirectory(dir).supplied!.trustAnchorPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(verifies(dir, work, newCert)).toBe(true);
    expect(verifies(dir, work, oldCert)).toBe(false);
  }, 60_000);

  test('rotate-issuer re-issues the issuer from the anchor that signs in this stage (the new one in stage issuer)', async () => {
    const base = tmp();
    const work = tmp();
    await cli(['certs', '--out', 'certs', '--no-webhook', '--no-spire-ca'], base);
    const dir = path.join(base, 'certs');
    const before = fs.readFileSync(path.join(dir, 'issuer.key'), 'utf8');
    expect((await cli(['certs', 'rotate-issuer', '--dir', 'certs'], base)).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'issuer.key'), 'utf8')).not.toBe(before);
    expect(verifies(dir, work, workloadCert(dir, work, 'a'))).toBe(true);
  }, 30_000);
});

describe('checks before a stage is applied: each bad directory rejected with its reason and the fixing command', () => {
  async function fresh(): Promise<{ base: string; dir: string }> {
    const base = tmp();
    await cli(['certs', '--out', 'certs', '--no-webhook', '--no-spire-ca'], base);
    return { base, dir: path.join(base, 'certs') };
  }

  test('an anchor left the bundle while the published issuer is still signed by it (finish without the issuer stage)', async () => {
    const { base, dir } = await fresh();
    await cli(['certs', 'rotate-anchor', '--dir', 'certs'], base); // bundle
    // by hand: the finish moves, skipping the issuer stage
    fs.renameSync(path.join(dir, 'ca.crt'), path.join(dir, 'ca-previous.crt'));
    fs.renameSync(path.join(dir, 'ca-next.crt'), path.join(dir, 'ca.crt'));
    fs.writeFileSync(path.join(dir, 'rotation-stage'), 'finish\n');
    expect(() => MeshIdentity.fromDirectory(dir)).toThrow(ValidationError);
    expect(() => MeshIdentity.fromDirectory(dir)).toThrow(/received "issuer\.crt, issued by \\"CN=root\.linkerd\.cluster\.local\\""; expected an issuer signed by one of the published trust anchors \(stage finish\): the old anchor left the bundle while the published issuer is still signed by it; re-sign it with the new anchor: linkerd-constructs certs rotate-issuer --dir/);
    const s = await cli(['certs', 'status', '--dir', 'certs'], base);
    expect(s.code).toBe(1);
    expect(s.out).toContain('chain: BROKEN');
    expect(s.err).toContain('linkerd-constructs certs rotate-issuer');
  });

  test('an issuer that outlives its anchor', async () => {
    const { dir } = await fresh();
    const anchor = { certificatePem: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'), keyPem: fs.readFileSync(path.join(dir, 'ca.key'), 'utf8') };
    const now = Date.now();
    const long = await createCertificate({
      commonName: 'identity.linkerd.cluster.local',
      dnsNames: ['identity.linkerd.cluster.local'],
      isCa: true,
      pathLength: 0,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 4000 * 86_400_000),
      signer: anchor,
    });
    fs.writeFileSync(path.join(dir, 'issuer.crt'), long.certificatePem);
    fs.writeFileSync(path.join(dir, 'issuer.key'), long.keyPem, { mode: 0o600 });
    expect(() => MeshIdentity.fromDirectory(dir)).toThrow(/expected the issuer's validity inside its anchor's .*re-issue it: linkerd-constructs certs rotate-issuer --dir/);
  });

  test('stage bundle without the next anchor; an unknown stage', async () => {
    const { dir } = await fresh();
    fs.writeFileSync(path.join(dir, 'rotation-stage'), 'bundle\n');
    expect(() => MeshIdentity.fromDirectory(dir)).toThrow(/ca-next\.crt missing in stage bundle"; expected the next trust anchor; linkerd-constructs certs rotate-anchor/);
    fs.writeFileSync(path.join(dir, 'rotation-stage'), 'halfway\n');
    expect(() => MeshIdentity.fromDirectory(dir)).toThrow(/rotation-stage: received "halfway"; expected one of none, bundle, issuer, finish/);
  });
});

describe('certs status', () => {
  test('a good directory: every certificate with its days left, the chain, the stage and the next command; exit 0', async () => {
    const base = tmp();
    await cli(['certs', '--out', 'certs'], base);
    const s = await cli(['certs', 'status', '--dir', 'certs'], base);
    expect(s.code).toBe(0);
    expect(s.out).toContain('rotation stage none');
    expect(s.out).toMatch(/ca\.crt\s+CN=root\.linkerd\.cluster\.local, ECDSA P-256, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}, 36\d\d days left/);
    expect(s.out).toMatch(/issuer\.crt\s+CN=identity\.linkerd\.cluster\.local, ECDSA P-256, .*, 36[45] days left/);
    expect(s.out).toContain('chain: issuer.crt verifies under a published anchor');
    expect(s.out).toContain('next: linkerd-constructs certs rotate-anchor --dir "certs"');
    expect(s.err).toBe('');
  });

  test('an expiring directory (under 60 days, as linkerd check warns): exit 0 with a warning', async () => {
    const base = tmp();
    await cli(['certs', '--out', 'certs', '--anchor-days', '30', '--issuer-days', '20', '--no-webhook'], base);
    const s = await cli(['certs', 'status', '--dir', 'certs'], base);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/ca\.crt .*, (29|30) days left/);
    expect(s.err).toMatch(/warning: .*trust anchor.*(expires|days)/i);
  });

  test('an expired certificate or a foreign issuer: exit 1', async () => {
    const base = tmp();
    await cli(['certs', '--out', 'a', '--no-webhook'], base);
    await cli(['certs', '--out', 'b', '--no-webhook'], base);
    fs.copyFileSync(path.join(base, 'b', 'issuer.crt'), path.join(base, 'a', 'issuer.crt'));
    fs.copyFileSync(path.join(base, 'b', 'issuer.key'), path.join(base, 'a', 'issuer.key'));
    const s = await cli(['certs', 'status', '--dir', 'a'], base);
    expect(s.code).toBe(1);
    expect(s.out).toContain('chain: BROKEN');
  });
});

describe('what a stage publishes, on both sides', () => {
  test('cdk8s and Pulumi read the same stage: both anchors during bundle, in the values the chart renders', async () => {
    const base = tmp();
    await cli(['certs', '--out', 'certs', '--no-spire-ca'], base);
    await cli(['certs', 'rotate-anchor', '--dir', 'certs'], base);
    const dir = path.join(base, 'certs');
    const core = MeshIdentity.fromDirectory(dir).supplied!;
    const { MeshIdentity: PulumiMeshIdentity } = await import('../../src/pulumi/mesh-identity');
    const pulumiIdentity = PulumiMeshIdentity.fromDirectory(dir) as unknown as { supplied: { trustAnchorPem: string; issuerCertificatePem: string } };
    expect(pulumiIdentity.supplied.trustAnchorPem).toBe(core.trustAnchorPem);
    expect(pulumiIdentity.supplied.issuerCertificatePem).toBe(core.issuerCertificatePem);
    const chart = new Chart(Testing.app(), 'app');
    new LinkerdMesh(chart, 'mesh', { identity: MeshIdentity.fromDirectory(dir), delivery: MeshDelivery.argoCd(), gatewayApi: { managedBy: 'linkerd-crds-chart' } });
    const cp = (Testing.synth(chart) as any[]).find((o) => o.kind === 'Application' && o.spec.source.chart === 'linkerd-control-plane');
    const anchors = cp.spec.source.helm.valuesObject.identityTrustAnchorsPEM as string;
    expect(anchors.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(anchors).toContain(fs.readFileSync(path.join(dir, 'ca-next.crt'), 'utf8').trim());
  });
});

describeWithHelm('a bundle change rolls the workloads we mesh, as it rolls the control plane', (ctx: HelmContext) => {
  test('the digest MeshInjection stamps equals the one the real chart renders for the same published bundle, and changes with the stage', async () => {
    const base = tmp();
    await cli(['certs', '--out', 'certs', '--no-spire-ca'], base);
    const dir = path.join(base, 'certs');
    const render = () => {
      const chart = new Chart(Testing.app(), 'app');
      const mesh = new LinkerdMesh(chart, 'mesh', {
        identity: MeshIdentity.fromDirectory(dir),
        delivery: MeshDelivery.helm({ helmExecutable: ctx.helm, repository: ctx.repository, env: ctx.env }),
        gatewayApi: { managedBy: 'linkerd-crds-chart' },
      });
      const objects = Testing.synth(chart) as any[];
      const cp = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'linkerd-destination');
      return { chartDigest: cp.spec.template.metadata.annotations['linkerd.io/trust-root-sha256'], ours: meshAnnotations({ trustAnchorsPem: mesh.trustAnchorPem })['linkerd.io/trust-root-sha256'] };
    };
    const before = render();
    expect(before.ours).toBe(before.chartDigest);
    await cli(['certs', 'rotate-anchor', '--dir', 'certs'], base);
    const during = render();
    expect(during.ours).toBe(during.chartDigest);
    expect(during.ours).not.toBe(before.ours);
  }, 60_000);
});
