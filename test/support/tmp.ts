/**
 * Temporary folders for a test file: each call of the returned function makes a fresh one, and all
 * of them are removed after the file's tests.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Call at the top level of a test file. */
export function temporaryFolders(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
