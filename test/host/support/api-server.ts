/**
 * A stand-in Kubernetes API server for the readiness reporter: its own CA (openssl), a server
 * certificate for one IP, and an HTTPS server in a child process (so a test blocked in `spawnSync`
 * does not block it) that records every request, as JSON lines, and answers 200 to the right bearer
 * token, 401 to any other.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** What the stand-in saw of one request. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
  readonly contentType?: string;
  readonly body: any;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA, a server certificate for `ip` signed by it, and an unrelated CA, written into `dir`. */
export function makeApiServerPki(dir: string, ip = '127.0.0.1'): { caPem: string; otherCaPem: string; key: string; cert: string; keyFile: string; certFile: string } {
  const ca = (name: string) =>
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`], dir);
  ca('api-ca');
  ca('other-ca');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'], dir);
  fs.writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'api-ca.crt', '-CAkey', 'api-ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf'], dir);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return { caPem: read('api-ca.crt'), otherCaPem: read('other-ca.crt'), key: read('server.key'), cert: read('server.crt'), keyFile: path.join(dir, 'server.key'), certFile: path.join(dir, 'server.crt') };
}

/** Starts the stand-in in a child process on `ip:port`; resolves once it listens. */
export async function startApiServer(opts: {
  ip: string;
  port: number;
  keyFile: string;
  certFile: string;
  token: string;
  logFile: string;
}): Promise<{ child: ChildProcess; requests: () => RecordedRequest[] }> {
  const code = `
const fs = require('fs');
const [ip, port, keyFile, certFile, token, logFile] = process.argv.slice(1);
require('https').createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }, (req, res) => {
  let data = '';
  req.on('data', (c) => (data += c));
  req.on('end', () => {
    let body;
    try { body = JSON.parse(data); } catch { body = data; }
    fs.appendFileSync(logFile, JSON.stringify({ method: req.method, url: req.url, authorization: req.headers.authorization, contentType: req.headers['content-type'], body }) + '\\n');
    res.statusCode = req.headers.authorization === 'Bearer ' + token ? 200 : 401;
    res.end('{}');
  });
}).listen(Number(port), ip, () => console.log('listening'));`;
  fs.writeFileSync(opts.logFile, '');
  const child = spawn(process.execPath, ['-e', code, opts.ip, String(opts.port), opts.keyFile, opts.certFile, opts.token, opts.logFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => d.toString().includes('listening') && resolve());
    child.on('exit', (c) => reject(new Error(`API server stand-in exited ${c}`)));
  });
  const requests = () =>
    fs
      .readFileSync(opts.logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RecordedRequest);
  return { child, requests };
}
