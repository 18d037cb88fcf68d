/**
 * Serving certificates of the admission webhooks (proxy injector, ServiceProfile validator, policy
 * validator; viz's tap and tap injector when viz is installed).
 *
 * Left to the chart, Helm generates new ones on every render (`genSelfSignedCert`): with `helm
 * template`, Argo CD or Pulumi that means a different output on every run and restarted control
 * plane pods. So the mesh supplies them, or lets cert-manager manage them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Issues } from '../errors';
import { CERTIFICATE_FILES, printWarnings, readCertificateFiles } from './files';

/** PEMs of supplied webhook certificates. */
export interface SuppliedWebhookCertificatesProps {
  /**
   * One serving certificate for every webhook, PEM, whose DNS names cover
   * `linkerd-proxy-injector.<ns>.svc`, `linkerd-sp-validator.<ns>.svc`,
   * `linkerd-policy-validator.<ns>.svc` (and `tap.<vizNs>.svc`, `tap-injector.<vizNs>.svc` with viz).
   */
  readonly certificatePem: string;
  /** Its private key, PEM. Ends up only in the webhooks' `kubernetes.io/tls` Secrets. */
  readonly keyPem: string;
  /**
   * CA bundle the API server trusts for the webhooks.
   * @default certificatePem (a self-signed certificate is its own CA, as the chart does it)
   */
  readonly caBundlePem?: string;
}

/** How the webhook certificates are provided. */
export type WebhookCertificatesMode = 'supplied' | 'cert-manager' | 'chart' | 'existing-secrets';

/** Webhook certificates: {@link WebhookCertificates.supplied}, {@link WebhookCertificates.fromDirectory}, {@link WebhookCertificates.certManager} or {@link WebhookCertificates.chartGenerated}. */
export class WebhookCertificates {
  /** A certificate and key you supply (one certificate for all webhooks). Checked at synthesis. */
  public static supplied(props: SuppliedWebhookCertificatesProps): WebhookCertificates {
    return new WebhookCertificates('supplied', props, undefined);
  }

  /** Reads `webhook.crt` and `webhook.key` that `linkerd-constructs certs --out <dir>` wrote. */
  public static fromDirectory(dir: string): WebhookCertificates {
    const issues = new Issues('WebhookCertificates.fromDirectory');
    const files = readCertificateFiles(dir, ['webhookCertificate', 'webhookKey'], issues, 'dir');
    issues.throwIfErrors();
    printWarnings(issues);
    return new WebhookCertificates('supplied', { certificatePem: files.webhookCertificate!, keyPem: files.webhookKey! }, dir);
  }

  /**
   * cert-manager issues (and renews) the webhook certificates from a self-signed CA in the control
   * plane namespace; its CA injector fills the webhooks' `caBundle`.
   */
  public static certManager(): WebhookCertificates {
    return new WebhookCertificates('cert-manager', undefined, undefined);
  }

  /**
   * The webhooks' `kubernetes.io/tls` Secrets are managed elsewhere (External Secrets Operator,
   * Sealed Secrets...): the mesh emits none and no key, only the CA bundle the API server trusts.
   * The Secrets the chart mounts are listed by `webhookSecretNames(namespace, vizNamespace)`.
   */
  public static existingSecrets(props: { readonly caBundlePem: string }): WebhookCertificates {
    return new WebhookCertificates('existing-secrets', { certificatePem: '', keyPem: '', caBundlePem: props.caBundlePem }, undefined);
  }

  /**
   * Leave them to the chart, which generates new ones whenever it renders. Only deterministic where
   * rendering happens once per change inside the cluster (Flux `HelmRelease`); rejected with helm
   * CLI rendering and Argo CD.
   */
  public static chartGenerated(): WebhookCertificates {
    return new WebhookCertificates('chart', undefined, undefined);
  }

  private constructor(
    /** How the certificates are provided. */
    public readonly mode: WebhookCertificatesMode,
    /** The PEMs (mode `supplied`). */
    public readonly supplied: SuppliedWebhookCertificatesProps | undefined,
    /** The directory they were read from, if any. */
    public readonly directory: string | undefined,
  ) {}
}

/** True when `dir` holds the webhook certificate files `linkerd-constructs certs` writes. */
export function hasWebhookFiles(dir: string): boolean {
  return fs.existsSync(path.join(dir, CERTIFICATE_FILES.webhookCertificate)) && fs.existsSync(path.join(dir, CERTIFICATE_FILES.webhookKey));
}
