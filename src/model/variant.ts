/**
 * The model variants of the chapter's exercises: which network the LeNet builder makes. One
 * definition for the CLI's flags, run.json's fields and the builder; no TensorFlow.js here, so
 * the CLI can validate flags before loading it.
 *
 * Positions are where a BatchNorm can sit: 1 after conv1, 2 after conv2, 3 after dense1, 4
 * after dense2. The book's LeNet-BN has all four; `impl: 'none'` has none (the plain LeNet of
 * section 6.6).
 */
import { hasBatchNorm, type ModelImpl } from './impls';

export const BN_POSITIONS = [1, 2, 3, 4] as const;
export type BnPosition = (typeof BN_POSITIONS)[number];

/**
 * What a BatchNorm normalizes by: `full` subtracts the batch mean and divides by the batch
 * standard deviation (the book's); `center` only subtracts the mean; `scale` only divides by
 * the standard deviation. gamma and beta apply in every mode.
 */
export const BN_MODES = ['full', 'center', 'scale'] as const;
export type BnMode = (typeof BN_MODES)[number];

export interface ModelVariant {
  impl: ModelImpl;
  /** BatchNorm positions, ascending; empty exactly when impl is 'none'. */
  bnLayers: BnPosition[];
  /** Drop the bias of each conv/dense layer that feeds a BatchNorm (its beta does that job). */
  noBias: boolean;
  /** Keep gamma at 1 and beta at 0: the BatchNorm layers are not trainable (their moving statistics still follow the batches). */
  freezeAffine: boolean;
  bnMode: BnMode;
  /** Dropout rate after the sigmoids of dense1 and dense2 (positions 3 and 4); 0 for none. */
  dropout: number;
}

/** The variant's fields, in the order run.json and the CLI list them. */
export const VARIANT_FIELDS = ['impl', 'bnLayers', 'noBias', 'freezeAffine', 'bnMode', 'dropout'] as const satisfies readonly (keyof ModelVariant)[];

/** The book's LeNet-BN (every BatchNorm, biases kept, trained gamma and beta, full mode, no dropout) with this impl. */
export function bookVariant(impl: ModelImpl): ModelVariant {
  return { impl, bnLayers: hasBatchNorm(impl) ? [...BN_POSITIONS] : [], noBias: false, freezeAffine: false, bnMode: 'full', dropout: 0 };
}

const isPosition = (v: unknown): v is BnPosition => (BN_POSITIONS as readonly unknown[]).includes(v);

/** Whether `value` is a list of distinct BatchNorm positions in ascending order (run.json's form). */
export function isPositionList(value: unknown): value is BnPosition[] {
  return Array.isArray(value) && value.every(isPosition) && value.every((p, i) => i === 0 || p > value[i - 1]);
}

export function isDropoutRate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1;
}

/**
 * Why this variant cannot be built, in the CLI's terms (the flag at fault first), or undefined
 * when it can. run.json's reader reports the same reasons for a record that was edited.
 */
export function variantConflict(v: ModelVariant): string | undefined {
  if (!isDropoutRate(v.dropout)) return `--dropout ${v.dropout}: a dropout rate is from 0 up to but not including 1`;
  if (!hasBatchNorm(v.impl)) {
    const without = 'LeNet without BatchNorm (--impl none) has no BatchNorm';
    if (v.bnLayers.length > 0) return `--bn-layers cannot go with --impl none: ${without} to place`;
    if (v.noBias) return `--no-bias cannot go with --impl none: it drops the bias before a BatchNorm, and ${without}`;
    if (v.freezeAffine) return `--freeze-affine cannot go with --impl none: ${without} gamma or beta to freeze`;
    if (v.bnMode !== 'full') return `--bn-mode ${v.bnMode} cannot go with --impl none: ${without} to make lite`;
    return undefined;
  }
  if (v.bnLayers.length === 0) return '--bn-layers needs at least one position; for LeNet without BatchNorm use --impl none';
  if (v.impl === 'builtin' && v.bnMode !== 'full') {
    return (
      `--bn-mode ${v.bnMode} needs --impl custom: the built-in BatchNorm (tfjs-layers' batchNormalization) always ` +
      'subtracts the mean and divides by the standard deviation (its center and scale options only drop beta and gamma)'
    );
  }
  return undefined;
}

/** How a BatchNorm variant differs from the book's LeNet-BN: ["BatchNorm at 1,2", "no bias before BatchNorm", ...]. */
export function variantChanges(v: Omit<ModelVariant, 'impl'>): string[] {
  const changes: string[] = [];
  if (v.bnLayers.length > 0 && v.bnLayers.length < BN_POSITIONS.length) changes.push(`BatchNorm at ${v.bnLayers.join(',')}`);
  if (v.noBias) changes.push('no bias before BatchNorm');
  if (v.freezeAffine) changes.push('gamma and beta frozen');
  if (v.bnMode !== 'full') changes.push(`${v.bnMode} only`);
  if (v.dropout > 0) changes.push(`dropout ${v.dropout}`);
  return changes;
}

/** "LeNet-BN (custom BatchNorm)", "LeNet (no BatchNorm, dropout 0.5)", "LeNet-BN (builtin BatchNorm at 1,2; no bias before BatchNorm)". */
export function describeVariant(v: ModelVariant): string {
  const changes = variantChanges(v);
  if (!hasBatchNorm(v.impl)) return `LeNet (no BatchNorm${changes.map((e) => `, ${e}`).join('')})`;
  const where = changes[0]?.startsWith('BatchNorm at') ? ` ${changes.shift()!.slice('BatchNorm '.length)}` : '';
  return `LeNet-BN (${v.impl} BatchNorm${where}${changes.map((e) => `; ${e}`).join('')})`;
}
