/**
 * The BatchNorm implementations a LeNet can be built with: the one definition that the CLI's
 * choices, the compare and reproduce variants and the bench derive from. No TensorFlow.js here,
 * so the CLI can read it while answering --help.
 */
export const BATCHNORM_IMPLS = ['custom', 'builtin'] as const;
export type BatchNormImpl = (typeof BATCHNORM_IMPLS)[number];
