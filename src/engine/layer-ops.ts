/**
 * The tfjs-core ops that tfjs-layers calls and the project replaces, all in this module:
 *
 * - tf.fused.conv2d (Conv2D with a bias): runs the FusedConv2D kernel as a plain kernel call
 *   with a gradient of one lazy closure per input (kernels/fused-conv2d-gradient.ts), so the
 *   first layer no longer computes a gradient for the input images;
 * - tf.moments over every axis but the last: the batch moments of batch-norm-training.ts;
 * - tf.batchNorm, batchNorm2d, batchNorm4d of the moments of the same x (the built-in
 *   BatchNorm in training): the training BatchNorm of batch-norm-training.ts with those
 *   moments, the same function and gradient the from-scratch BatchNorm runs.
 *
 * tfjs-layers 4.22 looks each op up on tfjs-core's exports object at every call, so replacing
 * the export is what reaches the built-in layers (a test trains a LeNet step through
 * tfjs-layers and checks the kernels that ran; re-check it when upgrading TensorFlow.js).
 * Each wrapper takes the project's path only on the backends where it is proven
 * (`enableLayerOps`: wasm and cpu, whose kernels kernels/registry.ts registers, with their
 * gradients), for the cases it knows, and hands everything else to the stock op unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
// The module's own exports object (a namespace import is a copy with getters): tfjs-layers
// reads the ops from it at each call.
import tfExports = require('@tensorflow/tfjs-core');
import { FusedConv2D, util, type NamedAttrMap, type Tensor, type TensorLike } from '@tensorflow/tfjs-core';
import { batchMoments, normalizeWithBatchStatistics } from './batch-norm-training';
import { leadingAxes } from './kernels/broadcast';
import type { FusedConv2dAttrs } from './kernels/fused-conv2d-gradient';

const enabledBackends = new Set<string>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Op = (...args: any[]) => any;

/** The wrappers installed, by the object and name they replace. */
const installed = new Map<object, Map<string, Op>>();

/**
 * Replaces owner[name] by an op that returns `fast(...args)` on an enabled backend when that
 * is not undefined, and the stock op's result otherwise. Idempotent.
 */
function replaceOp<F extends Op>(owner: object, name: string, fast: (...args: Parameters<F>) => ReturnType<F> | undefined): void {
  const target = owner as Record<string, F>;
  const ours = installed.get(owner) ?? new Map<string, Op>();
  installed.set(owner, ours);
  if (ours.has(name) && target[name] === ours.get(name)) return;
  const stock = target[name];
  const op = ((...args: Parameters<F>) =>
    (enabledBackends.has(tf.getBackend()) ? fast(...args) : undefined) ?? stock(...args)) as F;
  ours.set(name, op);
  target[name] = op;
}

function isOne(v: [number, number] | number | undefined): boolean {
  return v == null || (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);
}

type FusedConv2dArgs = Parameters<typeof tf.fused.conv2d>[0];

/** tf.fused.conv2d: float32 NHWC, dilations 1, linear activation, optional bias [outChannels]. */
function fusedConv2d(args: FusedConv2dArgs): Tensor | undefined {
  const { x, filter, bias, strides, pad, dataFormat, dilations, dimRoundingMode, activation, preluActivationWeights } = args;
  if (!(x instanceof tf.Tensor) || !(filter instanceof tf.Tensor)) return undefined;
  if (x.rank !== 4 || filter.rank !== 4 || x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  if (x.shape[3] !== filter.shape[2]) return undefined;
  if ((dataFormat ?? 'NHWC') !== 'NHWC' || !isOne(dilations)) return undefined;
  if ((activation ?? 'linear') !== 'linear' || preluActivationWeights != null) return undefined;
  const inputs: Record<string, Tensor> = { x, filter };
  if (bias != null) {
    if (!(bias instanceof tf.Tensor) || bias.dtype !== 'float32' || bias.rank !== 1 || bias.shape[0] !== filter.shape[3]) {
      return undefined;
    }
    inputs.bias = bias;
  }
  const attrs: FusedConv2dAttrs = {
    strides,
    pad: pad as FusedConv2dAttrs['pad'],
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode,
    activation: 'linear',
  };
  return tf.engine().runKernel(FusedConv2D, inputs, attrs as unknown as NamedAttrMap) as Tensor;
}

/** For each mean the moments op returned: the x and axes it is of, and the variance returned with it. */
const momentsSources = new WeakMap<Tensor, { x: Tensor; axes: number[]; variance: Tensor }>();

/** tf.moments of float32 over every axis but the last (a BatchNorm's), without keepDims. */
function moments(x: Tensor | TensorLike, axis: number | number[] | null = null, keepDims = false) {
  if (keepDims || !(x instanceof tf.Tensor) || x.dtype !== 'float32') return undefined;
  const axes = util.parseAxisParam(axis ?? (null as unknown as number[]), x.shape).sort((p, q) => p - q);
  if (axes.length !== x.rank - 1 || !leadingAxes(x.shape, axes)) return undefined;
  const { mean, variance } = batchMoments(x, axes);
  momentsSources.set(mean, { x, axes, variance });
  return { mean, variance };
}

function perChannel(t: unknown, C: number): t is Tensor {
  return t instanceof tf.Tensor && t.dtype === 'float32' && t.rank === 1 && t.shape[0] === C;
}

/** tf.batchNorm* of the moments of the same float32 x, with per-channel offset and scale. */
function batchNormOfMoments(
  x: Tensor | TensorLike,
  mean: Tensor | TensorLike,
  variance: Tensor | TensorLike,
  offset?: Tensor | TensorLike,
  scale?: Tensor | TensorLike,
  varianceEpsilon?: number,
): Tensor | undefined {
  if (!(x instanceof tf.Tensor) || x.dtype !== 'float32' || x.rank < 2) return undefined;
  if (!(mean instanceof tf.Tensor) || !(variance instanceof tf.Tensor)) return undefined;
  const source = momentsSources.get(mean);
  if (source?.x !== x || source.variance !== variance) return undefined;
  const C = x.shape[x.rank - 1];
  if (!perChannel(mean, C) || !perChannel(variance, C) || !perChannel(offset, C) || !perChannel(scale, C)) return undefined;
  const statistics = { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  const out = normalizeWithBatchStatistics(x, scale as tf.Tensor1D, offset as tf.Tensor1D, source.axes, varianceEpsilon ?? 0.001, statistics);
  // The layer keeps its own moments; these copies are not needed.
  tf.dispose([out.mean, out.variance]);
  return out.y;
}

/** Installs the replacements. */
function install(): void {
  replaceOp(tf.fused, 'conv2d', fusedConv2d);
  replaceOp<typeof tf.moments>(tfExports, 'moments', moments);
  for (const name of ['batchNorm', 'batchNorm2d', 'batchNorm4d']) replaceOp(tfExports, name, batchNormOfMoments);
}

/**
 * Routes the ops above through the project's kernels on `backendName`, which must have them
 * registered (kernels/registry.ts does both). Idempotent.
 */
export function enableLayerOps(backendName: string): void {
  install();
  enabledBackends.add(backendName);
}

/** Whether the ops above take the project's kernels on `backendName`. */
export function layerOpsEnabled(backendName: string): boolean {
  return enabledBackends.has(backendName);
}

/** Back to the stock ops on `backendName` (or on every backend). */
export function disableLayerOps(backendName?: string): void {
  if (backendName === undefined) enabledBackends.clear();
  else enabledBackends.delete(backendName);
}
