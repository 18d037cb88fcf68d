/**
 * How a construct's late-bindable values are typed, as one generic parameter of its props: the
 * same props type serves both front ends. {@link Plain} (the default) types each such value as
 * itself, for the core and cdk8s; the Pulumi entry point instantiates the props with a kind that
 * types each as `pulumi.Input<T>`. Only values a program may learn at deploy time (IPs, PEMs,
 * versions, checksums, URLs) are late-bindable; what decides which objects exist never is.
 *
 * ```ts
 * interface InputKind extends ValueKind { readonly typed: pulumi.Input<this['value']> }
 * type PulumiHostProps = ExternalWorkloadHostProps<InputKind>; // trustAnchorPem?: pulumi.Input<string>
 * ```
 */

/** A way of typing late-bindable values: `typed` is what a value of type `value` becomes. */
export interface ValueKind {
  readonly value: unknown;
  readonly typed: unknown;
}

/** Late-bindable values typed as themselves. */
export interface Plain extends ValueKind {
  readonly typed: this['value'];
}

/** The type of a late-bindable value of type `T` under the kind `K`. */
export type Late<K extends ValueKind, T> = (K & { readonly value: T })['typed'];
