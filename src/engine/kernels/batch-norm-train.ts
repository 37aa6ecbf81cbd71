/**
 * The built-in BatchNorm's training step as one differentiable kernel.
 *
 * tfjs-layers normalizes a training batch as tf.moments(x) followed by tf.batchNorm(x, mean,
 * variance, beta, gamma). Differentiated as two nodes, the input gradient is two full-size
 * passes (FusedBatchNorm's dx = dy * k, and the gradient of the moments through mean and
 * variance) plus a full-size Add of the two. When the statistics given to tf.batchNorm are
 * exactly the moments of the same x (as the project's tf.moments returns them, see
 * moments.ts), the whole thing is the usual batch-norm function of x, gamma and beta, whose
 * gradient is, per channel c with n values, k = gamma / sqrt(var + eps), r = 1 / sqrt(var + eps):
 *
 *   dbeta = sum dy     dgamma = r sum dy (x - mean)
 *   dx = k (dy - dbeta / n - (x - mean) r^2 sum dy (x - mean) / n)
 *
 * (the same function the project's own BatchNorm differentiates by hand). Here
 * tf.batchNorm's forward runs the project's FusedBatchNorm kernel on the statistics, as
 * before, inside the kernel BnlenetBatchNormTrain whose tape inputs are only x, gamma and
 * beta; so the moments node, whose outputs then feed only the moving averages, is not
 * differentiated at all, and the input gradient is one JS pass for the two sums and four
 * XNNPACK passes for dx (row broadcasts, see channelBroadcast in binary.ts). The statistics
 * reach the kernel beside its inputs (they are not inputs of the function it computes),
 * and it returns copies of them as extra outputs for the gradient.
 *
 * Anything else (statistics from elsewhere, missing gamma or beta, other dtypes or shapes)
 * goes to tfjs-core's tf.batchNorm unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import tfExports = require('@tensorflow/tfjs-core');
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
import { allocF32, f32 } from './heap';
import { kernelOps } from './stock';
import { momentsSource } from './moments';

export const BATCH_NORM_TRAIN = 'BnlenetBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'BnlenetBatchNormTrainGrad';

/** The statistics for the next BnlenetBatchNormTrain call, set just before it runs. */
let pending: { mean: TensorInfo; variance: TensorInfo } | undefined;

export function batchNormTrainConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: be, attrs }) => {
    const backend = be as KernelBackend;
    const stats = pending;
    pending = undefined;
    if (!stats) throw new Error(`${BATCH_NORM_TRAIN}: called without its statistics`);
    const { x, scale, offset } = inputs as Record<string, TensorInfo>;
    const forward = getKernel(FusedBatchNorm, backendName);
    if (!forward) throw new Error(`${BATCH_NORM_TRAIN}: no FusedBatchNorm kernel on ${backendName}`);
    const y = forward.kernelFunc({ inputs: { x, mean: stats.mean, variance: stats.variance, scale, offset }, backend, attrs }) as TensorInfo;
    const copies = [stats.mean, stats.variance].map((t) => {
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
    const outputs = [allocF32(backend, scale.shape), allocF32(backend, mean.shape)];
    const [dScale, dOffset] = outputs.map((t) => f32(backend, t));
    const kv = new Float64Array(C);
    const av = new Float64Array(C);
    const bv = new Float64Array(C);
    const g = f32(backend, dy);
    const xs = f32(backend, x);
    const m = f32(backend, mean);
    const v = f32(backend, variance);
    const s = f32(backend, scale);
    const total = xs.length;
    const n = total / C;
    // Per channel: sum dy and sum dy (x - mean), in blocks of rows that stay in cache while
    // each channel is summed, with two float64 partial sums each (fixed order).
    const partial = new Float64Array(4 * C);
    const blockRows = Math.max(2, Math.floor(8192 / C / 2) * 2);
    const blockLength = blockRows * C;
    for (let start = 0; start < total; start += blockLength) {
      const end = Math.min(total, start + blockLength);
      for (let c = 0; c < C; c++) {
        const mc = m[c];
        let d0 = partial[4 * c];
        let d1 = partial[4 * c + 1];
        let p0 = partial[4 * c + 2];
        let p1 = partial[4 * c + 3];
        let i = start + c;
        for (; i + C < end; i += 2 * C) {
          const ga = g[i];
          const gb = g[i + C];
          d0 += ga;
          d1 += gb;
          p0 += ga * (xs[i] - mc);
          p1 += gb * (xs[i + C] - mc);
        }
        for (; i < end; i += C) {
          d0 += g[i];
          p0 += g[i] * (xs[i] - mc);
        }
        partial[4 * c] = d0;
        partial[4 * c + 1] = d1;
        partial[4 * c + 2] = p0;
        partial[4 * c + 3] = p1;
      }
    }
    for (let c = 0; c < C; c++) {
      const mc = m[c];
      const sumDy = partial[4 * c] + partial[4 * c + 1];
      const sumDyXm = partial[4 * c + 2] + partial[4 * c + 3];
      const r = 1 / Math.sqrt(v[c] + epsilon);
      const k = s[c] * r;
      dOffset[c] = sumDy;
      dScale[c] = sumDyXm * r;
      // dx = k dy + b x + (a - b mean), with a = -k sum dy / n, b = -k r^2 sum dy (x - mean) / n
      const b = (-k * r * r * sumDyXm) / n;
      kv[c] = k;
      bv[c] = b;
      av[c] = (-k * sumDy) / n - b * mc;
    }
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

const gradient: GradConfig = {
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, scale, mean, variance] = saved;
    const dyT = (Array.isArray(dy) ? dy[0] : dy) as Tensor;
    const [dx, dScale, dOffset] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAIN_GRAD, { dy: dyT, x, mean, variance, scale }, attrs as NamedAttrMap) as Tensor[];
    return { x: () => dx, scale: () => dScale, offset: () => dOffset };
  },
};

type BatchNormOp = typeof tf.batchNorm;
const enabledBackends = new Set<string>();
const stockOps: Partial<Record<'batchNorm' | 'batchNorm2d' | 'batchNorm4d', BatchNormOp>> = {};

function perChannel(t: unknown, C: number): t is Tensor {
  return t instanceof tf.Tensor && t.dtype === 'float32' && t.rank === 1 && t.shape[0] === C;
}

function wrap(name: 'batchNorm' | 'batchNorm2d' | 'batchNorm4d'): BatchNormOp {
  const op = (
    x: Tensor | tf.TensorLike,
    mean: Tensor | tf.TensorLike,
    variance: Tensor | tf.TensorLike,
    offset?: Tensor | tf.TensorLike,
    scale?: Tensor | tf.TensorLike,
    varianceEpsilon?: number,
  ): Tensor => {
    const stock = stockOps[name];
    if (!stock) throw new Error(`internal: ${name} installed without the stock op`);
    if (
      enabledBackends.has(tf.getBackend()) &&
      x instanceof tf.Tensor &&
      x.dtype === 'float32' &&
      x.rank >= 2 &&
      mean instanceof tf.Tensor &&
      variance instanceof tf.Tensor &&
      momentsSource(mean, variance) === x
    ) {
      const C = x.shape[x.rank - 1];
      if (perChannel(mean, C) && perChannel(variance, C) && perChannel(offset, C) && perChannel(scale, C)) {
        pending = { mean, variance };
        try {
          const [y, meanCopy, varianceCopy] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, scale, offset }, {
            varianceEpsilon: varianceEpsilon ?? 0.001,
          } as unknown as NamedAttrMap) as Tensor[];
          tf.dispose([meanCopy, varianceCopy]);
          return y;
        } finally {
          pending = undefined;
        }
      }
    }
    return stock(x, mean, variance, offset, scale, varianceEpsilon);
  };
  return op as unknown as BatchNormOp;
}

const wrappers = {
  batchNorm: wrap('batchNorm'),
  batchNorm2d: wrap('batchNorm2d'),
  batchNorm4d: wrap('batchNorm4d'),
};

/** Routes tf.batchNorm{,2d,4d} of moments on `backendName` through the kernel. Idempotent. */
export function enableBatchNormTrain(backendName: string): void {
  enabledBackends.add(backendName);
  if (tf.getGradient(BATCH_NORM_TRAIN) !== gradient) tf.registerGradient(gradient);
  const target = tfExports as unknown as Record<string, BatchNormOp>;
  for (const name of ['batchNorm', 'batchNorm2d', 'batchNorm4d'] as const) {
    if (target[name] !== wrappers[name]) {
      stockOps[name] = target[name];
      target[name] = wrappers[name];
    }
  }
}

export function disableBatchNormTrain(backendName?: string): void {
  if (backendName === undefined) enabledBackends.clear();
  else enabledBackends.delete(backendName);
}

export function batchNormTrainEnabled(backendName: string): boolean {
  return enabledBackends.has(backendName) && (tfExports as unknown as Record<string, unknown>).batchNorm4d === wrappers.batchNorm4d;
}
