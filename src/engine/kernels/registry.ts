/**
 * The one table of the kernels the project registers: per kernel name, the backends it
 * serves, its config, and its gradient where the project defines one. Registered from here
 * once a backend is selected, together with the replaced ops that reach them from
 * tfjs-layers (../layer-ops.ts). Each replacement of a stock kernel keeps the stock one
 * reachable (stock.ts: remembered here, once, before it is replaced) for the cases it hands
 * back, and each call is counted by the path it took (../kernel-paths.ts). Backends not
 * listed (tensorflow, webgpu) keep everything stock.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Add,
  AvgPool,
  AvgPoolGrad,
  BatchMatMul,
  Cast,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedBatchNorm,
  FusedConv2D,
  Identity,
  Mean,
  Multiply,
  Neg,
  RealDiv,
  Sigmoid,
  Square,
  Sub,
  Sum,
  _FusedMatMul,
  getKernel,
  registerKernel,
  unregisterKernel,
  type GradConfig,
  type KernelConfig,
} from '@tensorflow/tfjs-core';
import { CHANNEL_AFFINE, CHANNEL_AFFINE_PLUS, CHANNEL_MOMENTS, CHANNEL_SQUARES, CHANNEL_SUMS } from '../channel-ops';
import { countPath } from '../kernel-paths';
import { disableLayerOps, enableLayerOps } from '../layer-ops';
import { avgPoolConfig } from './avg-pool';
import { avgPoolGradConfig } from './avg-pool-grad';
import { batchMatMulConfig, fusedMatMulConfig } from './batch-mat-mul';
import { broadcastBinaryConfig, negConfig, squareConfig } from './binary';
import {
  channelAffineConfig,
  channelAffineGradient,
  channelAffinePlusGradient,
  channelMomentsConfig,
  channelMomentsGradient,
  channelSquaresConfig,
  channelSquaresGradient,
  channelSumsConfig,
  channelSumsGradient,
} from './channel-affine';
import { conv2dConfig } from './conv2d';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { fusedBatchNormConfig } from './fused-batch-norm';
import { fusedConv2dGradient } from './fused-conv2d-gradient';
import { castConfig, identityConfig } from './no-copy';
import { leadingReduceConfig } from './reduce';
import { SIGMOID_GRAD, sigmoidConfig, sigmoidGradConfig, sigmoidGradientConfig } from './sigmoid';
import { rememberStock, stockConfig } from './stock';

type Backend = 'wasm' | 'cpu';

interface KernelEntry {
  /** The backends the project's kernel serves. */
  on: readonly Backend[];
  config(backendName: string): KernelConfig;
  /**
   * Its gradient, given tfjs-core's (if any). Gradients are global in tfjs, not per backend:
   * each must work on every backend (where the kernel is not registered too).
   */
  gradient?(stock: GradConfig | undefined): GradConfig;
}

const WASM: readonly Backend[] = ['wasm'];
/** The kernels behind the replaced ops of ../layer-ops.ts and the per-channel ops. */
const WASM_AND_CPU: readonly Backend[] = ['wasm', 'cpu'];

const KERNELS: Record<string, KernelEntry> = {
  [Conv2D]: { on: WASM, config: (b) => conv2dConfig(Conv2D, b) },
  [FusedConv2D]: { on: WASM, config: (b) => conv2dConfig(FusedConv2D, b), gradient: () => fusedConv2dGradient },
  [Conv2DBackpropFilter]: { on: WASM, config: conv2DBackpropFilterConfig },
  [Conv2DBackpropInput]: { on: WASM, config: conv2DBackpropInputConfig },
  [Identity]: { on: WASM, config: identityConfig },
  [Cast]: { on: WASM, config: castConfig },
  [Add]: { on: WASM, config: (b) => broadcastBinaryConfig(Add, b) },
  [Sub]: { on: WASM, config: (b) => broadcastBinaryConfig(Sub, b) },
  [Multiply]: { on: WASM, config: (b) => broadcastBinaryConfig(Multiply, b) },
  [RealDiv]: { on: WASM, config: (b) => broadcastBinaryConfig(RealDiv, b) },
  [Square]: { on: WASM, config: squareConfig },
  [Neg]: { on: WASM, config: negConfig },
  [Sum]: { on: WASM, config: (b) => leadingReduceConfig(Sum, b, false) },
  [Mean]: { on: WASM, config: (b) => leadingReduceConfig(Mean, b, true) },
  [BatchMatMul]: { on: WASM, config: batchMatMulConfig },
  [_FusedMatMul]: { on: WASM, config: fusedMatMulConfig },
  [AvgPool]: { on: WASM, config: avgPoolConfig },
  [AvgPoolGrad]: { on: WASM, config: avgPoolGradConfig },
  // Sigmoid's gradient takes BnlenetSigmoidGrad where it is registered, tfjs-core's elsewhere.
  [Sigmoid]: { on: WASM, config: sigmoidConfig, gradient: sigmoidGradientConfig },
  [SIGMOID_GRAD]: { on: WASM, config: sigmoidGradConfig },
  // BatchNorm: inference (tf.batchNorm with given statistics), and the per-channel ops that
  // training is made of (../batch-norm-training.ts), for both BatchNorms.
  [FusedBatchNorm]: { on: WASM_AND_CPU, config: fusedBatchNormConfig },
  [CHANNEL_AFFINE]: { on: WASM_AND_CPU, config: (b) => channelAffineConfig(b), gradient: () => channelAffineGradient },
  [CHANNEL_AFFINE_PLUS]: { on: WASM_AND_CPU, config: (b) => channelAffineConfig(b, true), gradient: () => channelAffinePlusGradient },
  [CHANNEL_SUMS]: { on: WASM_AND_CPU, config: channelSumsConfig, gradient: () => channelSumsGradient },
  [CHANNEL_SQUARES]: { on: WASM_AND_CPU, config: channelSquaresConfig, gradient: () => channelSquaresGradient },
  // On wasm only: on cpu, tfjs's own Mean (which the composed form runs there) rounds otherwise.
  [CHANNEL_MOMENTS]: { on: WASM, config: channelMomentsConfig, gradient: () => channelMomentsGradient },
};

/** `config` with each call counted by the path it took (../kernel-paths.ts). */
function counted(config: KernelConfig): KernelConfig {
  const { kernelName, kernelFunc } = config;
  return { ...config, kernelFunc: (args) => countPath(kernelName, () => kernelFunc(args)) };
}

let gradientsRegistered = false;

/**
 * Registers the gradients of the table, once. tfjs-layers' Node bundle refills the global
 * gradient registry with tfjs-core's gradients when it loads, so it is loaded first.
 */
function registerGradients(): void {
  if (gradientsRegistered) return;
  require('@tensorflow/tfjs-layers');
  for (const [name, entry] of Object.entries(KERNELS)) {
    if (entry.gradient) tf.registerGradient(entry.gradient(tf.getGradient(name)));
  }
  gradientsRegistered = true;
}

const registered = new Map<string, KernelConfig>();

/** Names of the kernels the project provides for `backendName`. */
export function projectKernelNames(backendName: string): string[] {
  return Object.keys(KERNELS).filter((name) => KERNELS[name].on.includes(backendName as Backend));
}

/**
 * Registers the project's kernels for `backendName` (all, or those in `only`), replacing stock
 * ones, and with all of them their gradients and the replaced ops. Idempotent. Returns the
 * names registered.
 */
export function registerProjectKernels(backendName: string, only?: readonly string[]): string[] {
  const names = projectKernelNames(backendName).filter((n) => !only || only.includes(n));
  for (const name of names) {
    const k = `${backendName}/${name}`;
    if (registered.has(k)) continue;
    rememberStock(name, backendName);
    const config = counted(KERNELS[name].config(backendName));
    if (getKernel(name, backendName)) unregisterKernel(name, backendName);
    registerKernel(config);
    registered.set(k, config);
  }
  if (!only && names.length > 0) {
    registerGradients();
    enableLayerOps(backendName);
  }
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
