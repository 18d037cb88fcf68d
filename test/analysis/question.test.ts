/**
 * A user's own questions (`--flow ns/a -> ns/b:port`): NetworkPolicy on both ends, the port the
 * network sees, and Linkerd authorization on top (Server, AuthorizationPolicy, MeshTLSAuthentication,
 * NetworkAuthentication, default inbound policy).
 */
import { deployment, namespace, policy, service } from './helpers';
import { analyzeMesh, answerFlowQuestion, parseFlowQuestion } from '../../src/core/analysis';
import { prepareAnalysis } from '../../src/core/analysis/analyzer';
import type { KubeObject } from '../../src/core/k8s';

const cr = (kind: string, ns: string, name: string, spec: object, apiVersion = 'policy.linkerd.io/v1alpha1'): KubeObject => ({ apiVersion, kind, metadata: { name, namespace: ns }, spec });

const SHOP: KubeObject[] = [
  namespace('shop', { inject: 'enabled' }),
  namespace('strict', { inject: 'enabled', annotations: { 'config.linkerd.io/default-inbound-policy': 'deny' } }),
  deployment('shop', 'web', { serviceAccount: 'web' }),
  deployment('shop', 'batch', { serviceAccount: 'batch' }),
  deployment('shop', 'api', { serviceAccount: 'api', ports: [{ name: 'http', containerPort: 8080 }, { name: 'admin', containerPort: 9000 }, { name: 'raw', containerPort: 7000 }] }),
  deployment('shop', 'db', { annotations: { 'linkerd.io/inject': 'disabled' }, ports: [{ name: 'pg', containerPort: 5432 }] }),
  deployment('shop', 'legacy', { annotations: { 'config.linkerd.io/skip-inbound-ports': '7000' }, ports: [{ name: 'raw', containerPort: 7000 }] }),
  deployment('strict', 'vault', { ports: [{ name: 'https', containerPort: 8200 }] }),
  service('shop', 'api-svc', { app: 'api' }, [{ name: 'web', port: 80, targetPort: 'http' }]),
  cr('Server', 'shop', 'api-http', { podSelector: { matchLabels: { app: 'api' } }, port: 'http', proxyProtocol: 'HTTP/1' }, 'policy.linkerd.io/v1beta3'),
  cr('AuthorizationPolicy', 'shop', 'api-http-web', {
    targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'api-http' },
    requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'web-only' }],
  }),
  cr('MeshTLSAuthentication', 'shop', 'web-only', { identityRefs: [{ kind: 'ServiceAccount', name: 'web' }] }),
  cr('Server', 'shop', 'api-admin', { podSelector: { matchLabels: { app: 'api' } }, port: 9000, accessPolicy: 'deny' }, 'policy.linkerd.io/v1beta3'),
  cr('AuthorizationPolicy', 'shop', 'api-admin-apiserver', {
    targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'api-admin' },
    requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'control-plane-net' }],
  }),
  cr('NetworkAuthentication', 'shop', 'control-plane-net', { networks: [{ cidr: '172.20.0.0/16', except: ['172.20.9.0/24'] }] }),
];

const ask = (q: string, extra: KubeObject[] = [], apiServerCidrs = ['172.20.0.5/32']) => {
  const { model } = prepareAnalysis([...SHOP, ...extra], { apiServerCidrs });
  return answerFlowQuestion(model, q);
};

describe('flow questions', () => {
  test('parses the question syntax', () => {
    expect(parseFlowQuestion('shop/web -> shop/api:8080')).toEqual({ text: 'shop/web -> shop/api:8080', source: 'shop/web', destination: 'shop/api', port: '8080', protocol: 'TCP' });
    expect(parseFlowQuestion('a/b->c/d:dns/udp')).toMatchObject({ port: 'dns', protocol: 'UDP' });
    expect(() => parseFlowQuestion('shop/web to shop/api')).toThrow(/expected "<namespace>\/<workload> -> <namespace>\/<workload>:<port>\[\/TCP\|UDP\|SCTP\]"/);
  });

  test('meshed to meshed: NetworkPolicy sees 4143, the Server and AuthorizationPolicy admit the client identity', () => {
    const a = ask('shop/web -> shop/api:http');
    expect(a).toMatchObject({ allowed: true, port: 8080, wirePort: 4143, sourceMeshed: true, destinationMeshed: true });
    expect(a.linkerd).toMatchObject({ applies: true, allowed: true, server: 'shop/api-http', admittedBy: ['shop/api-http-web'] });
  });

  test('a meshed client the MeshTLSAuthentication does not list is refused by Linkerd (not by NetworkPolicy)', () => {
    const a = ask('shop/batch -> shop/api:8080');
    expect(a.egress.allowed && a.ingress.allowed).toBe(true);
    expect(a.allowed).toBe(false);
    expect(a.linkerd).toMatchObject({ applies: true, allowed: false, server: 'shop/api-http', defaultPolicy: 'deny' });
    expect(a.linkerd.reason).toMatch(/does not list the identity batch\.shop\.serviceaccount\.identity\.linkerd\.cluster\.local/);
    expect(a.explanation.join('\n')).toMatch(/Linkerd: Server shop\/api-http governs port 8080/);
  });

  test('NetworkAuthentication admits the API server inside its networks and refuses it in an except', () => {
    expect(ask('kube-apiserver -> shop/api:9000').linkerd).toMatchObject({ allowed: true, admittedBy: ['shop/api-admin-apiserver'] });
    const refused = ask('kube-apiserver -> shop/api:9000', [], ['172.20.9.9/32']);
    expect(refused.linkerd).toMatchObject({ allowed: false, defaultPolicy: 'deny' });
    expect(refused.linkerd.reason).toMatch(/does not cover the client's address/);
    // the API server is not meshed: NetworkPolicy sees the application port
    expect(refused.wirePort).toBe(9000);
  });

  test('no Server: the default inbound policy decides (cluster default, then namespace annotation)', () => {
    expect(ask('shop/web -> shop/api:7000').linkerd).toMatchObject({ applies: true, allowed: true, defaultPolicy: 'all-unauthenticated' });
    const strict = ask('shop/web -> strict/vault:8200');
    expect(strict.linkerd).toMatchObject({ applies: true, allowed: false, defaultPolicy: 'deny' });
    expect(strict.linkerd.reason).toMatch(/from the namespace or pod annotation/);
  });

  test('an unauthenticated client and cluster-authenticated', () => {
    const { model } = prepareAnalysis(SHOP, { mesh: { defaultInboundPolicy: 'cluster-authenticated' } });
    const a = answerFlowQuestion(model, 'shop/db -> shop/api:7000');
    expect(a.sourceMeshed).toBe(false);
    expect(a.wirePort).toBe(7000);
    expect(a.linkerd).toMatchObject({ allowed: false, defaultPolicy: 'cluster-authenticated' });
    expect(a.linkerd.reason).toMatch(/it is not meshed/);
    expect(answerFlowQuestion(model, 'shop/web -> shop/api:7000').linkerd.allowed).toBe(true);
  });

  test('an AuthorizationPolicy targeting the Namespace covers every Server of it', () => {
    const nsWide = cr('AuthorizationPolicy', 'shop', 'everyone-meshed', {
      targetRef: { kind: 'Namespace', name: 'shop' },
      requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'all-meshed' }],
    });
    const all = cr('MeshTLSAuthentication', 'shop', 'all-meshed', { identities: ['*'] });
    expect(ask('shop/batch -> shop/api:8080', [nsWide, all]).linkerd).toMatchObject({ allowed: true, admittedBy: ['shop/everyone-meshed'] });
  });

  test('unmeshed destinations and skipped ports bypass the proxies', () => {
    const db = ask('shop/web -> shop/db:pg');
    expect(db).toMatchObject({ allowed: true, port: 5432, wirePort: 5432, destinationMeshed: false, linkerd: { applies: false } });
    const skipped = ask('shop/web -> shop/legacy:7000');
    expect(skipped).toMatchObject({ wirePort: 7000, linkerd: { applies: false } });
    expect(skipped.linkerd.reason).toMatch(/skip-inbound-ports/);
  });

  test('a Service as destination: its port maps to the target container port', () => {
    const a = ask('shop/web -> shop/api-svc:80');
    expect(a).toMatchObject({ destination: 'shop/api', port: 8080, wirePort: 4143, allowed: true });
    expect(a.explanation[0]).toMatch(/Service shop\/api-svc selects shop\/api/);
  });

  test('NetworkPolicy on both ends is reported side by side with the port seen on the wire', () => {
    const onlyAppPort = policy('shop', 'api-8080-only', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080 }] }] });
    const a = ask('shop/web -> shop/api:8080', [onlyAppPort]);
    expect(a).toMatchObject({ allowed: false, wirePort: 4143, ingress: { isolated: true, allowed: false, isolatingPolicies: ['shop/api-8080-only'] } });
    expect(a.explanation.join('\n')).toMatch(/ingress at shop\/api: BLOCKED; isolated by shop\/api-8080-only, none admits 4143\/TCP from shop\/web/);
  });

  test('unknown endpoints and ports give clear errors', () => {
    expect(() => ask('shop/nope -> shop/api:8080')).toThrow(/source shop\/nope: no workload, ExternalWorkload of that name in the manifests; namespace shop has api, batch, db, legacy, web/);
    expect(() => ask('shop/web -> shop/api:missing')).toThrow(/destination shop\/api: no TCP container port named "missing"/);
    expect(() => ask('web -> shop/api:8080')).toThrow(/source "web": expected "<namespace>\/<name>" or "kube-apiserver"/);
  });

  test('a blocked question makes the whole analysis fail', () => {
    const r = analyzeMesh(SHOP, { flows: ['shop/batch -> shop/api:8080', 'shop/web -> shop/api:8080'] });
    expect(r.blocking).toEqual([]);
    expect(r.answers.map((a) => a.allowed)).toEqual([false, true]);
    expect(r.ok).toBe(false);
  });
});
