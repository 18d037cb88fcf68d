// Fails the run when the suite left temporary folders behind (cdk8s output folders, key folders,
// helm or host scratch folders): every test file must remove what it makes (test/support/cleanup.ts
// removes whatever it made with fs.mkdtempSync). The run's own TMPDIR (global-setup.js) is removed.
const fs = require('fs');

/** Names of the temporary folders this project's tests, helpers and libraries make (tools' own caches, e.g. v8-compile-cache, are not ours). */
const OURS = /^(cdk8s\.outdir\.|lc-|linkerd-constructs-|fake-helm-)/;

module.exports = async function globalTeardown() {
  const dir = process.env.LINKERD_CONSTRUCTS_TEST_TMPDIR;
  if (!dir || !fs.existsSync(dir)) return;
  const left = fs.readdirSync(dir).filter((n) => OURS.test(n));
  fs.rmSync(dir, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(`the test suite left ${left.length} temporary folder(s) behind: ${left.slice(0, 10).join(', ')}${left.length > 10 ? ', ...' : ''}`);
  }
  process.stdout.write('test clean-up: no temporary folders left behind\n');
};
