/** Catching the library's validation errors in tests. */
import { ValidationError } from '../../src/core/errors';

/** The `ValidationError` that `fn` throws; fails the test when it throws anything else, or nothing. */
export function validationErrorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

/** The message of the `ValidationError` that `fn` throws (see {@link validationErrorOf}). */
export function validationMessageOf(fn: () => unknown): string {
  return validationErrorOf(fn).message;
}
