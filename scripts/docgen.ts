/**
 * Generates API.md from the TSDoc of the three entry points (typedoc + typedoc-plugin-markdown,
 * configured in typedoc.json), as one file: the core, then `/cdk8s`, then `/pulumi`.
 *
 *   ts-node scripts/docgen.ts           write API.md
 *   ts-node scripts/docgen.ts --check   exit 1 when API.md is not what would be written
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const API_MD = path.join(ROOT, 'API.md');

const MODULES: Array<{ file: string; title: string }> = [
  { file: 'index.md', title: '`linkerd-constructs` (framework-free core)' },
  { file: 'cdk8s.md', title: '`linkerd-constructs/cdk8s`' },
  { file: 'pulumi.md', title: '`linkerd-constructs/pulumi`' },
];

export function renderApiMd(): string {
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
    const parts = [
      '# API reference',
      '',
      'Generated from the source by `npm run docgen` (typedoc); `npm test` fails when this file is stale.',
      '',
      ...MODULES.map((m) => `- [${m.title}](#${anchor(m.title)})`),
      '',
    ];
    for (const m of MODULES) {
      let text = fs.readFileSync(path.join(out, m.file), 'utf8');
      text = text.replace(/^# .*$/m, `# ${m.title}`);
      text = text.replace(/\]\((?:index|cdk8s|pulumi)\.md#/g, '](#');
      parts.push(text.trimEnd(), '');
    }
    return parts.join('\n');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/ /g, '-');
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  const rendered = renderApiMd();
  const current = fs.existsSync(API_MD) ? fs.readFileSync(API_MD, 'utf8') : '';
  if (check) {
    if (current !== rendered) {
      console.error('API.md is stale: run `npm run docgen` and commit the result');
      process.exit(1);
    }
    console.log('API.md is current');
  } else {
    fs.writeFileSync(API_MD, rendered);
    console.log(`wrote API.md (${rendered.length} bytes)`);
  }
}
