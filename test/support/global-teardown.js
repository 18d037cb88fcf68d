// Fails the run when the suite left temporary folders behind (cdk8s output folders, key folders,
// helm or host scratch folders): every test file must remove what it makes (test/support/cleanup.ts
// removes whatever it made with fs.mkdtempSync).
const fs = require('fs');
const os = require('os');
const path = require('path');

/** Names of the temporary folders this project's tests, helpers and libraries make. */
const OURS = /^(cdk8s\.outdir\.|lc-|linkerd-constructs-|fake-helm-)/;

module.exports = async function globalTeardown() {
  const file = path.join(__dirname, '..', '..', '.tmp', 'tmpdir-before.json');
  if (!fs.existsSync(file)) return;
  const before = new Set(JSON.parse(fs.readFileSync(file, 'utf8')));
  fs.rmSync(file, { force: true });
  const left = fs.readdirSync(os.tmpdir()).filter((n) => !before.has(n) && OURS.test(n));
  if (left.length > 0) {
    throw new Error(`the test suite left ${left.length} temporary folder(s) in ${os.tmpdir()}: ${left.slice(0, 10).join(', ')}${left.length > 10 ? ', ...' : ''}`);
  }
  process.stdout.write(`test clean-up: no temporary folders left in ${os.tmpdir()}\n`);
};
