/**
 * Helpers of the mesh tests: certificates generated once per test file, a certificate directory as
 * `linkerd-constructs certs` writes it, and conformance for the mesh's objects.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CERTIFICATE_FILES, MeshIdentity } from '../../src/core/identity';
import { generateMeshCertificates, type GeneratedMeshCertificates } from '../../src/core/identity/generate';
import { expectConformant } from '../support/conformance';

/** `expectConformant` for the mesh's objects (Flux v1/v2 kinds are handled by the conformance suite). */
export function expectMeshConformant(objects: unknown[]): void {
  expectConformant(objects);
}

let cached: Promise<GeneratedMeshCertificates> | undefined;
/** Valid certificates for trust domain cluster.local and namespaces linkerd / linkerd-viz (generated once). */
export function testCertificates(): Promise<GeneratedMeshCertificates> {
  cached ??= generateMeshCertificates();
  return cached;
}

/** Writes a certificate directory like `linkerd-constructs certs` (keys 0600); returns its path. */
export function writeCertDir(certs: GeneratedMeshCertificates, webhook = true): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-certs-'));
  const write = (name: string, text: string, mode: number) => fs.writeFileSync(path.join(dir, name), text, { mode });
  write(CERTIFICATE_FILES.trustAnchor, certs.trustAnchor.certificatePem, 0o644);
  write(CERTIFICATE_FILES.trustAnchorKey, certs.trustAnchor.keyPem, 0o600);
  write(CERTIFICATE_FILES.issuerCertificate, certs.issuer.certificatePem, 0o644);
  write(CERTIFICATE_FILES.issuerKey, certs.issuer.keyPem, 0o600);
  if (webhook && certs.webhook) {
    write(CERTIFICATE_FILES.webhookCertificate, certs.webhook.certificatePem, 0o644);
    write(CERTIFICATE_FILES.webhookKey, certs.webhook.keyPem, 0o600);
  }
  return dir;
}

/** Decodes a Secret's `data` entry. */
export function secretData(secret: any, key: string): string {
  return Buffer.from(secret.data[key], 'base64').toString('utf8');
}

const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** True when a value the Pulumi mocks recorded is a secret (the mocks keep the secret wrapper). */
export function isMockSecret(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === '1b47061264138c4ac30d75fd1eb44270';
}

/** The value the Pulumi mocks recorded, secret wrappers removed. */
export function unwrapMock(v: any): any {
  if (isMockSecret(v)) return unwrapMock(v.value);
  if (Array.isArray(v)) return v.map(unwrapMock);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapMock(x)]));
  return v;
}

/** A supplied (mode 1) identity from generated certificates. */
export function suppliedIdentity(certs: GeneratedMeshCertificates): MeshIdentity {
  return MeshIdentity.supplied({
    trustAnchorPem: certs.trustAnchor.certificatePem,
    issuerCertificatePem: certs.issuer.certificatePem,
    issuerKeyPem: certs.issuer.keyPem,
  });
}
