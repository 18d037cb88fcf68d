/**
 * Internal: the late values of a core shape (`meshShape`, `hostShape`, ...) as Pulumi Inputs, and
 * the one way they are resolved: every present Input in one `pulumi.all`, handed to the core.
 */
import * as pulumi from '@pulumi/pulumi';

/** The late values `V` of a core shape as Inputs, each absent when it is not late. */
export type LateInputs<V> = { -readonly [K in keyof V]?: pulumi.Input<Exclude<V[K], undefined>> };

/**
 * Resolves the Inputs present in `late` together (with `extra`) and calls `complete` with their
 * values, keyed as in `late` (absent keys stay absent).
 */
export function resolveLate<V, E, R>(late: LateInputs<V>, extra: pulumi.Input<E>, complete: (values: V, extra: E) => R): pulumi.Output<R> {
  const keys = (Object.keys(late) as Array<keyof V>).filter((k) => late[k] !== undefined);
  const inputs = keys.map((k) => late[k] as pulumi.Input<unknown>);
  return pulumi
    .all([pulumi.all(inputs), extra])
    .apply(([values, e]) => complete(Object.fromEntries(keys.map((k, i) => [k, values[i]])) as V, e as E));
}
