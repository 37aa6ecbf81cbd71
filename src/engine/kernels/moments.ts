/**
 * tf.moments (batch mean and biased variance, which the built-in BatchNorm layer of
 * tfjs-layers takes in training) as one kernel with one gradient, for float32 reduced over
 * leading axes ([N,H,W,C] over [0,1,2], [N,C] over [0]) without keepDims.
 *
 * tfjs-core composes moments from Mean, Sub, Square and Mean, and autodiff of those builds
 * the input gradient from about eight full-size broadcasting ops per BatchNorm layer. Here
 *
 *   forward:  mean[c] = sum x / n,  var[c] = sum (x - mean[c])^2 / n     (two JS passes, float64 sums)
 *   backward: dx = dmean[c] / n + dvar[c] * 2 (x - mean[c]) / n            (3 XNNPACK passes)
 *
 * The backward is the exact derivative of the two outputs. (Autodiff of the composed ops
 * also carries dvar through the mean inside the variance, a term -2/n^2 dvar[c] sum(x - mean),
 * which is zero up to rounding.)
 *
 * The op `tf.moments` is replaced (as tfjs-layers looks it up on tfjs-core's exports at each
 * call) by one that runs this kernel for the cases above on the backends that register it,
 * and tfjs-core's op otherwise.
 */
import * as tf from '@tensorflow/tfjs-core';
// The module's own exports object (a namespace import is a copy with getters): tfjs-layers
// reads tf.moments from it at each call.
import tfExports = require('@tensorflow/tfjs-core');
import {
  Add,
  Multiply,
  Sub,
  util,
  type GradConfig,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { leadingAxes } from './broadcast';
import { allocF32, f32 } from './heap';
import { columnSums } from './reduce';
import { kernelOps, release } from './stock';
import { repeatF32 } from './tile';

export const MOMENTS = 'BnlenetMoments';
export const MOMENTS_GRAD = 'BnlenetMomentsGrad';


/** x as rows of C contiguous values; mean and biased variance per column. */
function columnMoments(x: Float32Array, rows: number, C: number, mean: Float32Array, variance: Float32Array): void {
  const sums = new Float64Array(C);
  columnSums(x, rows, C, undefined, sums);
  const m = new Float64Array(C);
  for (let c = 0; c < C; c++) m[c] = mean[c] = sums[c] / rows;
  columnSums(x, rows, C, m, sums);
  for (let c = 0; c < C; c++) variance[c] = sums[c] / rows;
}

export function momentsConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: b, attrs }) => {
    const backend = b as KernelBackend;
    const { x } = inputs as { x: TensorInfo };
    const axes = (attrs as unknown as { axes: number[] }).axes;
    const rows = leadingAxes(x.shape, axes);
    if (!rows || x.dtype !== 'float32') throw new Error(`${MOMENTS}: float32 over leading axes only`);
    const kept = x.shape.slice(axes.length);
    const outputs = [allocF32(backend, kept), allocF32(backend, kept)];
    const [mean, variance] = outputs.map((t) => f32(backend, t));
    columnMoments(f32(backend, x), rows.outer, rows.inner, mean, variance);
    return outputs;
  };
  return { kernelName: MOMENTS, backendName, kernelFunc };
}

/** dx = a[c] + b[c] * (x - mean[c]) with a = dmean / n, b = 2 dvar / n. */
export function momentsGradConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: be }) => {
    const backend = be as KernelBackend;
    const { x, mean, dMean, dVariance } = inputs as Record<string, TensorInfo>;
    const C = util.sizeFromShape(mean.shape);
    const n = util.sizeFromShape(x.shape) / C;
    const m = Float64Array.from(f32(backend, mean));
    const dm = f32(backend, dMean);
    const dv = f32(backend, dVariance);
    const a = new Float64Array(C);
    const b = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      a[c] = dm[c] / n;
      b[c] = (2 * dv[c]) / n;
    }
    const ops = kernelOps(backendName, backend);
    const full = [m, b, a].map((v) => repeatF32(backend, v, x.shape));
    const centered = ops.run(Sub, { a: x, b: full[0] });
    const scaled = ops.run(Multiply, { a: centered, b: full[1] });
    const out = ops.run(Add, { a: scaled, b: full[2] });
    release(backend, centered, scaled, ...full);
    return out;
  };
  return { kernelName: MOMENTS_GRAD, backendName, kernelFunc };
}

const gradient: GradConfig = {
  kernelName: MOMENTS,
  inputsToSave: ['x'],
  outputsToSave: [true, false],
  gradFunc: (dy, saved) => {
    const [x, mean] = saved;
    const [dMean, dVariance] = (dy as (Tensor | null)[]).map((d) => d ?? tf.zerosLike(mean));
    return {
      x: () => tf.engine().runKernel(MOMENTS_GRAD, { x, mean, dMean, dVariance }) as Tensor,
    };
  },
};

/** For each mean this op returned: the x it is of, and the variance returned with it. */
const sources = new WeakMap<Tensor, { x: Tensor; variance: Tensor }>();

/** x if `mean` and `variance` are the pair this op returned for x; else undefined. */
export function momentsSource(mean: Tensor, variance: Tensor): Tensor | undefined {
  const entry = sources.get(mean);
  return entry && entry.variance === variance ? entry.x : undefined;
}

type MomentsOp = typeof tf.moments;
const enabledBackends = new Set<string>();
let stockOp: MomentsOp | undefined;

function moments(x: tf.Tensor | tf.TensorLike, axis: number | number[] | null = null, keepDims = false) {
  const ax = axis ?? undefined;
  if (!stockOp) throw new Error('internal: moments installed without the stock op');
  if (!keepDims && x instanceof tf.Tensor && x.dtype === 'float32' && enabledBackends.has(tf.getBackend())) {
    const axes = util.parseAxisParam(ax ?? null as unknown as number[], x.shape);
    const rows = leadingAxes(x.shape, axes);
    if (rows) {
      const [mean, variance] = tf
        .engine()
        .runKernel(MOMENTS, { x }, { axes: [...axes].sort((p, q) => p - q) } as unknown as NamedAttrMap) as Tensor[];
      sources.set(mean, { x, variance });
      return { mean, variance };
    }
  }
  return stockOp(x, ax, keepDims);
}

/** Routes tf.moments on `backendName` through the kernel (registered there). Idempotent. */
export function enableMoments(backendName: string): void {
  enabledBackends.add(backendName);
  if (tf.getGradient(MOMENTS) !== gradient) tf.registerGradient(gradient);
  if (tfExports.moments !== (moments as unknown as MomentsOp)) {
    stockOp = tfExports.moments;
    (tfExports as unknown as { moments: MomentsOp }).moments = moments as unknown as MomentsOp;
  }
}

export function disableMoments(backendName?: string): void {
  if (backendName === undefined) enabledBackends.clear();
  else enabledBackends.delete(backendName);
}

export function momentsEnabled(backendName: string): boolean {
  return enabledBackends.has(backendName) && tfExports.moments === (moments as unknown as MomentsOp);
}
