/**
 * Access to the upstream fixtures in `../shared/fixtures` (never copied into the project).
 *
 * Where the folder is absent (a user's fresh clone) the tests that need it skip with one line saying
 * why; under CI (`CI=true`) its absence is an error, so CI can never pass with those tests skipped.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

/** Project root. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/**
 * Environment variable that points the fixture root elsewhere. Set it to an empty folder to run the
 * suite as a user's clone without `../shared` does (`.ci/run` does this once): the fixture tests then
 * skip, even under `CI=true`, because the absence was asked for.
 */
export const FIXTURES_ENV = 'LINKERD_CONSTRUCTS_FIXTURES_DIR';
/** `../shared/fixtures` beside the project (or {@link FIXTURES_ENV}). */
export const FIXTURES_DIR = process.env[FIXTURES_ENV]
  ? path.resolve(process.env[FIXTURES_ENV] as string)
  : path.resolve(PROJECT_ROOT, '..', 'shared', 'fixtures');
/** The Linkerd release the fixtures were rendered from. */
export const LINKERD_FIXTURES_DIR = path.join(FIXTURES_DIR, 'linkerd-edge-26.8.3');

/** True when the fixtures are present. */
export const HAVE_FIXTURES = fs.existsSync(path.join(LINKERD_FIXTURES_DIR, 'linkerd-crds.yaml'));

const SKIP_REASON = `skipped: ${FIXTURES_DIR} is absent (clone the project beside ../shared to run these tests)`;

if (!HAVE_FIXTURES && process.env.CI && !process.env[FIXTURES_ENV]) {
  throw new Error(`${FIXTURES_DIR} is absent under CI=true: the fixture-based tests must run in CI, not skip`);
}

let announced = false;
function announce(): void {
  if (announced) return;
  // one plain line (console.log would add jest's header and a stack line)
  process.stdout.write(`${SKIP_REASON}\n`);
  announced = true;
}

/**
 * `describe` when the fixtures are present. Otherwise the body is never run (it may read fixtures
 * while jest collects the tests): one skipped test stands for the block, named with the reason,
 * and the file's other tests still run.
 */
export function describeWithFixtures(name: string, fn: () => void): void {
  if (HAVE_FIXTURES) {
    describe(name, fn);
    return;
  }
  announce();
  describe(name, () => {
    test.skip(SKIP_REASON, () => undefined);
  });
}

/** `test` when the fixtures are present, otherwise a skipped test named with the reason. */
export function testWithFixtures(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (HAVE_FIXTURES) {
    test(name, fn, timeout);
    return;
  }
  announce();
  test.skip(`${name} (${SKIP_REASON})`, () => undefined);
}

/** Path of a fixture file, relative to `../shared/fixtures`. */
export function fixturePath(relative: string): string {
  return path.join(FIXTURES_DIR, relative);
}

/** Text of a fixture file. */
export function readFixture(relative: string): string {
  return fs.readFileSync(fixturePath(relative), 'utf8');
}

/** All non-empty YAML documents of a fixture, as plain objects. */
export function readFixtureDocs(relative: string): any[] {
  return parseAllDocuments(readFixture(relative))
    .map((d) => d.toJS())
    .filter((d) => d !== null && d !== undefined);
}
