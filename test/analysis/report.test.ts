/**
 * Renderings of an analysis: the readable report (what was read, what was found, fixes, answers),
 * the Mermaid graph of allowed and blocked flows, and JSON.
 */
import { parse } from 'yaml';
import { deployment, namespace, policy } from './helpers';
import { analyzeMesh, findingsTable, formatJson, formatMermaid, formatReport } from '../../src/core/analysis';

const APPS = [namespace('shop', { inject: 'enabled' }), deployment('shop', 'web'), deployment('shop', 'api')];
const DENY_LINKERD = policy('linkerd', 'deny-all-ingress', { ingress: [{ from: [{ podSelector: {} }] }] });

describe('reports', () => {
  const blocked = analyzeMesh([...APPS, DENY_LINKERD], { flows: ['shop/web -> shop/api:8080'], acceptedFindings: [{ id: 'webhook:*', reason: 'not our concern here' }] });
  const clean = analyzeMesh(APPS);

  test('the report says what was read, what is blocked where, the fix, and the verdict', () => {
    const text = formatReport(blocked);
    expect(text).toMatch(/^read 4 object\(s\): 2 workload\(s\) in \d namespace\(s\), \d+ pod class\(es\) \(\d+ meshed\), 1 NetworkPolicy\(ies\)/);
    expect(text).toMatch(/control plane: built-in model \(namespace linkerd\); viz: absent; DNS: built-in; API server at 0\.0\.0\.0\/0/);
    expect(text).toMatch(/note: the control plane is not in the manifests/);
    expect(text).toMatch(/BLOCKED\s+destination\s+8086\/TCP\s+shop\/\*\s+linkerd\/linkerd-destination\s+ingress at linkerd\/linkerd-destination\s+linkerd\/deny-all-ingress/);
    expect(text).toMatch(/accepted\s+webhook\s+8443\/TCP\s+kube-apiserver/);
    expect(text).toMatch(/blocked destination:ingress:linkerd\/linkerd-destination:8086\/TCP\n {2}8086\/TCP from shop\/\* .*\n {2}fix: add an ingress rule/);
    expect(text).toMatch(/accepted webhook:ingress:linkerd\/linkerd-destination:9443\/TCP\n.*\n {2}accepted: not our concern here/);
    expect(text).toMatch(/flow shop\/web -> shop\/api:8080: ALLOWED\n {2}both ends are meshed/);
    expect(text).toMatch(/FAILED: 3 blocked required flow\(s\)\n$/);
    expect(formatReport(clean)).toMatch(/no required flow is blocked\n\nOK: every required flow is allowed\n$/);
  });

  test('the table has one row per finding', () => {
    const rows = findingsTable(blocked.findings).split('\n');
    expect(rows[0]).toMatch(/^status\s+flow\s+port\s+from\s+to\s+blocked by\s+policies$/);
    expect(rows).toHaveLength(2 + blocked.findings.length);
  });

  test('Mermaid: solid arrows for allowed flows, dotted red BLOCKED arrows, one node per namespace or component', () => {
    const m = formatMermaid(blocked);
    const lines = m.trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    const node = (label: string) => {
      const line = lines.find((l) => l.includes(`"${label}"`));
      if (!line) throw new Error(`no node ${label} in\n${m}`);
      return line.trim().split(/[[(]/)[0];
    };
    const shop = node('namespace shop');
    const dst = node('linkerd/linkerd-destination');
    const api = node('kube-apiserver');
    expect(lines).toContain(`  ${shop}(["namespace shop"])`);
    expect(lines).toContain(`  ${api}[/"kube-apiserver"/]`);
    const blockedEdge = lines.findIndex((l) => l.startsWith(`  ${shop} -. "BLOCKED: `) && l.endsWith(`.-> ${dst}`));
    expect(lines[blockedEdge]).toMatch(/destination 8086\/TCP, policy 8090\/TCP/);
    expect(lines.some((l) => l.startsWith(`  ${shop} -->|"`) && l.includes('dns 53/UDP'))).toBe(true);
    expect(lines.some((l) => l.includes('asked 8080/TCP'))).toBe(true);
    // the red style covers exactly the blocked edges (index in the edge list)
    const edgeLines = lines.filter((l) => l.includes('-->') || l.includes('.->'));
    const red = lines[lines.length - 1];
    expect(red).toMatch(/^ {2}linkStyle [\d,]+ stroke:#d33/);
    const idx = red.replace(/^ {2}linkStyle /, '').split(' ')[0].split(',').map(Number);
    expect(idx.map((i) => edgeLines[i].includes('BLOCKED'))).toEqual(idx.map(() => true));
    expect(edgeLines.filter((l) => l.includes('BLOCKED'))).toHaveLength(idx.length);
    expect(formatMermaid(clean)).not.toMatch(/BLOCKED|linkStyle/);
  });

  test('JSON holds the verdict, summary, findings, edges and answers', () => {
    const json = JSON.parse(formatJson(blocked, { mermaid: 'x' }));
    expect(json.ok).toBe(false);
    expect(json.mermaid).toBe('x');
    expect(json.summary.controlPlane).toBe('built-in');
    expect(json.blocking.map((f: any) => f.id)).toEqual(blocked.blocking.map((f) => f.id));
    expect(json.answers[0].allowed).toBe(true);
    // YAML-compatible too (JSON is YAML)
    expect(parse(formatJson(clean)).ok).toBe(true);
  });
});
