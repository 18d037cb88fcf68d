// Gives the run a temporary directory of its own (TMPDIR, which the workers inherit), so that runs
// side by side do not see each other's folders; global-teardown.js checks it is empty and removes it.
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async function globalSetup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linkerd-constructs-test-run-'));
  process.env.LINKERD_CONSTRUCTS_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
