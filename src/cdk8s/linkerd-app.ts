import { App, type AppProps } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { SynthesisState } from './_synthesis';

const LINKERD_APP = Symbol.for('linkerd-constructs.LinkerdApp');

/**
 * A cdk8s `App` that knows where a synthesis starts and ends, which the plain `App` does not tell
 * its constructs. Use it as the root of programs with these constructs:
 *
 * ```ts
 * const app = new LinkerdApp({ outdir: 'dist' }); // instead of new App(...)
 * new LinkerdMesh(new Chart(app, 'mesh'), 'mesh', { ... });
 * app.synth();
 * ```
 *
 * What it adds, nothing else changed:
 *  - the app-wide checks (the connectivity analysis of `LinkerdNetworkPolicies`, the checks across
 *    `MeshAuthorization`s) run once per synthesis instead of once per validation pass (cdk8s
 *    validates the whole app again for every chart it writes);
 *  - after `synth()` wrote the files, those holding private keys (a supplied identity's issuer
 *    Secret, supplied webhook Secrets) are set to mode 0600 and named in a warning: they must not go
 *    to Git.
 *
 * Under a plain `App` every construct works and every check runs, each pass anew, and a mesh with
 * keys inline warns that its files keep the default mode.
 */
export class LinkerdApp extends App {
  /** Whether `x` is a `LinkerdApp` (across copies of this package). */
  public static isLinkerdApp(x: unknown): x is LinkerdApp {
    return typeof x === 'object' && x !== null && LINKERD_APP in x;
  }

  /** The `LinkerdApp` at the root of `scope`, if the root is one. */
  public static linkerdAppOf(scope: IConstruct): LinkerdApp | undefined {
    const root = scope.node.root;
    return LinkerdApp.isLinkerdApp(root) ? root : undefined;
  }

  public constructor(props: AppProps = {}) {
    super(props);
    Object.defineProperty(this, LINKERD_APP, { value: true });
  }

  /** Synthesizes the app into `outdir` (cdk8s `App.synth`), as one synthesis; then protects files holding keys. */
  public override synth(): void {
    SynthesisState.of(this).synthesis(() => super.synth(), true);
  }

  /** Synthesizes the app into one YAML string (cdk8s `App.synthYaml`), as one synthesis. */
  public override synthYaml(): string {
    return SynthesisState.of(this).synthesis(() => super.synthYaml(), false);
  }
}
