/**
 * Internal: app-wide checks computed once per synthesis, not once per validation pass.
 *
 * cdk8s validates the whole app once before writing and again inside every `chart.toJson()`, so one
 * `app.synth()` of an app with 200 charts runs every validation 201 times. The app-wide checks of
 * this entry point (the mesh connectivity analysis, the cross-authorization checks) compute their
 * result in the first pass of a synthesis and serve it to the next passes of the same synthesis.
 *
 * A synthesis is one call of a `LinkerdApp`'s `synth()` or `synthYaml()`, which bracket it through
 * {@link SynthesisState.synthesis}: nothing of the app changes between its passes. Nothing of cdk8s
 * is patched: in a plain `App`, and outside of a synthesis (`Testing.synth(chart)`, a direct
 * `node.validate()`), every check is computed afresh in each pass (the same result, more slowly),
 * and the listeners of {@link SynthesisState.afterWrite} are never called. The checks themselves run
 * through cdk8s's own hook, `node.addValidation`.
 */
import type { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';

/** One value per app (keyed by the root construct, released with the app). */
export class PerApp<T> {
  private readonly values = new WeakMap<IConstruct, T>();

  /** @param create makes the value of an app, given its root, on first use. */
  public constructor(private readonly create: (root: IConstruct) => T) {}

  /** The value of the app of `scope` (created on first use). */
  public of(scope: IConstruct): T {
    const root = scope.node.root;
    let value = this.values.get(root);
    if (value === undefined) {
      value = this.create(root);
      this.values.set(root, value);
    }
    return value;
  }

  /** Whether the app of `scope` has its value yet. */
  public has(scope: IConstruct): boolean {
    return this.values.has(scope.node.root);
  }
}

/** The validation passes and syntheses of one app. */
export class SynthesisState {
  /** The state of the app of `scope` (created on first use). */
  public static of(scope: IConstruct): SynthesisState {
    return SynthesisState.apps.of(scope);
  }

  private static readonly apps = new PerApp((root) => new SynthesisState(root));

  /** Validation passes started (cdk8s validates the root first in each). */
  private pass = 0;
  /** Syntheses started. */
  private syntheses = 0;
  /** The synthesis running (0: none). */
  private current = 0;
  private depth = 0;
  private renders?: { readonly synthesis: number; readonly pass: number; readonly map: Map<ApiObject, unknown> };
  private readonly passListeners: Array<() => void> = [];
  private readonly writeListeners: Array<() => void> = [];

  private constructor(root: IConstruct) {
    // cdk8s validates the root first in every pass (its construct list is in pre-order)
    root.node.addValidation({
      validate: () => {
        this.pass += 1;
        this.renders = undefined;
        for (const listener of this.passListeners) listener();
        return [];
      },
    });
  }

  /**
   * Runs one synthesis of the app (`LinkerdApp.synth()` / `synthYaml()`): its validation passes share
   * the app-wide results; when it wrote files, the {@link afterWrite} listeners run after it.
   */
  public synthesis<T>(fn: () => T, writesFiles: boolean): T {
    const result = this.during(fn);
    if (writesFiles && this.depth === 0) for (const listener of this.writeListeners) listener();
    return result;
  }

  /**
   * Calls `listener` at the start of every validation pass of the app, before any other construct
   * is validated: app-wide checks compute there and attach validations only to the constructs that
   * have something to report (a validation on every construct costs a call per construct per pass,
   * and cdk8s runs a pass per chart).
   */
  public onPass(listener: () => void): void {
    this.passListeners.push(listener);
  }

  /**
   * Calls `listener` after each `app.synth()` has written its files (e.g. to protect the files that
   * hold private keys). Not called for `synthYaml()` or `Testing.synth()`, which write nothing.
   */
  public afterWrite(listener: () => void): void {
    this.writeListeners.push(listener);
  }

  /** The current validation pass. */
  public get currentPass(): number {
    return this.pass;
  }

  /** The synthesis running, or 0 outside of one. */
  public get currentSynthesis(): number {
    return this.current;
  }

  /**
   * `obj.toJson()`, rendered once per validation pass of a synthesis however many checks read it
   * (outside of a synthesis, every call renders). Throws what `toJson()` throws.
   */
  public render(obj: ApiObject): unknown {
    if (this.current === 0) return obj.toJson();
    if (!this.renders || this.renders.synthesis !== this.current || this.renders.pass !== this.pass) {
      this.renders = { synthesis: this.current, pass: this.pass, map: new Map() };
    }
    const map = this.renders.map;
    let json = map.get(obj);
    if (json === undefined) {
      json = obj.toJson();
      map.set(obj, json);
    }
    return json;
  }

  private during<T>(fn: () => T): T {
    if (this.depth === 0) this.current = ++this.syntheses;
    this.depth += 1;
    try {
      return fn();
    } finally {
      this.depth -= 1;
      if (this.depth === 0) {
        this.current = 0;
        this.renders = undefined;
      }
    }
  }
}

/** One app-wide result, computed in the first validation pass of a synthesis and served to the next ones. */
export class SynthesisMemo<T> {
  private cached?: { readonly value: T; readonly synthesis: number; pass: number };

  public constructor(private readonly state: SynthesisState) {}

  /**
   * The result: served again in a later pass of the same synthesis, else computed by `compute`
   * (a first pass, a check asked twice in one pass, or outside of a synthesis).
   */
  public get(compute: () => T): T {
    const s = this.state;
    const c = this.cached;
    if (c && s.currentSynthesis !== 0 && c.synthesis === s.currentSynthesis && c.pass !== s.currentPass) {
      c.pass = s.currentPass;
      return c.value;
    }
    const value = compute();
    this.cached = { value, synthesis: s.currentSynthesis, pass: s.currentPass };
    return value;
  }

  /** Forgets the result (the checks' members changed). */
  public invalidate(): void {
    this.cached = undefined;
  }
}
