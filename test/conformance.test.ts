import { LINKERD_CRDS } from '../src/core';
import { conformanceErrors, expectConformant, formatConformanceError, strictSchema } from './support/conformance';
import { describeWithFixtures, readFixtureDocs } from './support/fixtures';

const server = () => ({
  apiVersion: 'policy.linkerd.io/v1beta3',
  kind: 'Server',
  metadata: { name: 'web-http', namespace: 'shop' },
  spec: { podSelector: { matchLabels: { app: 'web' } }, port: 'http', proxyProtocol: 'HTTP/1' },
});

const messages = (obj: unknown) => conformanceErrors(obj).map(formatConformanceError);

describeWithFixtures('conformance suite: Linkerd CRDs (upstream openAPIV3Schema, strict)', () => {
  test('a well-formed Server conforms', () => {
    expect(messages(server())).toEqual([]);
    expectConformant(server());
  });

  test('every kind we model is served by the upstream CRDs at the version we model', () => {
    const served = new Set<string>();
    for (const crd of readFixtureDocs('linkerd-edge-26.8.3/linkerd-crds.yaml')) {
      for (const v of crd.spec.versions) if (v.served) served.add(`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`);
    }
    for (const info of Object.values(LINKERD_CRDS)) {
      expect(served).toContain(`${info.apiVersion} ${info.kind}`);
    }
    expect(Object.keys(LINKERD_CRDS)).toHaveLength(10);
  });

  test('an unknown field is rejected with its path', () => {
    const bad = server() as any;
    bad.spec.podSelector.matchExpressionz = [];
    expect(messages(bad)).toEqual([
      'Server shop/web-http: spec.podSelector.matchExpressionz: unknown field (the schema does not allow it)',
    ]);
  });

  test('a field of the wrong type is rejected with its path', () => {
    const bad = {
      apiVersion: 'workload.linkerd.io/v1beta1',
      kind: 'ExternalWorkload',
      metadata: { name: 'vm-1', namespace: 'mixed-env' },
      spec: { meshTLS: { identity: 'spiffe://root.linkerd.cluster.local/vm', serverName: 'vm.cluster.local' }, ports: [{ port: '80' }] },
    };
    expect(messages(bad)).toEqual(['ExternalWorkload mixed-env/vm-1: spec.ports[0].port: must be integer']);
  });

  test('a missing required field is rejected with its path', () => {
    const bad = {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'allow', namespace: 'shop' },
      spec: { targetRef: { group: 'policy.linkerd.io', kind: 'Server' }, requiredAuthenticationRefs: [] },
    };
    expect(messages(bad)).toEqual(['AuthorizationPolicy shop/allow: spec.targetRef.name: required field is missing']);
  });

  test('a value outside an enum is rejected with the allowed values', () => {
    const bad = server() as any;
    bad.spec.podSelector.matchExpressions = [{ key: 'tier', operator: 'Within', values: ['a'] }];
    const [msg, ...rest] = messages(bad);
    expect(rest).toEqual([]);
    expect(msg).toBe(
      'Server shop/web-http: spec.podSelector.matchExpressions[0].operator: must be one of "In", "NotIn", "Exists", "DoesNotExist"',
    );
  });

  test('a Server with both selectors breaks the oneOf', () => {
    const bad = server() as any;
    bad.spec.externalWorkloadSelector = { matchLabels: { app: 'web' } };
    expect(messages(bad)).toEqual([
      'Server shop/web-http: spec: must match exactly one of the alternatives the schema allows (oneOf)',
    ]);
  });

  test('a version the CRD does not serve is rejected', () => {
    expect(messages({ ...server(), apiVersion: 'policy.linkerd.io/v9' })).toEqual([
      'Server shop/web-http: apiVersion: policy.linkerd.io/v9 Server is not served by the Linkerd CRDs',
    ]);
  });

  test('expectConformant throws with every error listed', () => {
    const bad = server() as any;
    bad.spec.port = true;
    bad.metadata.name = 'Web_HTTP';
    expect(() => expectConformant([server(), bad])).toThrow(/2 conformance error\(s\):\n.*metadata\.name: must be a DNS-1123 subdomain.*\n.*spec\.port: must be integer/);
  });

  test('the strict conversion keeps preserve-unknown-fields maps open', () => {
    const s = strictSchema({ type: 'object', properties: { m: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } } });
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.m.additionalProperties).toBeUndefined();
  });
});

describe('conformance suite: core and third-party kinds (kubernetes-models)', () => {
  const np = () => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'deny-all', namespace: 'shop' },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });

  test('a well-formed NetworkPolicy conforms', () => {
    expect(messages(np())).toEqual([]);
  });

  test('a wrong type in a core kind is rejected with its path', () => {
    const bad = np() as any;
    bad.spec.ingress = [{ ports: [{ port: 80, endPort: '90' }] }];
    expect(messages(bad)).toEqual(['NetworkPolicy shop/deny-all: spec.ingress[0].ports[0].endPort: must be integer']);
  });

  test('a cluster-scoped kind with a namespace is rejected', () => {
    expect(messages({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', namespace: 'b' } })).toEqual([
      'Namespace b/a: metadata.namespace: Namespace is cluster-scoped and takes no namespace',
    ]);
  });

  test('invalid label values are rejected', () => {
    const bad = np() as any;
    bad.metadata.labels = { app: 'not valid!' };
    expect(messages(bad)).toEqual(['NetworkPolicy shop/deny-all: metadata.labels["app"]: invalid label value "not valid!"']);
  });

  test('cert-manager, trust-manager, Flux and Argo CD kinds are checked too', () => {
    expect(
      messages({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'c', namespace: 'linkerd' },
        spec: { secretName: 's', issuerRef: { name: 'i', kind: 'Issuer' }, isCA: 'yes' },
      }),
    ).toEqual(['Certificate linkerd/c: spec.isCA: must be boolean']);
    expect(messages({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'Widget w: apiVersion: no schema for example.com/v1 Widget in the conformance suite',
    ]);
  });
});
