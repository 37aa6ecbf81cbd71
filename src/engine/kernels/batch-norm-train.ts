/**
 * The built-in BatchNorm's training step as one differentiable kernel.
 *
 * tfjs-layers normalizes a training batch as tf.moments(x) followed by tf.batchNorm(x, mean,
 * variance, beta, gamma). Differentiated as two nodes, the input gradient is two full-size
 * passes (FusedBatchNorm's dx = dy * k, and the gradient of the moments through mean and
 * variance) plus a full-size Add of the two. When the statistics given to tf.batchNorm are
 * exactly the moments of the same x (../layer-ops.ts checks that and calls this kernel), the
 * whole thing is the usual batch-norm function of x, gamma and beta, whose gradient is, per
 * channel c with n values, k = gamma / sqrt(var + eps), r = 1 / sqrt(var + eps):
 *
 *   dbeta = sum dy     dgamma = r sum dy (x - mean)
 *   dx = k (dy - dbeta / n - (x - mean) r^2 sum dy (x - mean) / n)
 *
 * (the same function the project's own BatchNorm differentiates by hand). BnlenetBatchNormTrain
 * runs the project's FusedBatchNorm kernel on the statistics; its tape inputs are only x,
 * gamma and beta, so the moments node, whose outputs then feed only the moving averages, is
 * not differentiated at all, and the input gradient is one pass for the two sums
 * (column-sums.ts) and one for dx in the project's wasm kernels (../simd/channels.ts), or,
 * where they are not loaded, four XNNPACK passes (row broadcasts, see channelBroadcast in
 * binary.ts). The statistics reach the kernel as attributes (they are not inputs of the
 * function it computes), and it returns copies of them as extra outputs for the gradient,
 * since the layer disposes its own tensors when its call ends.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Add,
  FusedBatchNorm,
  Multiply,
  getKernel,
  util,
  type GradConfig,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { channelBroadcast } from './binary';
import { gradientSums } from './column-sums';
import { channelAffine } from '../simd/channels';
import { wasmKernels } from '../simd';
import { allocF32, f32 } from './heap';
import { kernelOps } from './stock';

export const BATCH_NORM_TRAIN = 'BnlenetBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'BnlenetBatchNormTrainGrad';

export interface BatchNormTrainAttrs {
  varianceEpsilon: number;
  /** The batch moments of x (per channel), as tf.moments returned them. */
  mean: TensorInfo;
  variance: TensorInfo;
}

export function batchNormTrainConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: be, attrs }) => {
    const backend = be as KernelBackend;
    const { mean, variance, varianceEpsilon } = attrs as unknown as BatchNormTrainAttrs;
    const { x, scale, offset } = inputs as Record<string, TensorInfo>;
    const forward = getKernel(FusedBatchNorm, backendName);
    if (!forward) throw new Error(`${BATCH_NORM_TRAIN}: no FusedBatchNorm kernel on ${backendName}`);
    const y = forward.kernelFunc({
      inputs: { x, mean, variance, scale, offset },
      backend,
      attrs: { varianceEpsilon } as unknown as NamedAttrMap,
    }) as TensorInfo;
    const copies = [mean, variance].map((t) => {
      const out = allocF32(backend, t.shape);
      f32(backend, out).set(f32(backend, t));
      return out;
    });
    return [y, ...copies];
  };
  return { kernelName: BATCH_NORM_TRAIN, backendName, kernelFunc };
}

export function batchNormTrainGradConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: be, attrs }) => {
    const backend = be as KernelBackend;
    const { dy, x, mean, variance, scale } = inputs as Record<string, TensorInfo>;
    const epsilon = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
    const C = util.sizeFromShape(mean.shape);
    const n = util.sizeFromShape(x.shape) / C;
    const m = Float64Array.from(f32(backend, mean));
    const v = Float64Array.from(f32(backend, variance));
    const s = Float64Array.from(f32(backend, scale));
    const { sumDy, sumDyXm } = gradientSums(backend, dy, x, f32(backend, mean), C);
    const kv = new Float64Array(C);
    const av = new Float64Array(C);
    const bv = new Float64Array(C);
    const outputs = [allocF32(backend, scale.shape), allocF32(backend, mean.shape)];
    const [dScale, dOffset] = outputs.map((t) => f32(backend, t));
    for (let c = 0; c < C; c++) {
      const r = 1 / Math.sqrt(v[c] + epsilon);
      const k = s[c] * r;
      dOffset[c] = sumDy[c];
      dScale[c] = sumDyXm[c] * r;
      // dx = k dy + b (x - mean) + a, with a = -k sum dy / n, b = -k r^2 sum dy (x - mean) / n
      kv[c] = k;
      bv[c] = (-k * r * r * sumDyXm[c]) / n;
      av[c] = (-k * sumDy[c]) / n;
    }
    const kernels = wasmKernels(backend);
    if (kernels) return [channelAffine(kernels, backend, x, m, kv, bv, dy, av), ...outputs];
    // The same as k dy + b x + (a - b mean), in four XNNPACK passes.
    for (let c = 0; c < C; c++) av[c] -= bv[c] * m[c];
    const ops = kernelOps(backendName, backend);
    const scaledDy = channelBroadcast(Multiply, backendName, backend, dy, kv);
    const scaledX = channelBroadcast(Multiply, backendName, backend, x, bv);
    const sum = ops.run(Add, { a: scaledDy, b: scaledX });
    const dx = channelBroadcast(Add, backendName, backend, sum, av);
    ops.free(scaledDy, scaledX, sum);
    return [dx, ...outputs];
  };
  return { kernelName: BATCH_NORM_TRAIN_GRAD, backendName, kernelFunc };
}

export const batchNormTrainGradient: GradConfig = {
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, scale, mean, variance] = saved;
    const dyT = (Array.isArray(dy) ? dy[0] : dy) as Tensor;
    const [dx, dScale, dOffset] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAIN_GRAD, { dy: dyT, x, mean, variance, scale }, {
        varianceEpsilon: (attrs as unknown as BatchNormTrainAttrs).varianceEpsilon,
      }) as Tensor[];
    return { x: () => dx, scale: () => dScale, offset: () => dOffset };
  },
};

