/**
 * Renderings of an {@link AnalysisResult}: a readable report with a table of findings, a Mermaid
 * graph of allowed and blocked flows, and JSON.
 */
import type { AnalysisResult } from './analyzer';
import type { AnalysisFinding, FlowEdge } from './flows';
import { compareText } from '../selectors';


function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 3)}...`;
}

/** Renders rows as an aligned text table. */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function list(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} +${items.length - max}`;
}

/** One line per finding: kind, port, from, to, blocking side and policies. */
export function findingsTable(findings: readonly AnalysisFinding[]): string {
  const rows = findings.map((f) => [
    f.accepted !== undefined ? 'accepted' : 'BLOCKED',
    f.kind,
    `${f.port}/${f.protocol}`,
    clip(list(f.sources), 48),
    clip(list(f.destinations), 48),
    `${f.side} at ${f.at}`,
    clip(f.policies.join(', ') || '-', 60),
  ]);
  return textTable(['status', 'flow', 'port', 'from', 'to', 'blocked by', 'policies'], rows);
}

/** The full readable report: what was read, what was found, fixes, answers. */
export function formatReport(result: AnalysisResult): string {
  const s = result.summary;
  const out: string[] = [];
  out.push(
    `read ${s.objects} object(s): ${s.workloads} workload(s) in ${s.namespaces} namespace(s), ${s.podClasses} pod class(es) (${s.meshedPodClasses} meshed), ${s.networkPolicies} NetworkPolicy(ies)`,
  );
  out.push(
    `control plane: ${s.controlPlane === 'manifests' ? 'found in the manifests' : s.controlPlane === 'built-in' ? 'built-in model' : 'absent'} (namespace ${s.controlPlaneNamespace}); viz: ${s.viz}; DNS: ${s.dns}; API server at ${s.apiServer.join(', ')}`,
  );
  for (const n of result.notes) out.push(`note: ${n}`);
  for (const p of result.policyProblems) out.push(`warning: NetworkPolicy ${p.policy} ${p.field}: ${p.message}`);
  out.push(`checked ${s.checks} required flow group(s)`);
  if (result.findings.length === 0) {
    out.push('no required flow is blocked');
  } else {
    out.push('');
    out.push(findingsTable(result.findings));
    out.push('');
    for (const f of result.findings) {
      out.push(`${f.accepted !== undefined ? 'accepted' : 'blocked'} ${f.id}`);
      out.push(`  ${f.message}`);
      if (f.accepted !== undefined) out.push(`  accepted: ${f.accepted}`);
      else out.push(`  fix: ${f.fix}`);
    }
  }
  for (const a of result.unusedAcceptances) out.push(`warning: accepted finding "${a.id}" matched nothing (stale?)`);
  for (const a of result.answers) {
    out.push('');
    out.push(`flow ${a.question}: ${a.allowed ? 'ALLOWED' : 'BLOCKED'}`);
    for (const e of a.explanation) out.push(`  ${e}`);
  }
  out.push('');
  out.push(
    result.ok
      ? `OK: ${result.findings.length === 0 ? 'every required flow is allowed' : `every blocked flow is accepted (${result.findings.length})`}`
      : `FAILED: ${result.blocking.length} blocked required flow(s)${result.answers.some((a) => !a.allowed) ? ` and ${result.answers.filter((a) => !a.allowed).length} blocked flow(s) asked about` : ''}`,
  );
  return `${out.join('\n')}\n`;
}

function mermaidText(s: string): string {
  return s.replace(/"/g, '#quot;');
}

/**
 * A Mermaid flowchart: one node per namespace of applications and per component of the mesh, a
 * solid arrow per allowed group of flows, a dotted red arrow labelled BLOCKED per blocked one.
 */
export function formatMermaid(result: Pick<AnalysisResult, 'edges' | 'answers'>): string {
  const nodes = new Map<string, string>();
  const id = (name: string) => {
    let v = nodes.get(name);
    if (!v) nodes.set(name, (v = `n${nodes.size}`));
    return v;
  };
  const merged = new Map<string, { from: string; to: string; blocked: boolean; labels: string[] }>();
  const add = (e: Pick<FlowEdge, 'from' | 'to' | 'blocked'>, label: string) => {
    const key = `${e.from}|${e.to}|${e.blocked}`;
    let m = merged.get(key);
    if (!m) merged.set(key, (m = { from: e.from, to: e.to, blocked: e.blocked, labels: [] }));
    if (!m.labels.includes(label)) m.labels.push(label);
  };
  for (const e of result.edges) add(e, `${e.kind} ${e.port}/${e.protocol}`);
  for (const a of result.answers) add({ from: a.source, to: a.destination, blocked: !a.allowed }, `asked ${a.port}/${a.protocol}`);
  const lines = ['flowchart LR'];
  const edges = [...merged.values()].sort((a, b) => compareText(a.from, b.from) || compareText(a.to, b.to) || Number(a.blocked) - Number(b.blocked));
  for (const e of edges) {
    id(e.from);
    id(e.to);
  }
  for (const [name, v] of nodes) {
    const shape = name.startsWith('namespace ') ? ['(["', '"])'] : name === 'kube-apiserver' ? ['[/"', '"/]'] : ['["', '"]'];
    lines.push(`  ${v}${shape[0]}${mermaidText(name)}${shape[1]}`);
  }
  const red: number[] = [];
  edges.forEach((e, i) => {
    const label = mermaidText(e.labels.join(', '));
    if (e.blocked) {
      lines.push(`  ${id(e.from)} -. "BLOCKED: ${label}" .-> ${id(e.to)}`);
      red.push(i);
    } else {
      lines.push(`  ${id(e.from)} -->|"${label}"| ${id(e.to)}`);
    }
  });
  if (red.length > 0) lines.push(`  linkStyle ${red.join(',')} stroke:#d33,stroke-width:2px,color:#d33`);
  return `${lines.join('\n')}\n`;
}

/** The result as JSON (stable key order as built). */
export function formatJson(result: AnalysisResult, extra: Record<string, unknown> = {}): string {
  const { ok, ...rest } = result;
  return `${JSON.stringify({ ok, ...rest, ...extra }, null, 2)}\n`;
}
