/**
 * BatchMatMul on wasm with transposed operands materialized first: the stock kernel runs a
 * transposed operand through a slow path (about 10x slower than an explicit Transpose
 * followed by XNNPACK's plain GEMM for the dense-layer gradients of LeNet).
 */
import { BatchMatMul, type BatchMatMulAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { defineKernel, kernelOps, rememberStock } from './stock';

/** Swaps the last two axes. */
function swapLast(shape: readonly number[]): number[] {
  const perm = shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
  return perm;
}

export function batchMatMulConfig(backendName: string): KernelConfig {
  rememberStock(BatchMatMul, backendName);
  return defineKernel<BatchMatMulAttrs>(BatchMatMul, backendName, (inputs, attrs, backend) => {
    const ops = kernelOps(backendName, backend);
    const { transposeA, transposeB } = attrs;
    const temps: TensorInfo[] = [];
    const plain = (t: TensorInfo, transposed: boolean): TensorInfo => {
      if (!transposed) return t;
      const u = ops.transpose(t, swapLast(t.shape));
      temps.push(u);
      return u;
    };
    const a = plain(inputs.a, transposeA);
    const b = plain(inputs.b, transposeB);
    const out = ops.run(BatchMatMul, { a, b }, { transposeA: false, transposeB: false });
    ops.free(...temps);
    return out;
  });
}
