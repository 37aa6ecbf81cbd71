/**
 * The values the model variant's fields take: BatchNorm positions, modes and running-variance
 * kinds, and their checks. The variant itself (ModelVariant), its defaults, its validation and
 * its description are in run-args.ts, the table of run arguments, which reads these. No
 * TensorFlow.js here, so the CLI can validate flags before loading it.
 *
 * Positions are where a BatchNorm can sit: 1 after conv1, 2 after conv2, 3 after dense1, 4
 * after dense2. The book's LeNet-BN has all four; `impl: 'none'` has none (the plain LeNet of
 * section 6.6).
 */
export type { ModelVariant } from './run-args';

export const BN_POSITIONS = [1, 2, 3, 4] as const;
export type BnPosition = (typeof BN_POSITIONS)[number];

/**
 * What a BatchNorm normalizes by: `full` subtracts the batch mean and divides by the batch
 * standard deviation (the book's); `center` only subtracts the mean; `scale` only divides by
 * the standard deviation. gamma and beta apply in every mode.
 */
export const BN_MODES = ['full', 'center', 'scale'] as const;
export type BnMode = (typeof BN_MODES)[number];

/**
 * The batch variance a BatchNorm's moving variance follows in training: `biased`, the mean of
 * the squared deviations (the book's, Keras', tfjs-layers'), or `unbiased`, that times
 * n/(n-1) for n values per channel (PyTorch's). Normalizing a batch always uses the biased one.
 */
export const BN_RUNNING_VARIANCES = ['biased', 'unbiased'] as const;
export type BnRunningVariance = (typeof BN_RUNNING_VARIANCES)[number];

const isPosition = (v: unknown): v is BnPosition => (BN_POSITIONS as readonly unknown[]).includes(v);

/** Whether `value` is a list of distinct BatchNorm positions in ascending order (run.json's form). */
export function isPositionList(value: unknown): value is BnPosition[] {
  return Array.isArray(value) && value.every(isPosition) && value.every((p, i) => i === 0 || p > value[i - 1]);
}

export function isDropoutRate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1;
}
