/**
 * Networks (CIDR with exceptions) as Linkerd's `NetworkAuthentication`, `ServerAuthorization` and
 * `EgressNetwork` write them, with the checks Linkerd's admission webhook applies: every exception
 * lies inside its CIDR and does not cover all of it.
 */
import { parseRange, rangeWithin } from '../analysis/ip';
import type { Issues } from '../errors';
import { CIDR_RULE, isCidr } from '../validation';
import type { NetworkBlock, NetworkLike } from './types';

/** True when CIDR `inner` lies entirely inside CIDR `outer` (same family, longer or equal prefix). */
export function cidrContains(outer: string, inner: string): boolean {
  if (!isCidr(outer) || !isCidr(inner)) return false;
  const o = parseRange(outer);
  const i = parseRange(inner);
  return o !== undefined && i !== undefined && rangeWithin(i, o);
}

/** Turns bare CIDR strings into {@link NetworkBlock}s (dropping an empty `except`). */
export function normalizeNetworks(networks: readonly NetworkLike[]): NetworkBlock[] {
  return networks.map((n) => {
    if (typeof n === 'string') return { cidr: n };
    return n.except && n.except.length > 0 ? { cidr: n.cidr, except: [...n.except] } : { cidr: n.cidr };
  });
}

/** A stable text for a list of networks (used to group sources that share their networks). */
export function networksKey(networks: readonly NetworkBlock[]): string {
  return networks
    .map((n) => `${n.cidr}${n.except ? `-${[...n.except].sort().join('-')}` : ''}`)
    .sort()
    .join(',');
}

/**
 * Checks a list of networks: not empty, every CIDR valid, every exception a valid CIDR inside its
 * network that does not cover all of it. Records issues under `field` and returns the networks
 * normalized (or `undefined` when invalid).
 */
export function checkNetworks(issues: Issues, field: string, networks: readonly NetworkLike[] | undefined): NetworkBlock[] | undefined {
  if (!Array.isArray(networks) || networks.length === 0) {
    issues.error(field, networks, 'expected at least one network (a CIDR such as "10.0.0.0/8", or { cidr, except })');
    return undefined;
  }
  let ok = true;
  networks.forEach((n, i) => {
    const at = `${field}[${i}]`;
    const cidr = typeof n === 'string' ? n : n?.cidr;
    if (!isCidr(cidr)) {
      ok = issues.check(false, typeof n === 'string' ? at : `${at}.cidr`, cidr, CIDR_RULE) && ok;
      return;
    }
    const except: readonly string[] = typeof n === 'string' ? [] : (n.except ?? []);
    except.forEach((e, j) => {
      const eat = `${at}.except[${j}]`;
      if (!isCidr(e)) {
        ok = issues.check(false, eat, e, CIDR_RULE) && ok;
      } else if (cidrContains(e, cidr)) {
        ok = issues.check(false, eat, e, `expected a sub-network of ${cidr}; this exception covers all of it, so the network admits nothing`) && ok;
      } else if (!cidrContains(cidr, e)) {
        ok = issues.check(false, eat, e, `expected a sub-network of ${cidr} (an exception outside the network has no effect; Linkerd rejects it)`) && ok;
      }
    });
  });
  return ok ? normalizeNetworks(networks) : undefined;
}
