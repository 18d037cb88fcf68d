/**
 * Prints the deployment graph of the Pulumi mesh-expansion example (`examples/mesh-expansion/pulumi.ts`)
 * as a Mermaid flowchart: it runs the program under Pulumi's mocks (no cloud, no cluster, no VM),
 * records every resource's parent and `dependsOn`, and draws components as nested subgraphs and
 * `A --> B` for "A is deployed before B".
 *
 *   ts-node --transpile-only scripts/deployment-graph.ts [--out graph.md]
 */
import * as fs from 'fs';
import type { GraphNode } from '../test/support/pulumi';

/** A Mermaid-safe node id. */
function nodeId(name: string): string {
  return `r_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** The short type of a token: `command:remote:Command` -> `remote.Command`, `linkerd-constructs:index:LinkerdMesh` -> `LinkerdMesh`. */
function shortType(type: string): string {
  const [pkg, mod, name] = type.split(':');
  if (pkg === 'linkerd-constructs') return name;
  if (pkg === 'kubernetes') return name ?? mod;
  return `${mod?.split('/')[0]}.${name}`;
}

/**
 * The Mermaid flowchart of recorded nodes: components (nodes with children) as subgraphs, every other
 * resource as a node, an edge from each dependency to its dependent.
 */
export function deploymentGraphMermaid(nodes: readonly GraphNode[], title = 'deployment graph'): string {
  const names = new Set(nodes.map((n) => n.name));
  const children = new Map<string | undefined, GraphNode[]>();
  for (const n of nodes) {
    const parent = n.parent && names.has(n.parent) ? n.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), n]);
  }
  const lines = ['```mermaid', `%% ${title}`, 'flowchart LR'];
  const emit = (parent: string | undefined, indent: string) => {
    for (const n of children.get(parent) ?? []) {
      const label = `${shortType(n.type)}<br/>${n.name}`.replace(/"/g, "'");
      if (children.has(n.name)) {
        lines.push(`${indent}subgraph ${nodeId(n.name)}["${label}"]`);
        emit(n.name, `${indent}  `);
        lines.push(`${indent}end`);
      } else {
        lines.push(`${indent}${nodeId(n.name)}["${label}"]`);
      }
    }
  };
  emit(undefined, '  ');
  const edges = new Set<string>();
  for (const n of nodes) for (const d of n.dependsOn) if (names.has(d)) edges.add(`  ${nodeId(d)} --> ${nodeId(n.name)}`);
  lines.push(...[...edges].sort(), '```');
  return `${lines.join('\n')}\n`;
}

/** Runs the example program under mocks and returns the recorded nodes. */
export async function recordExampleGraph(): Promise<GraphNode[]> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { GraphRecorder, pulumiTestEnv } = require('../test/support/pulumi') as typeof import('../test/support/pulumi');
  const { generateMeshCertificates } = require('../src/core/identity/generate') as typeof import('../src/core/identity/generate');
  // @pulumi/tls resources (the webhook certificates LinkerdMesh generates) get stand-in outputs
  const env = await pulumiTestEnv({
    stateFor: (r) => {
      if (r.type === 'tls:index/privateKey:PrivateKey') return { privateKeyPem: `mock-key-${r.name}` };
      if (r.type.startsWith('tls:index/') && r.type.endsWith('Cert')) return { certPem: `mock-cert-${r.name}` };
      // what a SPIRE server host's join command prints
      if (r.type === 'command:remote:Command' && r.name.endsWith('-join')) return { stdout: `join-token: 00000000-0000-4000-8000-${r.name.length.toString().padStart(12, '0')}\n` };
      return {};
    },
  });
  const certs = await generateMeshCertificates({ webhook: false });
  const graph = new GraphRecorder();
  const { program } = require('../examples/mesh-expansion/pulumi') as typeof import('../examples/mesh-expansion/pulumi');
  /* eslint-enable @typescript-eslint/no-require-imports */
  program(
    {
      trustAnchorPem: certs.trustAnchor.certificatePem,
      spireCaPem: certs.spireCa!.certificatePem,
      spireCaKeyPem: certs.spireCa!.keyPem,
      spireServerAddress: '192.0.2.50',
      issuerCertificatePem: certs.issuer.certificatePem,
      issuerKeyPem: certs.issuer.keyPem,
      vmAddresses: ['192.0.2.10', '192.0.2.11'],
      sshPrivateKey: 'not-a-key (mocks never connect)',
      apiServerUrl: 'https://203.0.113.1:6443',
      spireSha256: '0'.repeat(64),
    },
    { transformations: [graph.transformation] },
  );
  await env.settle();
  await graph.settle();
  return graph.nodes;
}

if (require.main === module) {
  const out = process.argv.indexOf('--out');
  console.error('deployment-graph: running examples/mesh-expansion/pulumi.ts under Pulumi mocks...');
  recordExampleGraph().then(
    (nodes) => {
      const text = deploymentGraphMermaid(nodes, 'examples/mesh-expansion/pulumi.ts');
      if (out > 0 && process.argv[out + 1]) {
        fs.writeFileSync(process.argv[out + 1], text);
        console.error(`deployment-graph: ${nodes.length} resources, written to ${process.argv[out + 1]}`);
      } else {
        process.stdout.write(text);
        console.error(`deployment-graph: ${nodes.length} resources`);
      }
      process.exit(0);
    },
    (e) => {
      console.error(`deployment-graph failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
