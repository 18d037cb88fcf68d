/**
 * Internal: the Pulumi `ExternalWorkloadHost` args read once into the core props (every value known
 * now in place) and the late values (every Input not known yet, by its core name).
 */
import * as pulumi from '@pulumi/pulumi';
import { type LateInputs } from './_late';
import type { ExternalWorkloadHostArgs } from './external-workload-host';
import type { HostLateKey, HostLateValues } from '../core/host/late';
import type {
  ExternalWorkloadHostProps as CoreHostProps,
  ProxyBinary,
  SpireAgentPathInstall,
  SpireInstall,
  SpireServerReference,
  SpireUrlInstall,
} from '../core/host/props';

/** True for a value known now (not an Output or a promise, nor holding one). */
function isPlain(v: unknown): boolean {
  if (pulumi.Output.isInstance(v) || (typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function')) return false;
  if (Array.isArray(v)) return v.every(isPlain);
  return true;
}

/** The Inputs of the values a host may learn late, by their core name. */
export type HostLateInputs = LateInputs<HostLateValues>;

/**
 * The core props of the args, read once: every value known now in place, every other one named in
 * `late` with its Input (the core completes the props with them, {@link hostShape}).
 */
export function splitArgs(
  args: ExternalWorkloadHostArgs,
  meshAnchors: pulumi.Input<string>,
): { props: CoreHostProps; late: HostLateInputs; caFromTokenSecret: boolean } {
  const late: HostLateInputs = {};
  const take = <T>(key: HostLateKey, v: pulumi.Input<T> | undefined): T | undefined => {
    if (v === undefined) return undefined;
    if (isPlain(v)) return v as T;
    (late as Record<string, unknown>)[key] = v;
    return undefined;
  };
  const { mesh: _mesh, connection: _connection, spire, proxy, readiness, workloadIps, trustAnchorPem, ...rest } = args;
  let coreSpire: CoreHostProps['spire'];
  if (spire.kind === 'existing-agent') {
    coreSpire = spire;
  } else {
    const i = spire.install;
    const install = i?.kind === 'url' ? { kind: 'url' as const, arch: i.arch, sha256: take('spireSha256', i.sha256) as string, ...(i.url !== undefined ? { url: take('spireUrl', i.url) } : {}) } : i;
    const version = take('spireVersion', spire.version);
    if (spire.kind === 'agent') {
      const { address, port, trustDomain, nodeName } = spire.server;
      const server: SpireServerReference = { address, port, trustDomain, nodeName };
      coreSpire = { kind: 'agent', server, install: install as SpireUrlInstall | SpireAgentPathInstall, logLevel: spire.logLevel, ...(version !== undefined ? { version } : {}) };
    } else {
      const { upstreamCaKeyPem: _key, ...local } = spire;
      coreSpire = { ...local, version, install: install as SpireInstall, upstreamCaPem: take('upstreamCaPem', spire.upstreamCaPem) as string };
    }
  }
  const b = proxy?.binary;
  let binary: ProxyBinary | undefined = b as ProxyBinary | undefined;
  if (b?.kind === 'url') binary = { kind: 'url', url: take('proxyUrl', b.url) as string, sha256: take('proxySha256', b.sha256) as string };
  else if (b?.kind === 'image') binary = { kind: 'image', containerTool: b.containerTool, ...(b.image !== undefined ? { image: take('proxyImage', b.image) } : {}) };
  else if (b?.kind === 'upload') binary = { kind: 'upload', localPath: b.localPath, ...(b.sha256 !== undefined ? { sha256: take('proxySha256', b.sha256) } : {}) };
  // the IPs may come from the resource that made the VM: always completed late (checked then)
  late.workloadIps = pulumi.output(workloadIps);
  const props: CoreHostProps = {
    ...rest,
    workloadIps: [],
    trustAnchorPem: take('trustAnchorPem', trustAnchorPem ?? meshAnchors) as string,
    spire: coreSpire,
    proxy: proxy ? { ...proxy, binary } : undefined,
    ...(readiness === undefined
      ? {}
      : {
        readiness:
          readiness === false
            ? false
            : {
              ...readiness,
              apiServerUrl: take('apiServerUrl', readiness.apiServerUrl) as string,
              apiServerCaPem: take('apiServerCaPem', readiness.apiServerCaPem) as string,
            },
      }),
  };
  // without a CA of its own, the reporter trusts the token Secret's ca.crt (known once the token controller filled it)
  const caFromTokenSecret = readiness !== undefined && readiness !== false && readiness.apiServerCaPem === undefined;
  return { props, late, caFromTokenSecret };
}
