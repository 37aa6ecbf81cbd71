/**
 * FusedBatchNorm (normalisation with given mean and variance: both BatchNorms in inference,
 * and tf.batchNorm of statistics that are not the batch's own) for float32 with per-channel statistics:
 * y = (x - mean[c]) * k[c] + offset[c] with k = scale / sqrt(var + eps) computed once per
 * channel: one pass in the project's wasm kernels (../wasm-kernels/channels.ts) where they are
 * loaded, else three XNNPACK passes (Sub, Multiply, Add) against the per-channel vectors
 * repeated into rows (see channelBroadcast in binary.ts, which beats vectors expanded to the
 * full shape). The stock wasm kernel computes indices and the factor per element, and a
 * JavaScript loop is no faster.
 * Statistics that are not per-channel (or scalar) go to stock. Registered for cpu as well.
 */
import {
  Add,
  FusedBatchNorm,
  Multiply,
  Sub,
  util,
  type FusedBatchNormAttrs,
  type KernelConfig,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { f32 } from '../wasm-kernels/heap';
import { defineKernel, kernelOps, runStock } from './stock';
import { channelAffineJob } from '../wasm-kernels/channels';
import { wasmKernels } from '../wasm-kernels';
import { channelBroadcast } from './binary';

export function fusedBatchNormConfig(backendName: string): KernelConfig {
  return defineKernel<FusedBatchNormAttrs>(FusedBatchNorm, backendName, (inputs, attrs, backend) => {
    const { x, mean, variance, offset, scale } = inputs;
    const C = x.shape[x.shape.length - 1] ?? 1;
    const stats = [mean, variance, offset, scale].filter((t): t is TensorInfo => t != null);
    const perChannel = (t: TensorInfo): boolean => {
      const n = util.sizeFromShape(t.shape);
      return t.dtype === 'float32' && (n === 1 || (n === C && t.shape[t.shape.length - 1] === C));
    };
    if (x.dtype !== 'float32' || x.shape.length === 0 || !stats.every(perChannel)) {
      return runStock(FusedBatchNorm, backendName, backend, inputs, attrs as unknown as NamedAttrMap);
    }
    const channel = (t: TensorInfo | undefined, fallback: number): Float64Array => {
      const v = new Float64Array(C).fill(fallback);
      if (t) {
        const data = f32(backend, t);
        for (let c = 0; c < C; c++) v[c] = data.length === 1 ? data[0] : data[c];
      }
      return v;
    };
    const m = channel(mean, 0);
    const k = channel(scale, 1);
    const b = channel(offset, 0);
    const vari = channel(variance, 1);
    for (let c = 0; c < C; c++) k[c] /= Math.sqrt(vari[c] + attrs.varianceEpsilon);
    const kernels = wasmKernels(backend);
    if (kernels) return channelAffineJob(kernels, backend, x, m, k, b);
    const ops = kernelOps(backendName, backend);
    const centered = channelBroadcast(Sub, backendName, backend, x, m);
    const scaled = channelBroadcast(Multiply, backendName, backend, centered, k);
    const out = channelBroadcast(Add, backendName, backend, scaled, b);
    ops.free(centered, scaled);
    return out;
  });
}
