/**
 * The kernels the project registers, per backend, registered from here once a backend is
 * selected. Each replacement of a stock kernel keeps the stock one reachable (see stock.ts)
 * for the cases it hands back.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { fusedBatchNormConfig } from './fused-batch-norm';
import { BATCH_NORM_GRAD, batchNormGradConfig, ensureBatchNormGradient } from './fused-batch-norm-grad';
import { addConfig } from './add';
import { avgPoolGradConfig } from './avg-pool-grad';
import { batchMatMulConfig } from './batch-mat-mul';
import { castConfig } from './cast';
import { identityConfig } from './identity';
import { meanConfig } from './mean';
import { mulConfig } from './multiply';
import { divConfig } from './real-div';
import { rememberStock, stockConfig } from './stock';
import { subConfig } from './sub';
import { sumConfig } from './sum';
import { tileConfig } from './tile';
import {
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  batchNormTrainConfig,
  batchNormTrainGradConfig,
  disableBatchNormTrain,
  enableBatchNormTrain,
} from './batch-norm-train';
import { disableMoments, enableMoments, MOMENTS, MOMENTS_GRAD, momentsConfig, momentsGradConfig } from './moments';
import { disableFusedConv2dGradient, enableFusedConv2dGradient } from '../fused-conv2d';

type ConfigFactory = (backendName: string) => KernelConfig;

/** The batch-norm kernels, the same on every backend the project serves. */
const BATCH_NORM_KERNELS: Record<string, ConfigFactory> = {
  FusedBatchNorm: fusedBatchNormConfig,
  [BATCH_NORM_GRAD]: batchNormGradConfig,
  [MOMENTS]: momentsConfig,
  [MOMENTS_GRAD]: momentsGradConfig,
  [BATCH_NORM_TRAIN]: batchNormTrainConfig,
  [BATCH_NORM_TRAIN_GRAD]: batchNormTrainGradConfig,
};

/** Project kernels by backend. Kernels not listed for a backend stay stock. */
const KERNELS: Record<string, Record<string, ConfigFactory>> = {
  wasm: {
    Conv2DBackpropFilter: conv2DBackpropFilterConfig,
    Conv2DBackpropInput: conv2DBackpropInputConfig,
    Identity: identityConfig,
    Tile: tileConfig,
    Add: addConfig,
    Sub: subConfig,
    Multiply: mulConfig,
    RealDiv: divConfig,
    Sum: sumConfig,
    Mean: meanConfig,
    BatchMatMul: batchMatMulConfig,
    AvgPoolGrad: avgPoolGradConfig,
    Cast: castConfig,
    ...BATCH_NORM_KERNELS,
  },
  cpu: BATCH_NORM_KERNELS,
};

/**
 * Backends on which tf.fused.conv2d runs with a gradient that skips unneeded input gradients
 * (see ../fused-conv2d.ts). Registered with the backend's full set of project kernels.
 */
const FUSED_CONV_GRADIENT_BACKENDS = ['wasm', 'cpu'];

const registered = new Map<string, KernelConfig>();

/** Names of the kernels the project provides for `backendName`. */
export function projectKernelNames(backendName: string): string[] {
  return Object.keys(KERNELS[backendName] ?? {});
}

/**
 * Registers the project's kernels for `backendName` (all, or those in `only`), replacing stock
 * ones. Idempotent. Returns the names registered.
 */
export function registerProjectKernels(backendName: string, only?: readonly string[]): string[] {
  const names = projectKernelNames(backendName).filter((n) => !only || only.includes(n));
  for (const name of names) {
    const k = `${backendName}/${name}`;
    if (registered.has(k)) continue;
    rememberStock(name, backendName);
    const config = KERNELS[backendName][name](backendName);
    if (getKernel(name, backendName)) unregisterKernel(name, backendName);
    registerKernel(config);
    registered.set(k, config);
  }
  if (names.includes(BATCH_NORM_GRAD)) ensureBatchNormGradient();
  if (!only && FUSED_CONV_GRADIENT_BACKENDS.includes(backendName)) enableFusedConv2dGradient(backendName);
  if (names.includes(MOMENTS) && names.includes(MOMENTS_GRAD)) enableMoments(backendName);
  if ([MOMENTS, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, 'FusedBatchNorm'].every((n) => names.includes(n))) {
    enableBatchNormTrain(backendName);
  }
  return names;
}

/** Puts the stock kernels back (for tests and profiling that compare the two). */
export function unregisterProjectKernels(backendName: string, only?: readonly string[]): void {
  if (!only) disableFusedConv2dGradient(backendName);
  if (!only || only.includes(MOMENTS) || only.includes(MOMENTS_GRAD)) disableMoments(backendName);
  if (!only || [MOMENTS, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, 'FusedBatchNorm'].some((n) => only.includes(n))) {
    disableBatchNormTrain(backendName);
  }
  for (const name of projectKernelNames(backendName)) {
    if (only && !only.includes(name)) continue;
    const k = `${backendName}/${name}`;
    if (!registered.has(k)) continue;
    unregisterKernel(name, backendName);
    registered.delete(k);
    const stock = stockConfig(name, backendName);
    if (stock) registerKernel(stock);
  }
}
