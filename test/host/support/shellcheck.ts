/** Runs shellcheck on generated scripts (skips with one line where shellcheck is missing, fails under CI). */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** True when shellcheck is installed. */
export const HAVE_SHELLCHECK = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' }).status === 0;

if (!HAVE_SHELLCHECK && process.env.CI) {
  throw new Error('shellcheck is not installed under CI=true: run `npm run test:setup` (scripts/test-setup.sh) first');
}

/** `test`, or `test.skip` after one line saying shellcheck is missing. */
export const testWithShellcheck: jest.It = HAVE_SHELLCHECK
  ? test
  : ((() => {
    // eslint-disable-next-line no-console
    console.log('skipped: shellcheck is not installed (run `npm run test:setup`)');
    return test.skip;
  })() as jest.It);

/** One shellcheck finding. */
export interface ShellcheckFinding {
  readonly script: string;
  readonly line: number;
  readonly code: number;
  readonly level: string;
  readonly message: string;
}

/**
 * shellcheck findings (every severity, bash dialect) for named scripts, all checked in one shellcheck
 * run. `sourced` scripts (environment files) are checked with `--shell=bash`.
 */
export function shellcheck(scripts: Record<string, string>): ShellcheckFinding[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-shellcheck-'));
  try {
    // identical scripts are checked once
    const unique = new Map<string, string>();
    for (const [name, text] of Object.entries(scripts)) if (![...unique.values()].includes(text)) unique.set(name, text);
    const files = [...unique.entries()].map(([name, text], i) => {
      const file = path.join(dir, `${String(i).padStart(3, '0')}-${name.replace(/[^A-Za-z0-9._-]/g, '_')}.sh`);
      fs.writeFileSync(file, text);
      return { name, file };
    });
    const r = spawnSync('shellcheck', ['--format=json1', '--shell=bash', '--severity=style', ...files.map((f) => f.file)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw r.error;
    const out = JSON.parse(r.stdout || '{"comments":[]}') as { comments: Array<{ file: string; line: number; code: number; level: string; message: string }> };
    const byFile = new Map(files.map((f) => [f.file, f.name]));
    return out.comments.map((c) => ({ script: byFile.get(c.file) ?? c.file, line: c.line, code: c.code, level: c.level, message: c.message }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
