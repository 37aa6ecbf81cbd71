/**
 * The BatchNorm implementations a LeNet can be built with, and the model choices of --impl:
 * the one definition that the CLI's choices, the compare and reproduce variants, run.json's
 * validation and the bench derive from. No TensorFlow.js here, so the CLI can read it while
 * answering --help.
 */

/** The two BatchNorms: from scratch and the framework's own. compare and reproduce train both. */
export const BATCHNORM_IMPLS = ['custom', 'builtin'] as const;
export type BatchNormImpl = (typeof BATCHNORM_IMPLS)[number];

/** What --impl chooses: a BatchNorm implementation, or `none` for the book's plain LeNet (section 6.6). */
export const MODEL_IMPLS = [...BATCHNORM_IMPLS, 'none'] as const;
export type ModelImpl = (typeof MODEL_IMPLS)[number];

export function hasBatchNorm(impl: ModelImpl): impl is BatchNormImpl {
  return impl !== 'none';
}
