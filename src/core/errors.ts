/**
 * The one error type of this library.
 *
 * Every check (props of a construct, cross-object references, certificates, host plans) reports
 * {@link ValidationIssue}s that name
 *  - the construct path (`scope`), e.g. `app/mesh` or `LinkerdMesh mesh`,
 *  - the field, as the prop path a user typed, e.g. `identity.issuerCertificatePem`,
 *  - the value received (secrets redacted),
 *  - and what is allowed,
 * and throws them together as one {@link ValidationError}, in the style of cdk8s and aws-cdk messages:
 *
 * ```text
 * [app/mesh] namespace: received "Linkerd"; expected a DNS-1123 label: lowercase letters, digits and '-', ...
 * ```
 */

/** Severity of an issue. Warnings never fail synthesis; they are printed. */
export type IssueSeverity = 'error' | 'warning';

/** One problem found by a check. */
export interface ValidationIssue {
  /** Construct path or object reference the problem belongs to. */
  readonly scope: string;
  /** The prop or field path, as the user wrote it (e.g. `rules[0].from[1].serviceAccount`). */
  readonly field: string;
  /** The value received. Rendered with `describeValue`, which redacts secrets. */
  readonly value: unknown;
  /** What is allowed instead, as a sentence fragment ("expected ..."). */
  readonly allowed: string;
  /** @default 'error' */
  readonly severity?: IssueSeverity;
}

/** Renders one issue as a single line. */
export function formatIssue(issue: ValidationIssue): string {
  const prefix = issue.severity === 'warning' ? 'warning: ' : '';
  return `${prefix}[${issue.scope}] ${issue.field}: received ${describeValue(issue.value)}; ${issue.allowed}`;
}

/** Thrown when input is invalid. Holds every issue found, not only the first. */
export class ValidationError extends Error {
  /** Every error-severity issue found. */
  public readonly issues: readonly ValidationIssue[];

  public constructor(issues: readonly ValidationIssue[]) {
    const errors = issues.filter((i) => i.severity !== 'warning');
    const lines = errors.map(formatIssue);
    super(lines.length === 1 ? lines[0] : `${lines.length} problems:\n  ${lines.join('\n  ')}`);
    this.name = 'ValidationError';
    this.issues = errors;
  }
}

/**
 * Collects issues for one scope, then throws them together.
 *
 * ```ts
 * const issues = new Issues('app/mesh');
 * issues.check(isDns1123Label(ns), 'namespace', ns, DNS1123_LABEL);
 * issues.throwIfErrors();
 * ```
 */
export class Issues {
  private readonly list: ValidationIssue[] = [];

  /** @param scope construct path or object reference used for every issue added here */
  public constructor(public readonly scope: string) {}

  /** Records an error. */
  public error(field: string, value: unknown, allowed: string): this {
    this.list.push({ scope: this.scope, field, value, allowed, severity: 'error' });
    return this;
  }

  /** Records a warning. */
  public warn(field: string, value: unknown, allowed: string): this {
    this.list.push({ scope: this.scope, field, value, allowed, severity: 'warning' });
    return this;
  }

  /** Records an error unless `ok` is true. Returns `ok`. */
  public check(ok: boolean, field: string, value: unknown, allowed: string): boolean {
    if (!ok) this.error(field, value, allowed);
    return ok;
  }

  /** Adds issues found elsewhere (keeps their own scope). */
  public add(...issues: ValidationIssue[]): this {
    this.list.push(...issues);
    return this;
  }

  /** All issues so far. */
  public get all(): readonly ValidationIssue[] {
    return this.list;
  }

  /** Error-severity issues. */
  public get errors(): ValidationIssue[] {
    return this.list.filter((i) => i.severity !== 'warning');
  }

  /** Warning-severity issues. */
  public get warnings(): ValidationIssue[] {
    return this.list.filter((i) => i.severity === 'warning');
  }

  /** Throws a {@link ValidationError} when any error was recorded. */
  public throwIfErrors(): void {
    if (this.errors.length > 0) throw new ValidationError(this.list);
  }

  /** Error lines, as cdk8s `node.addValidation` expects them. */
  public messages(): string[] {
    return this.errors.map(formatIssue);
  }
}

const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * Renders a received value for an error message: strings quoted, long values shortened,
 * private keys and anything marked secret replaced by `<redacted>`.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    if (PRIVATE_KEY.test(value)) return '<redacted private key>';
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (isSecretMarker(value)) return '<redacted>';
  try {
    const json = JSON.stringify(value, (_k, v) => (typeof v === 'string' && PRIVATE_KEY.test(v) ? '<redacted private key>' : v));
    if (json === undefined) return String(value);
    return json.length > 120 ? `${json.slice(0, 117)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A value that must never be printed (the {@link describeValue} of it is `<redacted>`). */
export interface SecretMarker {
  readonly __secret: true;
}

function isSecretMarker(value: unknown): value is SecretMarker {
  return typeof value === 'object' && value !== null && (value as { __secret?: unknown }).__secret === true;
}

/** Wraps a value so that error messages never print it. */
export function redacted(): SecretMarker {
  return { __secret: true };
}

/** The issues of a check, without their scope, by the check's inputs. */
const checkMemo = new Map<string, ReadonlyArray<Omit<ValidationIssue, 'scope'>>>();
/** Inputs remembered at most (a program checks a few certificates many times, not thousands of them). */
const CHECK_MEMO_LIMIT = 256;

/**
 * Runs `check` (a pure function of `key`: same key, same issues) into `issues`, or replays what it
 * found the last time it ran with this key, under the scope of `issues`. For costly checks that a
 * program repeats with the same inputs (e.g. signature checks of one trust anchor on every host).
 */
export function memoizedCheck(issues: Issues, key: string, check: (into: Issues) => void): void {
  let found = checkMemo.get(key);
  if (found === undefined) {
    const into = new Issues('');
    check(into);
    found = into.all.map(({ scope: _scope, ...rest }) => rest);
    if (checkMemo.size >= CHECK_MEMO_LIMIT) checkMemo.clear();
    checkMemo.set(key, found);
  }
  issues.add(...found.map((i) => ({ ...i, scope: issues.scope })));
}
