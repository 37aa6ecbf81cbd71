/**
 * BatchMatMul and _FusedMatMul (linear activation) on wasm. For one matrix each (LeNet's
 * dense layers) in the project's wasm kernels where they are loaded (../wasm-kernels/matmul.ts).
 * Otherwise BatchMatMul with transposed operands materialized first: the stock kernel runs a
 * transposed operand through a slow path (about 10x slower than an explicit Transpose
 * followed by XNNPACK's plain GEMM for the dense-layer gradients of LeNet); _FusedMatMul
 * likewise (its stock kernel also gets a transposed A wrong).
 */
import {
  BatchMatMul,
  util,
  _FusedMatMul,
  type BatchMatMulAttrs,
  type KernelConfig,
  type NamedAttrMap,
  type TensorInfo,
  type _FusedMatMulAttrs,
} from '@tensorflow/tfjs-core';
import { matMul, matMulFits } from '../wasm-kernels/matmul';
import { wasmKernels } from '../wasm-kernels';
import { defineKernel, kernelOps } from './stock';

/** Swaps the last two axes. */
function swapLast(shape: readonly number[]): number[] {
  const perm = shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
  return perm;
}

export function batchMatMulConfig(backendName: string): KernelConfig {
  return defineKernel<BatchMatMulAttrs>(BatchMatMul, backendName, (inputs, attrs, backend) => {
    const { transposeA, transposeB } = attrs;
    const kernels = wasmKernels(backend);
    if (kernels && matMulFits(inputs.a, inputs.b, transposeA, transposeB)) {
      return matMul(kernels, backend, inputs.a, inputs.b, transposeA, transposeB);
    }
    const ops = kernelOps(backendName, backend);
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

export function fusedMatMulConfig(backendName: string): KernelConfig {
  return defineKernel<_FusedMatMulAttrs>(_FusedMatMul, backendName, (inputs, attrs, backend) => {
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined> & { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB, activation } = attrs;
    const kernels = wasmKernels(backend);
    const N = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const biasFits = !bias || (bias.dtype === 'float32' && util.sizeFromShape(bias.shape) === N && bias.shape[bias.shape.length - 1] === N);
    if (kernels && (activation ?? 'linear') === 'linear' && !preluActivationWeights && biasFits && matMulFits(a, b, transposeA, transposeB)) {
      return matMul(kernels, backend, a, b, transposeA, transposeB, bias);
    }
    // The stock kernel gets a transposed A wrong (tfjs-backend-wasm 4.22): operands are
    // materialized untransposed, as for BatchMatMul above.
    const ops = kernelOps(backendName, backend);
    const aPlain = transposeA ? ops.transpose(a, swapLast(a.shape)) : a;
    const bPlain = transposeB ? ops.transpose(b, swapLast(b.shape)) : b;
    const out = ops.run(_FusedMatMul, { ...inputs, a: aPlain, b: bPlain }, { ...attrs, transposeA: false, transposeB: false } as unknown as NamedAttrMap);
    ops.free(...[aPlain, bPlain].filter((t, i) => t !== [a, b][i]));
    return out;
  });
}
