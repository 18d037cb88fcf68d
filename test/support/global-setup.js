// Gives the run a temporary directory of its own (TMPDIR, which the workers inherit), so that runs
// side by side do not see each other's folders; global-teardown.js checks it is empty and removes it.
// The name is short: SSH control sockets under it must stay within the 108-byte socket path limit.
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async function globalSetup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcr-'));
  fs.chmodSync(dir, 0o755); // the stand-in VM's proxy user (not root) must reach its files below it
  process.env.LINKERD_CONSTRUCTS_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
