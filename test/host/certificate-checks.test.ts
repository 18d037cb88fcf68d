/**
 * The certificate checks of hosts are pure functions of their PEM inputs and are remembered by them
 * (every host of a program gets the same anchor and upstream CA; each signature check costs about a
 * millisecond): what a host is told must not depend on which host was checked first.
 */
import { SPIRE_CA_PEM, TRUST_ANCHOR_PEM } from './support/mesh';
import { Issues, memoizedCheck } from '../../src/core/errors';
import { checkHostTrustAnchor } from '../../src/core/host/resolve';
import { checkUpstreamCa } from '../../src/core/host/upstream-ca';

describe('remembered certificate checks', () => {
  test('a check runs once per key; its issues are replayed under the scope of each caller', () => {
    let runs = 0;
    const check = (into: Issues) => {
      runs += 1;
      into.error('field', 'value', 'expected something else');
      into.warn('other', 1, 'expected 2');
    };
    const a = new Issues('host a');
    const b = new Issues('host b');
    memoizedCheck(a, 'memo-test-key', check);
    memoizedCheck(b, 'memo-test-key', check);
    expect(runs).toBe(1);
    expect(a.all).toEqual([
      { scope: 'host a', field: 'field', value: 'value', allowed: 'expected something else', severity: 'error' },
      { scope: 'host a', field: 'other', value: 1, allowed: 'expected 2', severity: 'warning' },
    ]);
    expect(b.all.map((i) => i.scope)).toEqual(['host b', 'host b']);
    expect(b.all.map(({ scope: _s, ...rest }) => rest)).toEqual(a.all.map(({ scope: _s, ...rest }) => rest));
    memoizedCheck(new Issues('host c'), 'memo-test-other-key', check);
    expect(runs).toBe(2);
  });

  test('a host given an intermediate as its anchor is told so every time, each under its own scope; the real anchor passes', () => {
    for (const scope of ['host 1', 'host 2', 'host 1']) {
      const issues = new Issues(scope);
      checkHostTrustAnchor(issues, SPIRE_CA_PEM);
      expect(issues.errors).toHaveLength(1);
      expect(issues.errors[0]).toMatchObject({ scope, field: 'trustAnchorPem', allowed: expect.stringContaining('expected a trust anchor: a self-signed CA certificate') });
    }
    const ok = new Issues('host 3');
    checkHostTrustAnchor(ok, TRUST_ANCHOR_PEM, TRUST_ANCHOR_PEM);
    expect(ok.all).toEqual([]);
  });

  test('the upstream CA check: the same answer for the same PEMs, a different one for other PEMs', () => {
    const run = (upstream: string, anchor: string, scope: string) => {
      const issues = new Issues(scope);
      checkUpstreamCa(issues, upstream, anchor);
      return issues.errors;
    };
    expect(run(SPIRE_CA_PEM, TRUST_ANCHOR_PEM, 'x')).toEqual([]);
    expect(run(SPIRE_CA_PEM, TRUST_ANCHOR_PEM, 'y')).toEqual([]);
    // the anchor as its own upstream CA: refused, each time
    for (const scope of ['x', 'y']) {
      const errors = run(TRUST_ANCHOR_PEM, TRUST_ANCHOR_PEM, scope);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ scope, field: 'upstreamCaPem', allowed: expect.stringContaining('not a root') });
    }
  });
});
