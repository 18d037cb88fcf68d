/**
 * The one check of a path that reaches a host (scripts, units, cloud-init).
 */
import type { Issues } from '../errors';

/**
 * Paths reach generated scripts, units and cloud-init: an allow-list, not a deny-list (no quotes,
 * `$`, backticks, `;`, spaces or newlines can appear), on top of quoting by `shQuote`.
 */
const SAFE_PATH_RE = /^\/[A-Za-z0-9._/-]*$/;

/** Records an issue unless `value` is an absolute path of safe characters without `..` segments. */
export function checkAbsolutePath(issues: Issues, field: string, value: unknown): boolean {
  return issues.check(
    typeof value === 'string' && SAFE_PATH_RE.test(value) && !value.split('/').includes('..'),
    field,
    value,
    'expected an absolute path of letters, digits, ".", "_", "-" and "/" (no spaces, quotes, "$", backticks or ".." segments)',
  );
}
