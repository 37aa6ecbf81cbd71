/**
 * The gradient of FusedBatchNorm (tf.batchNorm, which the built-in BatchNorm layer uses) in
 * two passes over the data instead of about a dozen.
 *
 * tfjs-core's gradient builds each of d/dx, d/dmean, d/dvariance, d/dscale and d/doffset
 * from separate broadcasting ops (a Tile, ~9 full-size Multiply, Sub, 4 Sum), which was the
 * largest part of a LeNet-BN training step on wasm. With per-channel statistics the same
 * values are
 *
 *   k[c] = scale[c] / sqrt(var[c] + eps)
 *   dx = dy * k[c]                         doffset[c] = sum dy
 *   dscale[c] = sum dy (x - mean[c]) / sqrt(var[c] + eps)
 *   dmean[c] = -k[c] sum dy                dvariance[c] = -k[c] / (2 (var[c] + eps)) sum dy (x - mean[c])
 *
 * computed by the kernel BnlenetFusedBatchNormGrad: one JavaScript pass for the two sums per
 * channel, and dx as one XNNPACK Multiply by k expanded to the full shape.
 * Other cases (statistics that are not per-channel, or a backend without the kernel, such as
 * tensorflow) use tfjs-core's gradient.
 *
 * Gradients live in one global registry that tfjs-layers fills when it loads, possibly after
 * the backend is selected; so the gradient is (re-)registered by `ensureBatchNormGradient`,
 * which the project's FusedBatchNorm forward kernel calls before the engine looks the
 * gradient up.
 */
import {
  engine,
  FusedBatchNorm,
  getBackend,
  getGradient,
  getKernel,
  Multiply,
  registerGradient,
  util,
  type GradConfig,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { allocF32, f32 } from './heap';
import { release, runStock } from './stock';
import { repeatF32 } from './tile';

export const BATCH_NORM_GRAD = 'BnlenetFusedBatchNormGrad';

/** Whether t holds one value per channel (the last axis of x, size C). */
function perChannel(t: TensorInfo | undefined, C: number): boolean {
  return t == null || (t.dtype === 'float32' && util.sizeFromShape(t.shape) === C && t.shape[t.shape.length - 1] === C);
}

function batchNormGrad(
  backendName: string,
  backend: KernelBackend,
  inputs: Record<string, TensorInfo>,
  epsilon: number,
): TensorInfo[] {
  const { dy, x, mean, variance, scale } = inputs;
  const C = x.shape[x.shape.length - 1];
  const outputs = [
    allocF32(backend, mean.shape),
    allocF32(backend, variance.shape),
    allocF32(backend, scale ? scale.shape : mean.shape),
    allocF32(backend, mean.shape),
  ];
  const m = f32(backend, mean);
  const v = f32(backend, variance);
  const s = scale ? f32(backend, scale) : undefined;
  const g = f32(backend, dy);
  const xs = f32(backend, x);
  const [dMean, dVar, dScale, dOffset] = outputs.map((t) => f32(backend, t));
  const n = xs.length;
  for (let c = 0; c < C; c++) {
    const mc = m[c];
    let sumDy = 0;
    let sumDyXm = 0;
    for (let i = c; i < n; i += C) {
      const d = g[i];
      sumDy += d;
      sumDyXm += d * (xs[i] - mc);
    }
    const r = 1 / Math.sqrt(v[c] + epsilon);
    const k = (s ? s[c] : 1) * r;
    dOffset[c] = sumDy;
    dScale[c] = sumDyXm * r;
    dMean[c] = -k * sumDy;
    dVar[c] = -0.5 * k * r * r * sumDyXm;
  }
  const k = new Float64Array(C);
  for (let c = 0; c < C; c++) k[c] = (s ? s[c] : 1) / Math.sqrt(v[c] + epsilon);
  const kFull = repeatF32(backend, k, x.shape);
  const dx = runStock(Multiply, backendName, backend, { a: dy, b: kFull });
  release(backend, kFull);
  return [dx, ...outputs];
}

export function batchNormGradConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) =>
    batchNormGrad(
      backendName,
      backend as KernelBackend,
      inputs as Record<string, TensorInfo>,
      (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon,
    );
  return { kernelName: BATCH_NORM_GRAD, backendName, kernelFunc };
}

/** tfjs-core's own gradient, kept for the cases the kernel does not cover. */
let stockGradient: GradConfig | undefined;

const gradient: GradConfig = {
  kernelName: FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as (Tensor | undefined)[] as [Tensor, Tensor, Tensor, Tensor | undefined];
    const dyT = dy as Tensor;
    const C = x.shape[x.shape.length - 1];
    const fast =
      getKernel(BATCH_NORM_GRAD, getBackend()) != null &&
      x.dtype === 'float32' &&
      dyT.dtype === 'float32' &&
      util.arraysEqual(dyT.shape, x.shape) &&
      [mean, variance, scale].every((t) => perChannel(t, C));
    if (!fast) {
      if (!stockGradient) throw new Error('no gradient registered for FusedBatchNorm');
      return stockGradient.gradFunc(dy, saved, attrs);
    }
    const inputs: Record<string, Tensor> = { dy: dyT, x, mean, variance };
    if (scale) inputs.scale = scale;
    const [dx, dMean, dVar, dScale, dOffset] = engine().runKernel(BATCH_NORM_GRAD, inputs, {
      varianceEpsilon: (attrs as { varianceEpsilon: number }).varianceEpsilon,
    } as unknown as NamedAttrMap) as Tensor[];
    return {
      x: () => dx,
      mean: () => dMean,
      variance: () => dVar,
      scale: () => dScale,
      offset: () => dOffset,
    };
  },
};

/** Registers the two-pass gradient for FusedBatchNorm unless it is already the one in use. */
export function ensureBatchNormGradient(): void {
  const current = getGradient(FusedBatchNorm);
  if (current === gradient) return;
  if (current) stockGradient = current;
  registerGradient(gradient);
}

/** Whether the registered FusedBatchNorm gradient is this module's. */
export function batchNormGradientActive(): boolean {
  return getGradient(FusedBatchNorm) === gradient;
}
