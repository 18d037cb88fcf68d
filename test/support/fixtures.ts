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
/** `../shared/fixtures` beside the project. */
export const FIXTURES_DIR = path.resolve(PROJECT_ROOT, '..', 'shared', 'fixtures');
/** The Linkerd release the fixtures were rendered from. */
export const LINKERD_FIXTURES_DIR = path.join(FIXTURES_DIR, 'linkerd-edge-26.8.3');

/** True when the fixtures are present. */
export const HAVE_FIXTURES = fs.existsSync(path.join(LINKERD_FIXTURES_DIR, 'linkerd-crds.yaml'));

const SKIP_REASON = `skipped: ${FIXTURES_DIR} is absent (clone the project beside ../shared to run these tests)`;

if (!HAVE_FIXTURES && process.env.CI) {
  throw new Error(`${FIXTURES_DIR} is absent under CI=true: the fixture-based tests must run in CI, not skip`);
}

let announced = false;
/** `describe` when the fixtures are present, otherwise `describe.skip` after one line saying why. */
export function describeWithFixtures(name: string, fn: () => void): void {
  if (HAVE_FIXTURES) {
    describe(name, fn);
    return;
  }
  if (!announced) {
    // eslint-disable-next-line no-console
    console.log(SKIP_REASON);
    announced = true;
  }
  describe.skip(`${name} (${SKIP_REASON})`, fn);
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
