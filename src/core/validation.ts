/**
 * Shared checks for the values Kubernetes and Linkerd are strict about.
 *
 * Each `isX` is a pure predicate; each `X_RULE` constant is the "expected ..." text used in
 * {@link ValidationIssue.allowed}; each `checkX` records an issue on an {@link Issues} collector.
 */
import { isIP } from 'net';
import { formatRange, parseIp, parseRange } from './analysis/ip';
import type { Issues } from './errors';

const DNS1123_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const IANA_SVC_NAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const TRUST_DOMAIN_RE = /^[a-z0-9._-]+$/;
const SPIFFE_PATH_SEGMENT_RE = /^[A-Za-z0-9._-]+$/;

/** Rule text for DNS-1123 labels. */
export const DNS1123_LABEL_RULE =
  "expected a DNS-1123 label: at most 63 characters, lowercase letters, digits and '-', starting and ending with a letter or digit";
/** Rule text for DNS-1123 subdomains. */
export const DNS1123_SUBDOMAIN_RULE =
  "expected a DNS-1123 subdomain: at most 253 characters, dot-separated DNS-1123 labels (lowercase letters, digits, '-')";
/** Rule text for ports. */
export const PORT_RULE = 'expected a port number from 1 to 65535 or an IANA service name (at most 15 characters, lowercase letters, digits and "-", at least one letter)';
/** Rule text for port numbers. */
export const PORT_NUMBER_RULE = 'expected an integer port number from 1 to 65535';
/** Rule text for label keys. */
export const LABEL_KEY_RULE =
  "expected a label key: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63 characters (letters, digits, '-', '_', '.'), starting and ending with a letter or digit";
/** Rule text for label values. */
export const LABEL_VALUE_RULE =
  "expected a label value: empty, or at most 63 characters of letters, digits, '-', '_', '.', starting and ending with a letter or digit";
/** Rule text for CIDRs. */
export const CIDR_RULE = 'expected a CIDR such as "10.0.0.0/8" or "fd00::/8" (an IPv4 or IPv6 address, "/", and a prefix length)';
/** Rule text for IP addresses. */
export const IP_RULE = 'expected an IPv4 or IPv6 address such as "192.0.2.10"';
/** Rule text for SPIFFE ids. */
export const SPIFFE_ID_RULE =
  'expected a SPIFFE id "spiffe://<trust-domain>/<path>": trust domain of lowercase letters, digits, ".", "-", "_"; path segments of letters, digits, ".", "-", "_" (no empty, "." or ".." segment, no trailing "/")';
/** Rule text for Linkerd mesh identities. */
export const MESH_IDENTITY_RULE =
  'expected a mesh identity: "*", a Linkerd identity "<serviceaccount>.<namespace>.serviceaccount.identity.<control-plane-namespace>.<trust-domain>" (optionally starting with "*." to match a suffix), or a SPIFFE id "spiffe://<trust-domain>/<path>"';
/** Rule text for trust domains. */
export const TRUST_DOMAIN_RULE = 'expected a trust domain: a DNS-1123 subdomain such as "cluster.local"';
/** Rule text for Go durations. */
export const DURATION_RULE = 'expected a duration such as "300ms", "10s", "1m30s" or "24h0m0s"';

/** True for a DNS-1123 label (namespaces, Service names, most object names in this library). */
export function isDns1123Label(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1123_LABEL_RE.test(value);
}

/** True for a DNS-1123 subdomain (most Kubernetes object names). */
export function isDns1123Subdomain(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 253 && DNS1123_SUBDOMAIN_RE.test(value);
}

/** True for an integer from 1 to 65535. */
export function isPortNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** True for an IANA_SVC_NAME (a named port): at most 15 characters, at least one letter, no "--". */
export function isIanaSvcName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= 15 &&
    IANA_SVC_NAME_RE.test(value) &&
    /[a-z]/.test(value) &&
    !value.includes('--')
  );
}

/** True for a port number or a port name. */
export function isPort(value: unknown): value is number | string {
  return isPortNumber(value) || isIanaSvcName(value);
}

/** True for a label (or annotation) key. */
export function isLabelKey(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  const slash = value.indexOf('/');
  if (slash === -1) return value.length <= 63 && LABEL_NAME_RE.test(value);
  const prefix = value.slice(0, slash);
  const name = value.slice(slash + 1);
  return isDns1123Subdomain(prefix) && name.length <= 63 && LABEL_NAME_RE.test(name);
}

/** True for a label value (the empty string is valid). */
export function isLabelValue(value: unknown): value is string {
  return typeof value === 'string' && (value === '' || (value.length <= 63 && LABEL_NAME_RE.test(value)));
}

/** True for an IPv4 or IPv6 address. */
export function isIp(value: unknown): value is string {
  return typeof value === 'string' && isIP(value) !== 0;
}

/** True for an IPv4 or IPv6 CIDR whose prefix length fits the address family. */
export function isCidr(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const parts = value.split('/');
  if (parts.length !== 2 || !/^\d{1,3}$/.test(parts[1])) return false;
  const family = isIP(parts[0]);
  const bits = Number(parts[1]);
  if (family === 4) return bits <= 32;
  if (family === 6) return bits <= 128;
  return false;
}

/** True for a SPIFFE trust domain name. */
export function isTrustDomain(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 255 && TRUST_DOMAIN_RE.test(value) && isDns1123Subdomain(value);
}

/** True for a SPIFFE id `spiffe://<trust-domain>/<path>` (the path may be empty only for the trust domain id). */
export function isSpiffeId(value: unknown): value is string {
  if (typeof value !== 'string' || !value.startsWith('spiffe://') || value.length > 2048) return false;
  const rest = value.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const domain = slash === -1 ? rest : rest.slice(0, slash);
  if (!TRUST_DOMAIN_RE.test(domain)) return false;
  if (slash === -1) return true;
  const segments = rest.slice(slash + 1).split('/');
  return segments.every((s) => s !== '' && s !== '.' && s !== '..' && SPIFFE_PATH_SEGMENT_RE.test(s));
}

/**
 * True for an identity as Linkerd's `MeshTLSAuthentication.spec.identities` accepts it:
 * `*`, a DNS-like Linkerd identity (optionally prefixed with `*.` for suffix matching), or a SPIFFE id.
 */
export function isMeshIdentity(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (value === '*') return true;
  if (value.startsWith('spiffe://')) return isSpiffeId(value);
  const name = value.startsWith('*.') ? value.slice(2) : value;
  return isDns1123Subdomain(name);
}

/** True for a Go duration such as `10s`, `1m30s`, `24h0m0s`, `300ms`. */
export function isDuration(value: unknown): value is string {
  return typeof value === 'string' && /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value);
}

/** Orders two versions given as numeric parts (`[2026, 8, 3]`): negative, zero or positive. */
export function compareVersionParts(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Milliseconds of a duration accepted by {@link isDuration} (Go's `time.ParseDuration` units). */
export function durationMs(value: string): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

/**
 * The Linkerd identity of a service account:
 * `<sa>.<ns>.serviceaccount.identity.<controlPlaneNamespace>.<trustDomain>`.
 */
export function linkerdIdentity(serviceAccount: string, namespace: string, controlPlaneNamespace = 'linkerd', trustDomain = 'cluster.local'): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.${controlPlaneNamespace}.${trustDomain}`;
}

/** Records an issue unless `value` is a DNS-1123 label. */
export function checkDns1123Label(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(isDns1123Label(value), field, value, DNS1123_LABEL_RULE);
}

/** Records an issue unless `value` is a DNS-1123 subdomain. */
export function checkDns1123Subdomain(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(isDns1123Subdomain(value), field, value, DNS1123_SUBDOMAIN_RULE);
}

/** Records an issue unless `value` is a port number or name. */
export function checkPort(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(isPort(value), field, value, PORT_RULE);
}

/** Records an issue unless `value` is a port number. */
export function checkPortNumber(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(isPortNumber(value), field, value, PORT_NUMBER_RULE);
}

/** Records an issue unless `value` is a CIDR. */
export function checkCidr(issues: Issues, field: string, value: unknown): boolean {
  if (!issues.check(isCidr(value), field, value, CIDR_RULE)) return false;
  // host bits: Kubernetes and Linkerd mask them off, so "10.0.0.1/8" silently means 10.0.0.0/8
  const text = value as string;
  const range = parseRange(text);
  const addr = parseIp(text.slice(0, text.indexOf('/')));
  if (range && addr && addr.value !== range.first) {
    issues.warn(field, value, `expected a network address: host bits are set, so this means ${formatRange(range)}; write that`);
  }
  return true;
}

/** Records an issue unless `value` is an IP address. */
export function checkIp(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(isIp(value), field, value, IP_RULE);
}

/** Records an issue unless `value` is a SPIFFE id. */
export function checkSpiffeId(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(isSpiffeId(value), field, value, SPIFFE_ID_RULE);
}

/** Records an issue unless `value` is a mesh identity. */
export function checkMeshIdentity(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(isMeshIdentity(value), field, value, MESH_IDENTITY_RULE);
}

/** Records an issue unless `value` is a trust domain. */
export function checkTrustDomain(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(isTrustDomain(value), field, value, TRUST_DOMAIN_RULE);
}

/** Records an issue unless `value` is a Go duration. */
export function checkDuration(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(isDuration(value), field, value, DURATION_RULE);
}

/** Records an issue for every invalid key or value of a label map. */
export function checkLabels(issues: Issues, field: string, labels: Record<string, unknown> | undefined): boolean {
  let ok = true;
  for (const [key, value] of Object.entries(labels ?? {})) {
    ok = issues.check(isLabelKey(key), `${field} key`, key, LABEL_KEY_RULE) && ok;
    ok = issues.check(isLabelValue(value), `${field}["${key}"]`, value, LABEL_VALUE_RULE) && ok;
  }
  return ok;
}

/** A Kubernetes resource quantity (`100m`, `1`, `20Mi`, `1Gi`). */
export const QUANTITY_RE = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
/** One word: no whitespace (log filters, for one). */
export const NO_SPACE_RE = /^\S+$/;

/** Records an issue unless `value` is a string that `pattern` matches; `allowed` says what is expected. */
export function checkMatches(issues: Issues, field: string, value: unknown, pattern: RegExp, allowed: string): value is string {
  return issues.check(typeof value === 'string' && pattern.test(value), field, value, allowed);
}

/** Records an issue unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(issues: Issues, field: string, value: unknown, allowed: readonly T[]): value is T {
  return issues.check(
    typeof value === 'string' && (allowed as readonly string[]).includes(value),
    field,
    value,
    `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
  );
}
