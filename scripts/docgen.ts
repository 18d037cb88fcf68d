/**
 * Generates the API reference from the TSDoc of the three entry points (typedoc +
 * typedoc-plugin-markdown, configured in typedoc.json): one file per entry point under `docs/api/`
 * (`core.md`, `cdk8s.md`, `pulumi.md`; classes, that is constructs and components, first) and
 * `API.md`, the index that links them.
 *
 *   ts-node scripts/docgen.ts           write them
 *   ts-node scripts/docgen.ts --check   exit 1 when any is not what would be written
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

const MODULES: Array<{ file: string; out: string; title: string; summary: string }> = [
  { file: 'index.md', out: 'docs/api/core.md', title: '`linkerd-constructs` (framework-free core)', summary: 'the shared props, builders, certificate modes, analyzer and host plans' },
  { file: 'cdk8s.md', out: 'docs/api/cdk8s.md', title: '`linkerd-constructs/cdk8s`', summary: 'the cdk8s constructs' },
  { file: 'pulumi.md', out: 'docs/api/pulumi.md', title: '`linkerd-constructs/pulumi`', summary: 'the Pulumi components' },
];

/** The files of the API reference, path relative to the project root → content. */
export function renderApiDocs(): Map<string, string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'linkerd-constructs-api-'));
  try {
    const typedoc = path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const res = spawnSync(process.execPath, [typedoc, '--options', path.join(ROOT, 'typedoc.json'), '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (res.status !== 0) {
      throw new Error(`typedoc failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
    }
    const files = new Map<string, string>();
    const index = [
      '# API reference',
      '',
      'Generated from the source by `npm run docgen` (typedoc); `npm test` fails when these files are stale.',
      'One page per entry point; on each, the classes (constructs, components) come first.',
      '',
      ...MODULES.map((m) => `- [${m.title}](${m.out}): ${m.summary}`),
      '',
    ];
    // with a namespace export (`crds`) typedoc writes the core as index/README.md and index/namespaces/<ns>.md
    const nsDir = path.join(out, 'index', 'namespaces');
    const namespaces = fs.existsSync(nsDir) ? fs.readdirSync(nsDir).filter((f) => f.endsWith('.md')).sort() : [];
    index.splice(index.length - 1, 0, ...namespaces.map((ns) => `- [\`linkerd-constructs\`: \`${ns.replace(/\.md$/, '')}\`](docs/api/${ns}): the types of Linkerd's custom resources`));
    files.set('API.md', index.join('\n'));
    for (const ns of namespaces) {
      const name = ns.replace(/\.md$/, '');
      let text = fs.readFileSync(path.join(nsDir, ns), 'utf8');
      text = text.replace(/^# .*$/m, `# \`linkerd-constructs\`: \`${name}\``);
      text = text.replace(/\]\((?:\.\.\/)+README\.md#/g, '](core.md#').replace(/\]\((?:\.\.\/)+(cdk8s|pulumi)\.md#/g, '](\$1.md#');
      files.set(`docs/api/${name}.md`, `${text.trimEnd()}\n`);
    }
    for (const m of MODULES) {
      const source = m.file === 'index.md' && !fs.existsSync(path.join(out, m.file)) ? path.join('index', 'README.md') : m.file;
      let text = fs.readFileSync(path.join(out, source), 'utf8');
      text = text.replace(/\]\(namespaces\/([a-z-]+)\.md/g, '](\$1.md').replace(/\]\(\.\.\/(cdk8s|pulumi)\.md/g, '](\$1.md');
      text = text.replace(/\]\((?:\.\.\/)?index\/(?:README|namespaces\/([a-z-]+))\.md/g, (_all, ns?: string) => `](${ns ?? 'core'}.md`);
      text = text.replace(/^# .*$/m, `# ${m.title}`);
      // links between entry points: to the sibling page
      text = text.replace(/\]\((index|cdk8s|pulumi)\.md#/g, (_all, f: string) => `](${f === 'index' ? 'core' : f}.md#`);
      text = text.replace(/\]\((core|cdk8s|pulumi)\.md#/g, (all, f: string) => (`docs/api/${f}.md` === m.out ? '](#' : all));
      files.set(m.out, `${text.trimEnd()}\n`);
    }
    return files;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  const rendered = renderApiDocs();
  const stale: string[] = [];
  for (const [file, text] of rendered) {
    const target = path.join(ROOT, file);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (current === text) continue;
    stale.push(file);
    if (!check) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
    }
  }
  if (check) {
    if (stale.length > 0) {
      console.error(`stale: ${stale.join(', ')}: run \`npm run docgen\` and commit the result`);
      process.exit(1);
    }
    console.log(`API reference is current (${[...rendered.keys()].join(', ')})`);
  } else {
    console.log(stale.length === 0 ? 'API reference unchanged' : `wrote ${stale.join(', ')}`);
  }
}
