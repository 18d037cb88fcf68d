// A Helm chart repository on 127.0.0.1: serves the files of one flat folder (index.yaml and *.tgz).
// Runs in its own process (test/support/helm.ts starts it) because the tests call helm synchronously,
// which would block a server in the test's own process. Prints "port <n>" once it listens.
// usage: node chart-repository-server.js <folder>
const fs = require('fs');
const http = require('http');
const path = require('path');

const dir = process.argv[2];
const server = http.createServer((req, res) => {
  const name = decodeURIComponent((req.url || '/').split('?')[0]).replace(/^\/+/, '');
  if (!/^[A-Za-z0-9._-]+$/.test(name) || !fs.existsSync(path.join(dir, name))) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': name.endsWith('.yaml') ? 'application/yaml' : 'application/gzip' });
  fs.createReadStream(path.join(dir, name)).pipe(res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${server.address().port}\n`));
// stop with the parent
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
