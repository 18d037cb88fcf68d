/**
 * `linkerd-constructs check <files|dirs|->`: the mesh connectivity analyzer on any manifests
 * (cdk8s output, `helm template`, `kubectl get -o yaml`). Exits 1 when NetworkPolicies block a flow
 * Linkerd needs (or a flow asked with `--flow`), 0 otherwise, 2 on bad usage or unreadable input.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CliCommand, CliIo } from './command';
import { AcceptedFinding, AnalysisOptions, analyzeMesh, findingPattern, formatJson, formatMermaid, formatReport, mergeManifests, ParsedManifests, parseFlowQuestion, parseManifests } from '../core/analysis';
import { gatewayApiFindings } from '../core/mesh/gateway-api';
import { CIDR_RULE, isCidr, isDns1123Label, isLabelKey, isLabelValue, isPortNumber } from '../core/validation';

const USAGE = `usage: linkerd-constructs check <file|dir|->... [options]

Reads Kubernetes manifests (multi-document YAML or JSON, helm template output, kubectl get -o yaml
Lists; directories are read recursively for *.yaml, *.yml, *.json; - is standard input), finds the
Linkerd control plane and the meshed workloads, derives the flows Linkerd needs and checks that the
NetworkPolicies admit them on both ends (egress at the source, ingress at the destination).

options:
  --flow "NS/A -> NS/B:PORT[/PROTO]"  also answer this question (NetworkPolicy and Linkerd authorization);
                                   repeatable. B may be a Service; A may be kube-apiserver
  --accept ID[=REASON]             accept a finding on purpose (ID may use *); repeatable
  --json                           print the result as JSON on stdout (the report goes to stderr)
  --mermaid                        print a Mermaid graph of allowed and blocked flows on stdout (report on stderr)
  --control-plane-namespace NS     where Linkerd's control plane runs (default: found in the manifests, else linkerd)
  --viz-namespace NS               where viz runs when its manifests are not given (built-in model)
  --api-server-cidr CIDR           address(es) of the Kubernetes API server; repeatable
                                   (default 0.0.0.0/0: unknown, only rules admitting every address admit it)
  --api-server-port PORT           API server port as NetworkPolicy sees it (default 443)
  --dns-namespace NS               namespace of the cluster DNS (default kube-system)
  --dns-label KEY=VALUE            label of the DNS pods (default k8s-app=kube-dns); repeatable
  --monitoring-namespace NS        a namespace whose Prometheus (app.kubernetes.io/name=prometheus) scrapes proxies; repeatable
  --meshed-traffic SCOPE           meshed pairs that must connect on 4143: namespace (default), mesh, policies
  -n, --namespace NS               namespace of objects that have none (default: default)
  --no-built-in                    do not assume built-in models of the control plane, viz and DNS
  --max-input-bytes N              refuse inputs larger than N bytes, each file and standard input
                                   (default 67108864, 64 MiB)

Also reports when the input installs Linkerd's CRDs without the Gateway API CRDs Linkerd reads
(httproutes, grpcroutes of gateway.networking.k8s.io), or holds Gateway API CRDs older than v1.1.1
(ids gateway-api:missing, gateway-api:version; --accept them when installed elsewhere).

exit status: 0 every required flow is allowed, 1 some flow is blocked (or a Gateway API finding),
2 bad usage or input (unreadable, too large, YAML aliases past the limit, nothing to check)`;

/** Default of --max-input-bytes. */
export const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Kinds whose pods the analyzer checks: an input with none of them has nothing to check. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod', 'ExternalWorkload']);

interface CheckOptions {
  inputs: string[];
  json: boolean;
  mermaid: boolean;
  flows: string[];
  accepted: AcceptedFinding[];
  mesh: { namespace?: string; vizNamespace?: string };
  apiServerCidrs: string[];
  apiServerPort?: number;
  dnsNamespace?: string;
  dnsPodLabels?: Record<string, string>;
  monitoringNamespaces: string[];
  meshedTraffic?: AnalysisOptions['meshedTraffic'];
  defaultNamespace?: string;
  builtInModels: boolean;
  maxInputBytes: number;
}

class UsageError extends Error {}


function parse(argv: string[]): CheckOptions {
  const o: CheckOptions = {
    inputs: [],
    json: false,
    mermaid: false,
    flows: [],
    accepted: [],
    mesh: {},
    apiServerCidrs: [],
    monitoringNamespaces: [],
    builtInModels: true,
    maxInputBytes: DEFAULT_MAX_INPUT_BYTES,
  };
  const ns = (flag: string, v: string) => {
    if (!isDns1123Label(v)) throw new UsageError(`${flag}: received ${JSON.stringify(v)}; expected a DNS-1123 label such as "linkerd"`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-' || !arg.startsWith('-')) {
      o.inputs.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, inline] = eq > 0 && arg !== '--accept' ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--json':
        o.json = true;
        break;
      case '--mermaid':
        o.mermaid = true;
        break;
      case '--flow': {
        const q = value();
        parseFlowQuestion(q); // syntax errors are usage errors
        o.flows.push(q);
        break;
      }
      case '--accept': {
        const v = value();
        const at = v.indexOf('=');
        o.accepted.push(at === -1 ? { id: v, reason: 'accepted with --accept' } : { id: v.slice(0, at), reason: v.slice(at + 1) || 'accepted with --accept' });
        break;
      }
      case '--control-plane-namespace':
        o.mesh.namespace = ns(flag, value());
        break;
      case '--viz-namespace':
        o.mesh.vizNamespace = ns(flag, value());
        break;
      case '--api-server-cidr': {
        const v = value();
        const cidr = v.includes('/') ? v : `${v}/${v.includes(':') ? 128 : 32}`;
        if (!isCidr(cidr)) throw new UsageError(`${flag}: received ${JSON.stringify(v)}; ${CIDR_RULE}`);
        o.apiServerCidrs.push(cidr);
        break;
      }
      case '--api-server-port': {
        const v = value();
        if (!isPortNumber(Number(v))) throw new UsageError(`${flag}: received ${JSON.stringify(v)}; expected a port number from 1 to 65535`);
        o.apiServerPort = Number(v);
        break;
      }
      case '--dns-namespace':
        o.dnsNamespace = ns(flag, value());
        break;
      case '--dns-label': {
        const v = value();
        const [k, ...rest] = v.split('=');
        const val = rest.join('=');
        if (!isLabelKey(k) || rest.length === 0 || !isLabelValue(val)) throw new UsageError(`${flag}: received ${JSON.stringify(v)}; expected KEY=VALUE such as k8s-app=kube-dns`);
        o.dnsPodLabels = { ...(o.dnsPodLabels ?? {}), [k]: val };
        break;
      }
      case '--monitoring-namespace':
        o.monitoringNamespaces.push(ns(flag, value()));
        break;
      case '--meshed-traffic': {
        const v = value();
        if (v !== 'namespace' && v !== 'mesh' && v !== 'policies') throw new UsageError(`${flag}: received ${JSON.stringify(v)}; expected one of namespace, mesh, policies`);
        o.meshedTraffic = v;
        break;
      }
      case '-n':
      case '--namespace':
        o.defaultNamespace = ns(flag, value());
        break;
      case '--no-built-in':
        o.builtInModels = false;
        break;
      case '--max-input-bytes': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag}: received ${JSON.stringify(v)}; expected a positive whole number of bytes`);
        o.maxInputBytes = Number(v);
        break;
      }
      default:
        throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  if (o.inputs.length === 0) throw new UsageError('no input: give files, directories or - for standard input');
  return o;
}

function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...manifestFiles(p));
    else if (/\.(ya?ml|json)$/i.test(entry.name)) out.push(p);
  }
  return out;
}

/** Parses one source; a source too large or whose YAML aliases expand past the limit is bad input naming it. */
function parseSource(text: string, source: string, maxBytes: number): ParsedManifests {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) throw new UsageError(`${source}: ${size} bytes, over the limit of ${maxBytes} (raise it with --max-input-bytes)`);
  try {
    return parseManifests(text, source);
  } catch (e) {
    throw new UsageError(`${source}: cannot be read as YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}

async function readInputs(inputs: readonly string[], io: CliIo, maxBytes: number): Promise<{ parsed: ParsedManifests; sources: string[] }> {
  const parts: ParsedManifests[] = [];
  const sources: string[] = [];
  for (const input of inputs) {
    if (input === '-') {
      parts.push(parseSource(await io.readStdin(), '-', maxBytes));
      sources.push('-');
      continue;
    }
    const p = path.resolve(io.cwd, input);
    if (!fs.existsSync(p)) throw new UsageError(`${input}: no such file or directory`);
    const files = fs.statSync(p).isDirectory() ? manifestFiles(p) : [p];
    if (files.length === 0) throw new UsageError(`${input}: no *.yaml, *.yml or *.json file in this directory`);
    for (const f of files) {
      const name = path.relative(io.cwd, f) || f;
      if (fs.statSync(f).size > maxBytes) throw new UsageError(`${name}: ${fs.statSync(f).size} bytes, over the limit of ${maxBytes} (raise it with --max-input-bytes)`);
      parts.push(parseSource(fs.readFileSync(f, 'utf8'), name, maxBytes));
      sources.push(name);
    }
  }
  return { parsed: mergeManifests(parts), sources };
}

/** The `check` command. */
export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'prove that NetworkPolicies keep the Linkerd mesh working (exit 1 on a blocked flow)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    let o: CheckOptions;
    let input: { parsed: ParsedManifests; sources: string[] };
    try {
      o = parse(argv);
      input = await readInputs(o.inputs, io, o.maxInputBytes);
    } catch (e) {
      if (e instanceof UsageError || (e instanceof Error && e.name === 'FlowQuestionError')) {
        io.stderr(`linkerd-constructs check: ${e.message}\n\n${USAGE}\n`);
        return 2;
      }
      throw e;
    }
    const { parsed, sources } = input;
    const report = (text: string) => (o.json || o.mermaid ? io.stderr(text) : io.stdout(text));
    report(`read ${sources.length} source(s) (${sources.slice(0, 5).join(', ')}${sources.length > 5 ? `, +${sources.length - 5}` : ''}): ${parsed.documents} document(s)\n`);
    for (const p of parsed.problems) report(`warning: ${p.where}: ${p.message}\n`);
    if (parsed.objects.length === 0) {
      io.stderr('linkerd-constructs check: no Kubernetes object in the input\n');
      return 2;
    }
    if (!parsed.objects.some((obj) => WORKLOAD_KINDS.has(obj.kind)) && !parsed.objects.some((obj) => obj.kind === 'CustomResourceDefinition')) {
      io.stderr(`linkerd-constructs check: nothing to check: the input holds no workload (${[...WORKLOAD_KINDS].join(', ')})\n`);
      return 2;
    }
    let result;
    try {
      result = analyzeMesh(parsed.objects, {
        mesh: o.mesh,
        ...(o.apiServerCidrs.length > 0 ? { apiServerCidrs: o.apiServerCidrs } : {}),
        ...(o.apiServerPort ? { apiServerPort: o.apiServerPort } : {}),
        ...(o.dnsNamespace ? { dnsNamespace: o.dnsNamespace } : {}),
        ...(o.dnsPodLabels ? { dnsPodLabels: o.dnsPodLabels } : {}),
        ...(o.monitoringNamespaces.length > 0 ? { monitoringNamespaces: o.monitoringNamespaces } : {}),
        ...(o.meshedTraffic ? { meshedTraffic: o.meshedTraffic } : {}),
        ...(o.defaultNamespace ? { defaultNamespace: o.defaultNamespace } : {}),
        builtInModels: o.builtInModels,
        acceptedFindings: o.accepted,
        flows: o.flows,
      });
    } catch (e) {
      if (e instanceof Error && e.name === 'FlowQuestionError') {
        io.stderr(`linkerd-constructs check: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    report(formatReport(result));
    // Prerequisites of the install itself: the Gateway API CRDs Linkerd reads
    const gatewayApi = gatewayApiFindings(parsed.objects).map((f) => ({
      id: `gateway-api:${f.kind}`,
      message: f.message,
      accepted: o.accepted.some((a) => findingPattern(a.id).test(`gateway-api:${f.kind}`)),
    }));
    for (const f of gatewayApi) report(`${f.accepted ? 'accepted' : 'BLOCKED'} ${f.id}: ${f.message}\n`);
    const extra: Record<string, unknown> = {};
    if (gatewayApi.length > 0) extra.gatewayApi = gatewayApi;
    if (o.json) io.stdout(formatJson(result, o.mermaid ? { ...extra, mermaid: formatMermaid(result) } : extra));
    else if (o.mermaid) io.stdout(formatMermaid(result));
    return result.ok && gatewayApi.every((f) => f.accepted) ? 0 : 1;
  },
};
