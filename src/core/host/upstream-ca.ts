/**
 * The SPIRE upstream CA a server signs its own CA with: an intermediate that the mesh's trust anchor
 * signed. Checked the way verifiers will see the chains it produces.
 */
import { X509Certificate } from 'crypto';
import { memoizedCheck, type Issues } from '../errors';
import { basicConstraintsPathLength, hasPemPrivateKey, pemCertificates } from '../identity/certificates';

/**
 * The upstream CA must chain to one of the anchors, be a CA that may sign a CA (SPIRE's own CA sits
 * below it), and not be an anchor itself: the anchor key never leaves the operator.
 */
export function checkUpstreamCa(issues: Issues, upstreamCaPem: unknown, trustAnchorPem: unknown, field = 'upstreamCaPem', anchorField = 'trustAnchorPem'): void {
  // signature checks are costly, and every host of a program is given the same upstream CA
  const key = JSON.stringify(['checkUpstreamCa', typeof upstreamCaPem === 'string' ? upstreamCaPem : String(upstreamCaPem), String(trustAnchorPem), field, anchorField]);
  if (typeof upstreamCaPem !== 'string' || hasPemPrivateKey(upstreamCaPem)) {
    // (a key is never remembered)
    upstreamCaIssues(issues, upstreamCaPem, trustAnchorPem, field, anchorField);
    return;
  }
  memoizedCheck(issues, key, (into) => upstreamCaIssues(into, upstreamCaPem, trustAnchorPem, field, anchorField));
}

function upstreamCaIssues(issues: Issues, upstreamCaPem: unknown, trustAnchorPem: unknown, field: string, anchorField: string): void {
  if (typeof upstreamCaPem !== 'string' || hasPemPrivateKey(upstreamCaPem)) {
    issues.error(field, typeof upstreamCaPem === 'string' ? '(a PEM holding a private key)' : upstreamCaPem, 'expected certificates only: the key arrives on standard input');
    return;
  }
  let chain: X509Certificate[];
  let anchors: X509Certificate[];
  try {
    chain = pemCertificates(upstreamCaPem).map((c) => new X509Certificate(c));
    anchors = pemCertificates(String(trustAnchorPem)).map((c) => new X509Certificate(c));
  } catch {
    issues.error(field, upstreamCaPem, 'expected PEM certificates that parse');
    return;
  }
  if (chain.length === 0) {
    issues.error(field, upstreamCaPem, 'expected an intermediate CA certificate signed by the trust anchor, PEM');
    return;
  }
  const first = chain[0];
  const subject = first.subject.replace(/\n/g, ', ');
  if (first.subject === first.issuer && first.verify(first.publicKey)) {
    issues.error(field, `self-signed "${subject}"`, 'expected an intermediate CA signed by the trust anchor, not a root: the anchor key must never sit on a host (`linkerd-constructs certs` writes spire-ca.crt)');
    return;
  }
  issues.check(first.ca, field, `"${subject}", not a CA`, 'expected a CA certificate (basicConstraints CA:TRUE): SPIRE signs its own CA with it');
  // each certificate is signed by the next; the last by an anchor
  for (let i = 0; i + 1 < chain.length; i++) {
    issues.check(chain[i].checkIssued(chain[i + 1]) && chain[i].verify(chain[i + 1].publicKey), field, `certificate ${i + 1}`, `expected it to be signed by certificate ${i + 2} of the chain`);
  }
  const last = chain[chain.length - 1];
  const anchor = anchors.find((a) => last.checkIssued(a) && last.verify(a.publicKey));
  issues.check(
    anchor !== undefined,
    field,
    `"${last.subject.replace(/\n/g, ', ')}" issued by "${last.issuer.replace(/\n/g, ', ')}"`,
    "expected a chain up to one of the mesh's trust anchors (trustAnchorPem): proxies would reject every SVID otherwise",
  );
  // SPIRE mints its own CA under the upstream CA: an SVID chain is SVID <- SPIRE CA <- chain[0] <- ... <- anchor,
  // so chain[i] has i + 1 CAs below it and the anchor chain.length + 1; a smaller pathlen fails every SVID
  // (openssl and the proxy's verifier enforce it)
  chain.forEach((c, i) => {
    const max = basicConstraintsPathLength(c);
    issues.check(max === undefined || max >= i + 1, field, `certificate ${i + 1} with pathlen ${max}`, `expected a path length of at least ${i + 1} (SPIRE signs its own CA below it), or none`);
  });
  if (anchor) {
    const max = basicConstraintsPathLength(anchor);
    issues.check(
      max === undefined || max >= chain.length + 1,
      anchorField,
      `"${anchor.subject.replace(/\n/g, ', ')}" with pathlen ${max}`,
      `expected a path length of at least ${chain.length + 1} (this upstream chain and SPIRE's own CA sit below it), or none: ` +
        'every SVID would fail verification; `linkerd-constructs certs` writes anchors with pathlen 2 (a root made with `step --profile root-ca` has 1)',
    );
  }
}
