// Records what the system's temporary directory holds before the suite (see global-teardown.js).
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async function globalSetup() {
  const before = fs.readdirSync(os.tmpdir());
  const file = path.join(__dirname, '..', '..', '.tmp', 'tmpdir-before.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(before));
};
