/**
 * The kernels the project registers, per backend, registered from here once a backend is
 * selected, together with the replaced ops that reach them from tfjs-layers
 * (../layer-ops.ts). Each replacement of a stock kernel keeps the stock one reachable (see
 * stock.ts) for the cases it hands back. Backends not listed (tensorflow, webgpu) keep
 * everything stock.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { disableLayerOps, enableLayerOps } from '../layer-ops';
import { addConfig } from './add';
import { avgPoolConfig } from './avg-pool';
import { avgPoolGradConfig } from './avg-pool-grad';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, batchNormTrainConfig, batchNormTrainGradConfig } from './batch-norm-train';
import { batchMatMulConfig, fusedMatMulConfig } from './batch-mat-mul';
import { castConfig } from './cast';
import { channelAffineConfig, channelSquaresConfig, channelSumsConfig } from './channel-affine';
import { CHANNEL_AFFINE, CHANNEL_AFFINE_PLUS, CHANNEL_SQUARES, CHANNEL_SUMS } from '../channel-ops';
import { conv2dConfig } from './conv2d';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { fusedBatchNormConfig } from './fused-batch-norm';
import { identityConfig } from './identity';
import { meanConfig } from './mean';
import { MOMENTS, momentsConfig } from './moments';
import { mulConfig } from './multiply';
import { negConfig } from './neg';
import { divConfig } from './real-div';
import { SIGMOID_GRAD, sigmoidConfig, sigmoidGradConfig } from './sigmoid';
import { squareConfig } from './square';
import { rememberStock, stockConfig } from './stock';
import { subConfig } from './sub';
import { sumConfig } from './sum';

type ConfigFactory = (backendName: string) => KernelConfig;

/** The kernels behind the replaced ops (../layer-ops.ts), the same on every backend served. */
const LAYER_OP_KERNELS: Record<string, ConfigFactory> = {
  FusedBatchNorm: fusedBatchNormConfig,
  [MOMENTS]: momentsConfig,
  [BATCH_NORM_TRAIN]: batchNormTrainConfig,
  [BATCH_NORM_TRAIN_GRAD]: batchNormTrainGradConfig,
  // The per-channel ops of ../channel-ops.ts (the from-scratch BatchNorm is made of them).
  [CHANNEL_AFFINE]: (backendName) => channelAffineConfig(backendName),
  [CHANNEL_AFFINE_PLUS]: (backendName) => channelAffineConfig(backendName, true),
  [CHANNEL_SUMS]: channelSumsConfig,
  [CHANNEL_SQUARES]: channelSquaresConfig,
};

/** Project kernels by backend. Kernels not listed for a backend stay stock. */
const KERNELS: Record<string, Record<string, ConfigFactory>> = {
  wasm: {
    Conv2D: (backendName) => conv2dConfig('Conv2D', backendName),
    FusedConv2D: (backendName) => conv2dConfig('FusedConv2D', backendName),
    Conv2DBackpropFilter: conv2DBackpropFilterConfig,
    Conv2DBackpropInput: conv2DBackpropInputConfig,
    Identity: identityConfig,
    Add: addConfig,
    Sub: subConfig,
    Multiply: mulConfig,
    RealDiv: divConfig,
    Sum: sumConfig,
    Mean: meanConfig,
    BatchMatMul: batchMatMulConfig,
    _FusedMatMul: fusedMatMulConfig,
    AvgPool: avgPoolConfig,
    AvgPoolGrad: avgPoolGradConfig,
    Sigmoid: sigmoidConfig,
    Square: squareConfig,
    Neg: negConfig,
    [SIGMOID_GRAD]: sigmoidGradConfig,
    Cast: castConfig,
    ...LAYER_OP_KERNELS,
  },
  cpu: LAYER_OP_KERNELS,
};

const registered = new Map<string, KernelConfig>();

/** Names of the kernels the project provides for `backendName`. */
export function projectKernelNames(backendName: string): string[] {
  return Object.keys(KERNELS[backendName] ?? {});
}

/**
 * Registers the project's kernels for `backendName` (all, or those in `only`), replacing stock
 * ones, and with all of them the replaced ops. Idempotent. Returns the names registered.
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
  if (!only && names.length > 0) enableLayerOps(backendName);
  return names;
}

/** Puts the stock kernels and ops back (for tests and profiling that compare the two). */
export function unregisterProjectKernels(backendName: string, only?: readonly string[]): void {
  disableLayerOps(backendName);
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
