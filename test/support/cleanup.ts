/**
 * Runs before every test file (jest `setupFilesAfterEnv`): every folder made with `fs.mkdtempSync`
 * under the system's temporary directory while the file runs (by a test, a helper, or a library such
 * as cdk8s's `Testing.app()`) is removed after the file's tests. `global-teardown.js` then checks
 * that nothing the suite made is left behind.
 */
import * as os from 'os';
import * as path from 'path';

// The module object itself (an `import * as` namespace is read-only), so every caller sees the wrapper.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('fs') as typeof import('fs');

const made: string[] = [];
const original = fs.mkdtempSync;
const tmpRoot = fs.realpathSync(os.tmpdir());

function underTmp(dir: string): boolean {
  const abs = path.resolve(dir);
  return abs.startsWith(os.tmpdir() + path.sep) || abs.startsWith(tmpRoot + path.sep);
}

fs.mkdtempSync = ((prefix: string, options?: import('fs').EncodingOption) => {
  const dir = original(prefix, options) as string;
  if (underTmp(dir)) made.push(dir);
  return dir;
}) as typeof fs.mkdtempSync;

afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
