/**
 * The main job (`npm run synth`): every cdk8s example synthesizes without helm or network, twice to
 * the same bytes, and every object it writes passes the conformance suite.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { exampleApps, synthAll } from '../scripts/synth-examples';
import { expectConformant } from './support/conformance';
import { temporaryFolders } from './support/tmp';
import { secretsHoldingPrivateKeys } from '../src/core/identity/certificates';

const tmp = temporaryFolders('lc-synth-');

const listFiles = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)).map((f) => path.join(e.name, f)) : [e.name]))
    .sort();

let first: string;
let firstFiles: string[];

beforeAll(() => {
  first = tmp();
  firstFiles = synthAll(first, () => undefined);
}, 120_000);

test('every example under examples/ has a cdk8s app and writes YAML into the output directory', () => {
  expect(exampleApps().length).toBeGreaterThanOrEqual(1);
  const yamls = listFiles(first).filter((f) => f.endsWith('.yaml') && !f.includes(path.sep));
  expect(yamls.length).toBeGreaterThanOrEqual(exampleApps().length);
  for (const f of firstFiles) expect(fs.existsSync(f)).toBe(true);
});

test('synthesizing twice gives identical bytes', () => {
  const second = tmp();
  synthAll(second, () => undefined);
  const a = listFiles(first);
  expect(listFiles(second)).toEqual(a);
  for (const f of a) {
    expect({ file: f, same: fs.readFileSync(path.join(first, f)).equals(fs.readFileSync(path.join(second, f))) }).toEqual({ file: f, same: true });
  }
});

test('every Kubernetes object the examples write passes the conformance suite', () => {
  const objects = listFiles(first)
    .filter((f) => f.endsWith('.yaml') && !f.includes(path.sep))
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(first, f), 'utf8')).map((d) => d.toJS()))
    .filter((o) => o);
  expect(objects.length).toBeGreaterThan(0);
  expectConformant(objects);
});

test("the examples show the secret-free way: no file they write holds a private key (in a Secret's data, or a PEM block anywhere)", () => {
  const files = listFiles(first).filter((f) => f.endsWith('.yaml'));
  const withKeys = files.filter((f) => {
    const docs = parseAllDocuments(fs.readFileSync(path.join(first, f), 'utf8')).map((d) => d.toJS());
    return secretsHoldingPrivateKeys(docs).length > 0 || /-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=]{20,}/.test(fs.readFileSync(path.join(first, f), 'utf8'));
  });
  expect(withKeys).toEqual([]);
});
