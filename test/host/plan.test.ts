/**
 * The host provisioning plan (framework-free): step order, SPIRE configs against SPIRE's reference,
 * the proxy environment against linkerd2-proxy's variable names, secrets, validation, shellcheck.
 */
import { spawnSync } from 'child_process';
import { parse } from 'yaml';
import { describeWithFixtures, readFixture } from '../support/fixtures';
import { KEY_BODY_LINE, seedHostProps, SPIRE_CA_PEM, TRUST_ANCHOR_PEM, UPSTREAM_CA_KEY_PEM } from './support/mesh';
import { defaultMesh } from '../support/mesh';
import { shellcheck, testWithShellcheck } from './support/shellcheck';
import { documentedSpireKeys } from './support/spire-reference';
import {
  hclKeyPaths,
  hostProvisioningPlan,
  ownedDirectories,
  planHost,
  proxyEnvFile,
  proxyEnvironment,
  proxyWrapper,
  remoteCommandLine,
  renderCloudInit,
  renderHcl,
  renderShellBundle,
  resolveHost,
  spireAgentConfig,
  spireServerConfig,
  trafficRules,
  type ExternalWorkloadHostProps,
  type HostPlan,
  type ResolvedLocalSpire,
} from '../../src/core/host';
import { validationErrorOf } from '../support/errors';

const mesh = defaultMesh();
const resolve = (overrides: Partial<ExternalWorkloadHostProps> = {}) => resolveHost('test', seedHostProps(overrides), mesh);
/** Plans of every shape the props allow, for the checks that must hold for all of them. */
function allPlans(): Record<string, HostPlan> {
  return {
    'local-url': planHost('a', seedHostProps(), mesh),
    'local-path': planHost('b', seedHostProps({
      spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'path', serverBinary: '/usr/local/bin/spire-server', agentBinary: '/usr/local/bin/spire-agent' } },
      proxy: { binary: { kind: 'path', path: '/usr/local/bin/linkerd2-proxy' } },
      root: '/srv/image-root',
    }), mesh),
    'existing-agent-image': planHost('c', seedHostProps({
      spire: { kind: 'existing-agent', socketPath: '/run/spire/agent.sock' },
      proxy: { binary: { kind: 'image', containerTool: 'podman' } },
      preflight: { checkControlPlane: false },
    }), mesh),
    'upload-no-ignored-ports': planHost('d', seedHostProps({
      proxy: { binary: { kind: 'upload', localPath: '/tmp/linkerd2-proxy', sha256: 'c'.repeat(64) }, uid: 3000, user: 'l5d' },
      traffic: { ignoreInboundPorts: [], ignoreOutboundPorts: [], managementPorts: [] },
      spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url', sha256: 'd'.repeat(64), arch: 'arm64' }, version: '1.9.6' },
    }), mesh),
  };
}

describe('step order and shape', () => {
  test('a local SPIRE plan runs preflight, SPIRE, the proxy and iptables last; deletes run in reverse', () => {
    const plan = planHost('t', seedHostProps(), mesh);
    expect(plan.steps.map((s) => s.id)).toEqual([
      'preflight',
      'spire-install',
      'spire-upstream-ca',
      'spire-server',
      'spire-agent',
      'spire-workload-entry',
      'proxy-user',
      'proxy-install',
      'proxy-service',
      'iptables',
      'readiness',
    ]);
    expect(plan.workload).toBe('mixed-env/external-workload');
    expect(plan.nodeName).toBe('my-vm');
    for (const s of plan.steps) {
      expect(s.create.startsWith('#!/usr/bin/env bash\n')).toBe(true);
      expect(s.create).toContain('set -euo pipefail');
      expect(s.delete).toContain('set -euo pipefail');
      expect(s.description.length).toBeGreaterThan(10);
      expect(s.triggers.length).toBeGreaterThan(0);
    }
  });

  test('with an existing SPIRE agent there is no SPIRE server, agent, entry or secret', () => {
    const plan = planHost('t', seedHostProps({ spire: { kind: 'existing-agent', socketPath: '/run/spire/sockets/agent.sock' } }), mesh);
    expect(plan.steps.map((s) => s.id)).toEqual(['preflight', 'proxy-user', 'proxy-install', 'proxy-service', 'iptables', 'readiness']);
    expect(plan.secrets.map((s) => s.name)).toEqual(['api-token']);
    const env = Object.fromEntries(proxyEnvironment(resolve({ spire: { kind: 'existing-agent', socketPath: '/run/spire/sockets/agent.sock' } })));
    expect(env.LINKERD2_PROXY_IDENTITY_SPIRE_WORKLOAD_API_ADDRESS).toBe('unix:///run/spire/sockets/agent.sock');
    expect(plan.steps[0].create).toContain('/run/spire/sockets/agent.sock');
  });

  test('only the upstream CA and readiness steps read a secret, from standard input, and write it with mode 0600', () => {
    const plan = planHost('t', seedHostProps(), mesh);
    const readers = plan.steps.filter((s) => s.secrets.length > 0);
    expect(readers.map((s) => s.id)).toEqual(['spire-upstream-ca', 'readiness']);
    expect(readers[0].secrets).toEqual(['spire-upstream-ca-key']);
    expect(readers[0].files).toContainEqual({ path: '/opt/spire/certs/ca.key', mode: '0600', secret: 'spire-upstream-ca-key' });
    // the local server's upstream: the intermediate chain, and the anchor as its root bundle; never the anchor's key
    expect(readers[0].files).toContainEqual({ path: '/opt/spire/certs/ca.crt', mode: '0644', content: `${SPIRE_CA_PEM}\n` });
    expect(readers[0].files).toContainEqual({ path: '/opt/spire/certs/upstream-bundle.crt', mode: '0644', content: `${TRUST_ANCHOR_PEM}\n` });
    expect(readers[0].create).toContain('key="$(cat)"');
    expect(readers[1].secrets).toEqual(['api-token']);
    expect(readers[1].files).toContainEqual({ path: '/var/lib/linkerd-external-workload/readiness/token', mode: '0600', secret: 'api-token' });
    expect(readers[1].create).toContain('token="$(cat)"');
    expect(plan.secrets).toEqual([
      expect.objectContaining({ name: 'spire-upstream-ca-key', bundleEnv: 'LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE' }),
      expect.objectContaining({ name: 'api-token', bundleEnv: 'LINKERD_EW_API_TOKEN_FILE', bundleDefaultPath: '/etc/linkerd-external-workload/secrets/api-token' }),
    ]);
    const agent = plan.steps.find((s) => s.id === 'spire-agent')!;
    expect(agent.files).toContainEqual(expect.objectContaining({ path: '/opt/spire/conf/agent.conf', mode: '0600' }));
  });

  test('the join token never reaches a command line: it is read from spire-server output into a variable and written to the 0600 config', () => {
    const agent = planHost('t', seedHostProps(), mesh).steps.find((s) => s.id === 'spire-agent')!.create;
    expect(agent).not.toMatch(/-joinToken/);
    expect(agent).toContain('token generate');
    // the token only ever appears inside bash builtins: [[ =~ ]], a parameter expansion and printf
    const uses = agent.split('\n').filter((l) => /\$token|\$\{token|token="/.test(l));
    expect(uses).toEqual([
      '    token="${BASH_REMATCH[1]}"',
      '  if ! printf \'%s\' "${AGENT_CONF_JOIN/"$PLACEHOLDER"/"$token"}" | put_file 0600 "$AGENT_CONF_PATH"; then :; fi',
    ]);
    expect(agent).toContain('unset token');
    expect(agent).toContain('removed the used join token');
  });

  test('scripts hold no secret: the trust anchor key only ever arrives on standard input', () => {
    for (const plan of Object.values(allPlans())) {
      for (const s of plan.steps) {
        expect(s.create).not.toContain('PRIVATE KEY-----\n');
        expect(s.create).not.toContain(KEY_BODY_LINE);
        expect(s.delete).not.toContain(KEY_BODY_LINE);
      }
      expect(renderShellBundle(plan)).not.toContain(KEY_BODY_LINE);
    }
  });

  test('every path is under the root prefix; user-given binaries are used as given', () => {
    const h = resolve({
      root: '/srv/image-root',
      spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'path', serverBinary: '/usr/local/bin/spire-server', agentBinary: '/usr/local/bin/spire-agent' } },
    });
    const plan = hostProvisioningPlan(h);
    const paths = plan.steps.flatMap((s) => s.files.map((f) => f.path));
    expect(paths.length).toBeGreaterThan(5);
    for (const p of paths) expect(p.startsWith('/srv/image-root/')).toBe(true);
    for (const d of ownedDirectories(h)) expect(d.startsWith('/srv/image-root/')).toBe(true);
    expect(plan.steps.find((s) => s.id === 'spire-server')!.create).toContain('ExecStart=/usr/local/bin/spire-server run -config /srv/image-root/opt/spire/conf/server.conf');
    expect(plan.steps.find((s) => s.id === 'proxy-user')!.create).toContain('PREFIX_ARGS=(--prefix /srv/image-root)');
    expect(planHost('t', seedHostProps(), mesh).steps.find((s) => s.id === 'proxy-user')!.create).toContain('PREFIX_ARGS=()');
  });

  test('the same props give the same plan (no clock, no randomness)', () => {
    expect(JSON.stringify(planHost('t', seedHostProps(), mesh))).toBe(JSON.stringify(planHost('t', seedHostProps(), mesh)));
  });
});

describe('SPIRE configuration', () => {
  const h = resolve();
  const s = h.spire as ResolvedLocalSpire;

  test('server: the mesh trust domain, sqlite, join_token, UpstreamAuthority "disk" on the copied trust anchor', () => {
    const text = renderHcl(spireServerConfig(h, s));
    expect(text).toContain('trust_domain = "root.linkerd.cluster.local"');
    expect(text).toContain('bind_address = "127.0.0.1"');
    expect(text).toContain('NodeAttestor "join_token" {');
    expect(text).toMatch(/UpstreamAuthority "disk" \{\n\s+plugin_data \{\n\s+cert_file_path = "\/opt\/spire\/certs\/ca.crt"\n\s+key_file_path = "\/opt\/spire\/certs\/ca.key"/);
    expect(text).toContain('database_type = "sqlite3"');
  });

  test('agent: a trust bundle instead of insecure_bootstrap, join_token attestation, the unix workload attestor', () => {
    const text = renderHcl(spireAgentConfig(h, s));
    expect(text).not.toContain('insecure_bootstrap');
    expect(text).toContain('trust_bundle_path = "/opt/spire/conf/bundle.pem"');
    expect(text).toContain('WorkloadAttestor "unix"');
    expect(text).toContain('NodeAttestor "join_token"');
    expect(text).not.toContain('join_token =');
    expect(renderHcl(spireAgentConfig(h, s, 'TOKEN'))).toContain('join_token = "TOKEN"');
  });

  test('the trust domain follows the mesh (root.<namespace>.<trust domain>) and the given identity', () => {
    const other = resolveHost('t', seedHostProps({ identity: undefined }), defaultMesh({ namespace: 'l5d', trustDomain: 'prod.example' }));
    expect(other.spire.trustDomain).toBe('root.l5d.prod.example');
    expect(other.workload.identity).toBe('spiffe://root.l5d.prod.example/mixed-env/external-workload');
    expect(resolve({ identity: 'spiffe://vms.example.org/pos/42' }).spire.trustDomain).toBe('vms.example.org');
  });

  describeWithFixtures('against SPIRE 1.15.3 reference configurations', () => {
    const server = documentedSpireKeys(readFixture('spire-v1.15.3/server_full.conf'));
    const agent = documentedSpireKeys(readFixture('spire-v1.15.3/agent_full.conf'));

    test('the reader finds what the references document (sanity)', () => {
      expect(server).toContain('server.trust_domain');
      expect(server).toContain('plugins.UpstreamAuthority "disk".plugin_data.key_file_path');
      expect(agent).toContain('agent.join_token');
      expect(agent).toContain('agent.trust_bundle_path');
      expect(agent).not.toContain('agent.no_such_key');
    });

    test('every key and plugin the server and agent configs use is documented by SPIRE', () => {
      for (const plan of [resolve(), resolve({ spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'path', serverBinary: '/a/s', agentBinary: '/a/g' }, logLevel: 'DEBUG' } })]) {
        const ls = plan.spire as ResolvedLocalSpire;
        const serverKeys = hclKeyPaths(spireServerConfig(plan, ls));
        const agentKeys = hclKeyPaths(spireAgentConfig(plan, ls, 'x'));
        expect(serverKeys.filter((k) => !server.has(k))).toEqual([]);
        expect(agentKeys.filter((k) => !agent.has(k))).toEqual([]);
        // the rendered text says what the structure says
        expect([...documentedSpireKeys(renderHcl(spireServerConfig(plan, ls)))].sort()).toEqual([...serverKeys].sort());
        expect([...documentedSpireKeys(renderHcl(spireAgentConfig(plan, ls, 'x')))].sort()).toEqual([...agentKeys].sort());
      }
    });
  });
});

describe('proxy environment', () => {
  const env = proxyEnvironment(resolve());
  const byName = Object.fromEntries(env);

  test('reproduces the seed: identity, server name, policy workload, destination context, control plane addresses and names', () => {
    expect(byName).toMatchObject({
      LINKERD2_PROXY_IDENTITY_SERVER_ID: 'spiffe://root.linkerd.cluster.local/external-workload',
      LINKERD2_PROXY_IDENTITY_SERVER_NAME: 'external-workload.cluster.local',
      LINKERD2_PROXY_DESTINATION_SVC_ADDR: 'linkerd-dst-headless.linkerd.svc.cluster.local.:8086',
      LINKERD2_PROXY_DESTINATION_SVC_NAME: 'linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local',
      LINKERD2_PROXY_POLICY_SVC_ADDR: 'linkerd-policy.linkerd.svc.cluster.local.:8090',
      LINKERD2_PROXY_POLICY_SVC_NAME: 'linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local',
      LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: TRUST_ANCHOR_PEM,
      LINKERD2_PROXY_ADMIN_LISTEN_ADDR: '0.0.0.0:4191',
      LINKERD2_PROXY_INBOUND_LISTEN_ADDR: '0.0.0.0:4143',
      LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: '127.0.0.1:4140',
    });
    expect(JSON.parse(byName.LINKERD2_PROXY_POLICY_WORKLOAD)).toEqual({ ns: 'mixed-env', external_workload: 'external-workload' });
    expect(JSON.parse(byName.LINKERD2_PROXY_DESTINATION_CONTEXT)).toEqual({ ns: 'mixed-env', nodeName: 'my-vm', external_workload: 'external-workload' });
  });

  test('the SPIRE Workload API address is given under the current and the older name', () => {
    expect(byName.LINKERD2_PROXY_IDENTITY_SPIRE_WORKLOAD_API_ADDRESS).toBe('unix:///var/lib/spire/agent/public/api.sock');
    // the deprecated name is not written (linkerd2-proxy reads it only as a fallback of the current one)
    expect(byName.LINKERD2_PROXY_IDENTITY_SPIRE_SOCKET).toBeUndefined();
  });

  test('ports are configurable', () => {
    const e = Object.fromEntries(proxyEnvironment(resolve({ proxy: { inboundPort: 5143, outboundPort: 5140, adminPort: 5191, controlPort: 5190, binary: { kind: 'path', path: '/p' } } })));
    const addrs = ['INBOUND', 'OUTBOUND', 'ADMIN', 'CONTROL'].map((k) => e[`LINKERD2_PROXY_${k}_LISTEN_ADDR`]);
    expect(addrs).toEqual([
      '0.0.0.0:5143',
      '127.0.0.1:5140',
      '0.0.0.0:5191',
      '0.0.0.0:5190',
    ]);
  });

  test('the environment file keeps multi-line values intact when bash sources it', () => {
    const file = proxyEnvFile(resolve());
    const r = spawnSync('bash', ['-c', `set -eu\n${file}\nprintf '%s' "$LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS"; printf '\\n--\\n%s' "$LINKERD2_PROXY_DESTINATION_CONTEXT"`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${TRUST_ANCHOR_PEM}\n--\n${byName.LINKERD2_PROXY_DESTINATION_CONTEXT}`);
  });

  describeWithFixtures('against linkerd2-proxy', () => {
    test('every variable name is one linkerd2-proxy reads (the list, or an _ADDR/_NAME of a listed _SVC base)', () => {
      const known = new Set(readFixture('linkerd2-proxy-env-names.txt').split('\n').map((l) => l.trim()).filter(Boolean));
      const ok = (name: string) => known.has(name) || (/_(ADDR|NAME)$/.test(name) && known.has(name.replace(/_(ADDR|NAME)$/, '')) && name.replace(/_(ADDR|NAME)$/, '').endsWith('_SVC'));
      for (const h of [resolve(), resolve({ spire: { kind: 'existing-agent', socketPath: '/s.sock' } })]) {
        expect(proxyEnvironment(h).map(([k]) => k).filter((k) => !ok(k))).toEqual([]);
      }
    });
  });
});

describe('iptables rules', () => {
  test('are the seed\'s rules for the default ports, with the SSH port kept reachable by default', () => {
    expect(trafficRules(resolve({ traffic: { managementPorts: [] } }))).toEqual({
      redirect: ['-p tcp --match multiport --dports 4190,4191,4567,4568 -j RETURN', '-p tcp -j REDIRECT --to-port 4143'],
      output: ['-m owner --uid-owner 2102 -j RETURN', '-o lo -j RETURN', '-p tcp --match multiport --dports 4567,4568 -j RETURN', '-p tcp -j REDIRECT --to-port 4140'],
      jumps: [['PREROUTING', 'PROXY_INIT_REDIRECT', '-m addrtype --dst-type LOCAL'], ['OUTPUT', 'PROXY_INIT_OUTPUT', '']],
    });
    expect(trafficRules(resolve()).redirect[0]).toBe('-p tcp --match multiport --dports 4190,4191,4567,4568,22 -j RETURN');
  });

  test('ports and the proxy uid are configurable; empty ignore lists drop the multiport rule', () => {
    const r = trafficRules(resolve({ proxy: { uid: 3000, inboundPort: 5143, outboundPort: 5140, binary: { kind: 'path', path: '/p' } }, traffic: { ignoreInboundPorts: [], ignoreOutboundPorts: [9000], managementPorts: [] } }));
    expect(r.redirect).toEqual(['-p tcp -j REDIRECT --to-port 5143']);
    expect(r.output).toEqual(['-m owner --uid-owner 3000 -j RETURN', '-o lo -j RETURN', '-p tcp --match multiport --dports 9000 -j RETURN', '-p tcp -j REDIRECT --to-port 5140']);
  });
});

describe('validation: errors name the prop, the value and what is allowed, before anything runs', () => {
  test('a missing install source, a bad sha256 and a root proxy user are all reported at once', () => {
    const e = validationErrorOf(() => resolve({ spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url', sha256: 'nope' } }, proxy: { uid: 0, binary: { kind: 'url', url: 'ftp://x', sha256: 'b'.repeat(64) } } }));
    expect(e.message).toContain('spire.install.sha256: received "nope"; expected the sha256 of the release archive');
    expect(e.message).toContain('proxy.uid: received 0; expected a uid from 1 to 65533');
    expect(e.message).toContain('proxy.binary.url: received "ftp://x"; expected an http(s):// or file:// URL');
    expect(e.issues).toHaveLength(3);
  });

  test('a private key passed as the trust anchor certificate is refused and never printed', () => {
    const e = validationErrorOf(() => resolve({ trustAnchorPem: `${TRUST_ANCHOR_PEM}\n${UPSTREAM_CA_KEY_PEM}` }));
    expect(e.message).toContain('trustAnchorPem: received <redacted private key>');
    expect(e.message).not.toContain(KEY_BODY_LINE);
  });

  test('ports, paths and lists are checked', () => {
    const e = validationErrorOf(() =>
      resolve({
        root: 'relative/root',
        traffic: { ignoreInboundPorts: [4143, 70000], managementPorts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] },
        spire: { kind: 'existing-agent', socketPath: 'agent.sock' },
        nodeName: 'Bad_Name',
      }),
    );
    const fields = e.issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['root', 'traffic.ignoreInboundPorts[1]', 'traffic.ignoreInboundPorts', 'spire.socketPath', 'nodeName']));
    expect(e.message).toContain('expected at most 15 ports in total with managementPorts');
    expect(e.message).toContain("expected the proxy's inbound port 4143 not to be ignored");
  });

  test('a script too long for one command-line argument is refused', () => {
    // a bundle of many (valid) anchors: every check passes but the length
    const huge = Array.from({ length: Math.ceil((130 * 1024) / TRUST_ANCHOR_PEM.length) }, () => TRUST_ANCHOR_PEM).join('\n');
    expect(() => planHost('t', seedHostProps({ trustAnchorPem: huge }), mesh)).toThrow(/at most 122880 fit on a command line/);
  });
});

describe('shell bundle and cloud-init', () => {
  const plan = planHost('t', seedHostProps(), mesh);
  const bundle = renderShellBundle(plan);

  test('`bundle.sh list` prints the steps in order; an unknown action exits 2', () => {
    const list = spawnSync('bash', ['-c', bundle, 'bundle.sh', 'list'], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual(plan.steps.map((s, i) => `${i + 1}. ${s.id}: ${s.description}${s.secrets.length ? ` (reads ${s.secrets[0]})` : ''}`));
    const bad = spawnSync('bash', ['-c', bundle, 'bundle.sh', 'upgrade'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage:');
  });

  test('create runs the steps in order, delete in reverse; the secret step reads the key file', () => {
    const creates = bundle.split('\n').filter((l) => /^\s+run_step \d+ .* step_\d+_create/.test(l));
    expect(creates.map((l) => l.trim().split(' ')[2])).toEqual(plan.steps.map((s) => s.id));
    expect(creates[2]).toContain('"$SECRET_SPIRE_UPSTREAM_CA_KEY"');
    const deletes = bundle.split('\n').filter((l) => /^\s+run_step \d+ .* step_\d+_delete/.test(l));
    expect(deletes.map((l) => l.trim().split(' ')[2])).toEqual(plan.steps.map((s) => s.id).reverse());
    // the default path is a separate, quoted assignment (never interpolated inside "${VAR:-...}")
    expect(bundle).toContain('SECRET_SPIRE_UPSTREAM_CA_KEY="${LINKERD_SPIRE_UPSTREAM_CA_KEY_FILE:-}"\n[ -n "$SECRET_SPIRE_UPSTREAM_CA_KEY" ] || SECRET_SPIRE_UPSTREAM_CA_KEY=/etc/linkerd-external-workload/secrets/spire-ca.key');
  });

  test('each step of the bundle is exactly the plan\'s create script', () => {
    plan.steps.forEach((s, i) => expect(bundle).toContain(`step_${i + 1}_create() (\n${s.create}`));
  });

  test('cloud-init writes the bundle and runs it, and says where the key must be', () => {
    const text = renderCloudInit(plan);
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(text).toContain('must be at /etc/linkerd-external-workload/secrets/spire-ca.key (mode 0600)');
    const doc = parse(text);
    expect(doc.write_files).toEqual([{ path: '/var/lib/linkerd-external-workload/bundle.sh', permissions: '0700', owner: 'root:root', content: bundle }]);
    expect(doc.runcmd).toEqual([['bash', '/var/lib/linkerd-external-workload/bundle.sh', 'create']]);
  });
});

describe('remote command line', () => {
  test('bash -c runs the script unchanged (quotes, $ and newlines survive the login shell)', () => {
    const script = "#!/usr/bin/env bash\nset -euo pipefail\nx='it'\"'\"'s $HOME'\nprintf '%s|%s' \"$x\" \"$(cat)\"\n";
    const r = spawnSync('bash', ['-c', remoteCommandLine(script)], { encoding: 'utf8', input: 'from-stdin' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("it's $HOME|from-stdin");
    expect(remoteCommandLine('true', { sudo: true }).startsWith('sudo -n bash -c ')).toBe(true);
  });
});

describe('shellcheck', () => {
  testWithShellcheck('every generated script passes shellcheck: every step of every plan shape, the bundles, the proxy wrapper and environment', () => {
    const scripts: Record<string, string> = {};
    for (const [name, plan] of Object.entries(allPlans())) {
      for (const s of plan.steps) {
        scripts[`${name}/${s.id}.create`] = s.create;
        scripts[`${name}/${s.id}.delete`] = s.delete;
        for (const f of s.files) if (f.content && (f.path.endsWith('run-proxy') || f.path.endsWith('.env'))) scripts[`${name}/${f.path}`] = f.content;
      }
      scripts[`${name}/bundle.sh`] = renderShellBundle(plan);
    }
    scripts.wrapper = proxyWrapper(resolve());
    scripts.env = proxyEnvFile(resolve());
    expect(Object.keys(scripts).length).toBeGreaterThan(80);
    expect(shellcheck(scripts)).toEqual([]);
  });
});

describe("SVID lifetime against SPIRE's CA rotation rule", () => {
  // spiffe/spire pkg/server/ca/manager/manager.go: MaxSVIDTTLForCATTL = min(ca_ttl / 6, 7 days)
  // (the local server's own warning, its blast radius, is tested in test/host/spire-topology.test.ts)
  const warningsOf = (spire: Record<string, unknown>) =>
    resolveHost('vm', seedHostProps({ spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url', sha256: 'a'.repeat(64) }, ...spire } as never }), mesh)
      .warnings.filter((w) => w.field !== 'spire.kind')
      .map((w) => `${w.field}: ${w.allowed}`);

  test('the defaults respect it (24h SVIDs under a 168h CA); a longer SVID warns with the limit', () => {
    expect(warningsOf({})).toEqual([]);
    expect(warningsOf({ svidTtl: '48h' })).toEqual([
      'spire.svidTtl: expected at most 28h (a sixth of spire.caTtl 168h, at most 168h): SPIRE cuts longer SVIDs short at CA rotation; lower svidTtl or raise caTtl',
    ]);
    expect(warningsOf({ svidTtl: '48h', caTtl: '288h' })).toEqual([]);
    expect(warningsOf({ svidTtl: '200h', caTtl: '2000h' })).toEqual([expect.stringMatching(/at most 168h/)]);
  });

  test('the server config carries the SVID TTL it was given', () => {
    const plan = planHost('vm', seedHostProps({ spire: { kind: 'local', upstreamCaPem: SPIRE_CA_PEM, install: { kind: 'url', sha256: 'a'.repeat(64) }, svidTtl: '12h' } as never }), mesh);
    expect(plan.steps.flatMap((s) => s.files).find((f) => f.path.endsWith('server.conf'))!.content).toMatch(/default_x509_svid_ttl = "12h"/);
  });
});
