/**
 * The kernels of the per-channel ops of ../channel-ops.ts, and their gradients.
 *
 * BnlenetChannelAffine, y = (x - center) * scale + shift [+ plus * plusScale], is one pass
 * of the project's wasm kernel channel_affine (../wasm-kernels/channels.ts), the same kernel the
 * FusedBatchNorm replacement runs, or, without the wasm kernels (cpu, or wasm where they did
 * not load), one JavaScript loop with the same float32 operations in the same order.
 * BnlenetChannelSums, Σ a and Σ a (b - center) per channel, is one pass of column sums
 * (column-sums.ts: wasm kernels or a JavaScript loop, both with a fixed order of addition),
 * and so is BnlenetChannelSquares, Σ (x - center)^2 per channel. BnlenetChannelMoments is
 * two passes of column sums (the total, then the squared deviations about the mean), with
 * the roundings of Mean, BnlenetChannelSquares and RealDiv run one after the other, so the
 * same bytes as those three kernels.
 * Each gives the same bytes however the work is split among threads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { util, type GradConfig, type KernelBackend, type KernelConfig, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { CHANNEL_AFFINE, CHANNEL_AFFINE_PLUS, CHANNEL_MOMENTS, CHANNEL_SQUARES, CHANNEL_SUMS, channelAffine as channelAffineOp, channelSums as channelSumsOp } from '../channel-ops';
import { channelAffineJob } from '../wasm-kernels/channels';
import { wasmKernels } from '../wasm-kernels';
import { channelTotals, gradientSums, squaredDeviationSums } from './column-sums';
import { allocF32, f32 } from '../wasm-kernels/heap';

/** The per-channel vector `t` as a float32 copy (C values), or C copies of `fallback`. */
function channelValues(backend: KernelBackend, t: TensorInfo | undefined, C: number, fallback: number, what: string): Float32Array {
  if (!t) return new Float32Array(C).fill(fallback);
  if (t.dtype !== 'float32' || util.sizeFromShape(t.shape) !== C) {
    throw new Error(`${what} must be float32 with one value per channel (${C}), got [${t.shape}]`);
  }
  return Float32Array.from(f32(backend, t));
}

/** BnlenetChannelAffine, or with `plus` BnlenetChannelAffinePlus (the same function). */
export function channelAffineConfig(backendName: string, plusTerm = false): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: be }) => {
    const backend = be as KernelBackend;
    const { x, scale, shift, center, plus, plusScale } = inputs as Record<string, TensorInfo | undefined>;
    if (!x || !scale || x.dtype !== 'float32' || x.shape.length === 0) throw new Error(`${CHANNEL_AFFINE}: float32 x and scale required`);
    const C = x.shape[x.shape.length - 1];
    if (plus && (plus.dtype !== 'float32' || !util.arraysEqual(plus.shape, x.shape))) {
      throw new Error(`${CHANNEL_AFFINE}: plus must be float32 of x's shape [${x.shape}], got [${plus.shape}]`);
    }
    // Copies, taken before any output is allocated (which may move tfjs's heap).
    const m = channelValues(backend, center, C, 0, `${CHANNEL_AFFINE}: center`);
    const s = channelValues(backend, scale, C, 1, `${CHANNEL_AFFINE}: scale`);
    const b = channelValues(backend, shift, C, 0, `${CHANNEL_AFFINE}: shift`);
    const q = plus ? channelValues(backend, plusScale, C, 0, `${CHANNEL_AFFINE}: plusScale`) : undefined;
    const kernels = wasmKernels(backend);
    if (kernels) {
      // The wasm kernel's two forms: b + (x - m) k, and (a + (x - m) b) + dy k.
      return plus && q ? channelAffineJob(kernels, backend, x, m, q, s, plus, b) : channelAffineJob(kernels, backend, x, m, s, b);
    }
    const out = allocF32(backend, x.shape);
    const xs = f32(backend, x);
    const ys = f32(backend, out);
    const fr = Math.fround;
    if (plus && q) {
      const ps = f32(backend, plus);
      for (let i = 0; i < ys.length; i++) {
        const c = i % C;
        ys[i] = fr(b[c] + fr(fr(xs[i] - m[c]) * s[c])) + fr(ps[i] * q[c]);
      }
    } else {
      for (let i = 0; i < ys.length; i++) {
        const c = i % C;
        ys[i] = b[c] + fr(fr(xs[i] - m[c]) * s[c]);
      }
    }
    return out;
  };
  return { kernelName: plusTerm ? CHANNEL_AFFINE_PLUS : CHANNEL_AFFINE, backendName, kernelFunc };
}

export function channelSumsConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: be }) => {
    const backend = be as KernelBackend;
    const { a, b, center } = inputs as Record<string, TensorInfo>;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length === 0 || !util.arraysEqual(a.shape, b.shape)) {
      throw new Error(`${CHANNEL_SUMS}: a and b must be float32 of one shape, got [${a.shape}] and [${b.shape}]`);
    }
    const C = a.shape[a.shape.length - 1];
    const m = channelValues(backend, center, C, 0, `${CHANNEL_SUMS}: center`);
    const { sumDy, sumDyXm } = gradientSums(backend, a, b, m, C);
    const outputs = [allocF32(backend, [C]), allocF32(backend, [C])];
    f32(backend, outputs[0]).set(sumDy);
    f32(backend, outputs[1]).set(sumDyXm);
    return outputs;
  };
  return { kernelName: CHANNEL_SUMS, backendName, kernelFunc };
}

export function channelSquaresConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: be }) => {
    const backend = be as KernelBackend;
    const { x, center } = inputs as Record<string, TensorInfo>;
    if (x.dtype !== 'float32' || x.shape.length === 0) throw new Error(`${CHANNEL_SQUARES}: float32 x required, got ${x.dtype}`);
    const C = x.shape[x.shape.length - 1];
    const squares = squaredDeviationSums(backend, x, channelValues(backend, center, C, 0, `${CHANNEL_SQUARES}: center`), C);
    const out = allocF32(backend, [C]);
    f32(backend, out).set(squares);
    return out;
  };
  return { kernelName: CHANNEL_SQUARES, backendName, kernelFunc };
}

export function channelMomentsConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: be }) => {
    const backend = be as KernelBackend;
    const { x } = inputs as Record<string, TensorInfo>;
    if (x.dtype !== 'float32' || x.shape.length === 0) throw new Error(`${CHANNEL_MOMENTS}: float32 x required, got ${x.dtype}`);
    const C = x.shape[x.shape.length - 1];
    const rows = util.sizeFromShape(x.shape) / C;
    const fr = Math.fround;
    // As the Mean kernel (reduce.ts) rounds it; then the squares about that float32 mean.
    const totals = channelTotals(backend, x, C);
    const mean = Float32Array.from(totals, (s) => s * (1 / rows));
    const squares = squaredDeviationSums(backend, x, mean, C);
    const outputs = [allocF32(backend, [C]), allocF32(backend, [C])];
    f32(backend, outputs[0]).set(mean);
    // A float32 sum divided by n in float32, as RealDiv of the two would.
    f32(backend, outputs[1]).set(Float32Array.from(squares, (s) => fr(s) / fr(rows)));
    return outputs;
  };
  return { kernelName: CHANNEL_MOMENTS, backendName, kernelFunc };
}

/** The gradient of y = (x - center) scale + shift [+ plus plusScale], in the ops themselves. */
function channelAffineGradFunc(dy: Tensor | Tensor[], saved: Tensor[]): Record<string, () => Tensor> {
  const g = dy as Tensor;
  const [x, scale, center, plus, plusScale] = saved as tf.Tensor1D[];
  // Both sums come from one pass, taken here: the engine runs each closure below in a tidy of
  // its own, which would dispose the sum one closure took for another.
  const { sum, dot } = channelSumsOp(g, x, center);
  const grads: Record<string, () => Tensor> = {
    x: () => channelAffineOp(g, scale),
    scale: () => dot,
    shift: () => sum,
    center: () => tf.neg(tf.mul(sum, scale)),
  };
  if (plus && plusScale) {
    grads.plus = () => channelAffineOp(g, plusScale);
    grads.plusScale = () => channelSumsOp(g, plus, tf.zerosLike(plusScale)).dot;
  }
  return grads;
}

export const channelAffineGradient: GradConfig = {
  kernelName: CHANNEL_AFFINE,
  inputsToSave: ['x', 'scale', 'center'],
  gradFunc: channelAffineGradFunc,
};

export const channelAffinePlusGradient: GradConfig = {
  kernelName: CHANNEL_AFFINE_PLUS,
  inputsToSave: ['x', 'scale', 'center', 'plus', 'plusScale'],
  gradFunc: channelAffineGradFunc,
};

export const channelSumsGradient: GradConfig = {
  kernelName: CHANNEL_SUMS,
  inputsToSave: ['a', 'b', 'center'],
  outputsToSave: [true, false],
  gradFunc: (dy, saved) => {
    const [a, b, center, sum] = saved as tf.Tensor1D[];
    const [dSum, dDot] = (dy as (Tensor | null)[]).map((d) => (d ?? tf.zerosLike(sum)) as tf.Tensor1D);
    return {
      // d/da: dSum + dDot (b - center); d/db: dDot a; d/dcenter: -dDot Σ a.
      a: () => channelAffineOp(b, dDot, { center, shift: dSum }),
      b: () => channelAffineOp(a, dDot),
      center: () => tf.neg(tf.mul(dDot, sum)),
    };
  },
};

export const channelSquaresGradient: GradConfig = {
  kernelName: CHANNEL_SQUARES,
  inputsToSave: ['x', 'center'],
  gradFunc: (dy, saved) => {
    const dS = dy as tf.Tensor1D;
    const [x, center] = saved as [Tensor, tf.Tensor1D];
    return {
      // d/dx: 2 dS (x - center); d/dcenter: -2 dS Σ (x - center).
      x: () => channelAffineOp(x, tf.mul(dS, 2) as tf.Tensor1D, { center }),
      center: () => {
        const axes = x.shape.slice(0, -1).map((_, i) => i);
        return tf.mul(tf.sub(tf.sum(x, axes), tf.mul(center, x.size / center.size)), tf.mul(dS, -2));
      },
    };
  },
};

export const channelMomentsGradient: GradConfig = {
  kernelName: CHANNEL_MOMENTS,
  inputsToSave: ['x'],
  outputsToSave: [true, false],
  gradFunc: (dy, saved) => {
    const [x, mean] = saved as [Tensor, tf.Tensor1D];
    const [dMean, dVariance] = (dy as (Tensor | null)[]).map((d) => (d ?? tf.zerosLike(mean)) as tf.Tensor1D);
    const n = x.size / mean.size;
    // d/dx: dmean / n + dvar 2 (x - mean) / n, one affine map per channel.
    return { x: () => channelAffineOp(x, tf.mul(dVariance, 2 / n) as tf.Tensor1D, { center: mean, shift: tf.div(dMean, n) as tf.Tensor1D }) };
  },
};
