/**
 * Pulumi test support: mocks that record every registered resource, and a recorder of the
 * dependency graph (mocks do not show `dependsOn`, so it is captured with the `transformations`
 * resource option on the component under test).
 *
 * ```ts
 * const env = await pulumiTestEnv();           // awaits pulumi.runtime.setMocks
 * const graph = new GraphRecorder();
 * const mesh = new LinkerdMesh('mesh', args, { transformations: [graph.transformation] });
 * await env.settle();                            // wait for outputs
 * expect(graph.dependsOn('linkerd-control-plane')).toContain('linkerd-crds');
 * expect(env.byType('kubernetes:helm.sh/v4:Chart')).toHaveLength(2);
 * ```
 */
import * as fs from 'fs';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';

/** A resource as the mock monitor saw it. */
export interface MockedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly custom: boolean;
}

/** A function call (invoke) as the mock monitor saw it. */
export interface MockedCall {
  readonly token: string;
  readonly inputs: Record<string, any>;
}

/** What {@link pulumiTestEnv} returns. */
export interface PulumiTestEnv {
  /** Every registered resource, in registration order. */
  readonly resources: MockedResource[];
  /** Every invoke. */
  readonly calls: MockedCall[];
  /** Resources of one type token. */
  byType(type: string): MockedResource[];
  /** The one resource with this name (throws when absent or ambiguous). */
  byName(name: string): MockedResource;
  /** Waits until pending registrations have been seen by the mocks. */
  settle(): Promise<void>;
  /** Forgets what was recorded (between tests). */
  reset(): void;
}

/** Resolves an Output (or plain value) for assertions. */
export function resolveOutput<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
}

/** True when the Output is marked secret. */
export async function isSecretOutput(value: pulumi.Input<unknown>): Promise<boolean> {
  return pulumi.isSecret(pulumi.output(value));
}

/** The token the mocked token controller puts in every ServiceAccount token Secret. */
export const MOCK_SERVICE_ACCOUNT_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.bW9jay1zZXJ2aWNlLWFjY291bnQtdG9rZW4.c2lnbmF0dXJl';
/** The cluster CA the mocked token controller puts beside it (any CA certificate: the committed example anchor). */
export const MOCK_CLUSTER_CA_PEM = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'mesh-expansion', 'trust-anchor.crt'), 'utf8');

/**
 * What Kubernetes' token controller does with a `kubernetes.io/service-account-token` Secret (and what
 * pulumi-kubernetes waits for before the Secret counts as created): it fills `data.token`,
 * `data.ca.crt` and `data.namespace`.
 */
function tokenControllerState(r: MockedResource): Record<string, any> {
  if (r.type !== 'kubernetes:core/v1:Secret' || r.inputs.type !== 'kubernetes.io/service-account-token') return {};
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return { data: { 'token': b64(MOCK_SERVICE_ACCOUNT_TOKEN), 'ca.crt': b64(MOCK_CLUSTER_CA_PEM), 'namespace': b64(String(r.inputs.metadata?.namespace ?? '')) } };
}

/**
 * Installs mocks that record resources and echo inputs back as state.
 * Functions of `@pulumi/tls` are not invokes (they are resources), so no call results are needed;
 * `callResults` lets a test answer invokes it expects.
 */
export async function pulumiTestEnv(options: {
  callResults?: Record<string, (inputs: Record<string, any>) => Record<string, any>>;
  stateFor?: (r: MockedResource) => Record<string, any>;
} = {}): Promise<PulumiTestEnv> {
  const resources: MockedResource[] = [];
  const calls: MockedCall[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const r: MockedResource = { type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true };
        resources.push(r);
        const extra = { ...tokenControllerState(r), ...(options.stateFor?.(r) ?? {}) };
        return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        calls.push({ token: args.token, inputs: args.inputs });
        const fn = options.callResults?.[args.token];
        return fn ? fn(args.inputs) : {};
      },
    },
    'linkerd-constructs-test',
    'test',
    false,
  );
  return {
    resources,
    calls,
    byType: (type) => resources.filter((r) => r.type === type),
    byName: (name) => {
      const found = resources.filter((r) => r.name === name);
      if (found.length !== 1) {
        throw new Error(`expected exactly one resource named ${name}, found ${found.length}; have: ${resources.map((r) => r.name).join(', ')}`);
      }
      return found[0];
    },
    settle: async () => {
      // registrations are asynchronous; a few macrotask turns let them all reach the mocks
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    },
    reset: () => {
      resources.length = 0;
      calls.length = 0;
    },
  };
}

/** One node of the captured graph. */
export interface GraphNode {
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly dependsOn: string[];
}

function resourceName(r: unknown): string {
  const name = (r as { __name?: string }).__name;
  if (!name) throw new Error('dependsOn holds something that is not a Pulumi resource');
  return name;
}

/**
 * Records type, name, parent and `dependsOn` of every resource created under a component, through
 * the `transformations` option (which children inherit from their parent).
 */
export class GraphRecorder {
  /** Nodes in creation order. */
  public readonly nodes: GraphNode[] = [];
  private readonly pending: Array<Promise<void>> = [];

  /** Pass in `{ transformations: [recorder.transformation] }`. */
  public readonly transformation: pulumi.ResourceTransformation = (args) => {
    const node: GraphNode = {
      type: args.type,
      name: args.name,
      parent: args.opts.parent ? resourceName(args.opts.parent) : undefined,
      dependsOn: [],
    };
    this.nodes.push(node);
    const deps = args.opts.dependsOn;
    if (deps) {
      this.pending.push(
        new Promise<void>((resolve) =>
          pulumi.output(deps as pulumi.Input<pulumi.Input<pulumi.Resource>[]>).apply((list) => {
            const arr = Array.isArray(list) ? list : [list];
            node.dependsOn.push(...arr.map(resourceName));
            resolve();
          }),
        ),
      );
    }
    return undefined;
  };

  /** Resolves once every `dependsOn` seen so far is known. */
  public async settle(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** The node with this name. */
  public node(name: string): GraphNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no resource named ${name} was created; have: ${this.nodes.map((x) => x.name).join(', ')}`);
    return n;
  }

  /** Names this resource depends on directly. */
  public dependsOn(name: string): string[] {
    return this.node(name).dependsOn;
  }

  /** True when `from` depends on `to` directly or transitively (through dependsOn or a parent's dependsOn). */
  public reaches(from: string, to: string): boolean {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      if (cur === to && cur !== from) return true;
      if (seen.has(cur)) continue;
      seen.add(cur);
      const n = this.nodes.find((x) => x.name === cur);
      if (!n) continue;
      stack.push(...n.dependsOn);
      if (n.parent) stack.push(n.parent);
    }
    return false;
  }
}
