/**
 * Add, Sub, Multiply and RealDiv, Square as x * x, and Neg.
 *
 * Add, Sub, Multiply and RealDiv where one float32 operand repeats along the other
 * (channel broadcast, see broadcast.ts). XNNPACK broadcasts by calling its kernel once per
 * innermost row, which for C = 6 is one call per 6 elements. So the small operand (period P)
 * is repeated k times into one row of P*k (512 to 4096) elements, the other operand viewed
 * as rows of that length, and the stock kernel broadcasts the row: one call per few
 * thousand elements, and no full-size copy of the small operand (3x faster on LeNet's
 * [256,24,24,6] op [6] than expanding it to the full shape with block copies, tile.ts,
 * which stays for sizes with no such row). Both are 3-10x faster than a JavaScript loop.
 * Where the project's wasm kernels are loaded, one pass of theirs does it instead, and
 * operands of one shape go to them too, split among the threads (../wasm-kernels/elementwise.ts).
 *
 * Small float32 outputs (the loss's [256,10] op [256,1], the optimizer's and the moving
 * averages' updates of small variables) run as one JavaScript loop, which beats a kernel call
 * into XNNPACK at that size. Larger ones with no period, and other dtypes, go to the stock
 * kernel. Square runs as x * x in the wasm kernels where they are loaded, else stock; so
 * does Neg, whose stock kernel runs through XNNPACK's thread pool, whose wake-up cost about
 * 0.3 ms a call on this workplace's 2-core machine (more under load): more than the loss's
 * whole [256, 10] takes to negate.
 */
import { backend_util, Multiply, Neg, Square, util, type KernelBackend, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { elementwiseBinary, negate, periodicBinary, type BinaryOp } from '../wasm-kernels/elementwise';
import { wasmKernels } from '../wasm-kernels';
import { periodOf } from './broadcast';
import { allocF32, f32 } from '../wasm-kernels/heap';
import { defineKernel, kernelOps, runStock } from './stock';
import { repeatF32, tileF32 } from './tile';

/**
 * Outputs up to this many elements are computed in one JavaScript loop: a stock kernel call
 * costs more than the loop at these sizes (and XNNPACK's broadcast calls its kernel per row).
 * The loop rounds each float64 result to float32, which is the float32 operation's result.
 */
export const SMALL_BROADCAST = 1 << 14;
/** The same for operands of the output's shape, which XNNPACK does in one call. */
export const SMALL_SAME_SHAPE = 1 << 10;

/** The kernels this module serves, all elementwise. */
const ELEMENTWISE = new Set(['Add', 'Sub', 'Multiply', 'RealDiv']);

/** Strides of `shape` left-padded to `rank`, 0 along broadcast (size-1) axes. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = padded[d] === 1 && outShape[d] !== 1 ? 0 : stride;
    stride *= padded[d];
  }
  return strides;
}

/**
 * out[o + j] = a[ia + j*sa] op b[ib + j*sb] for j < n: one row of the broadcast; strides are
 * 1 (a row of the operand) or 0 (one value along the row). One loop per op and stride pattern,
 * so that each stays monomorphic; results are float64 rounded to float32 on store.
 */
function rowLoop(op: string, out: Float32Array, o: number, n: number, a: Float32Array, ia: number, sa: number, b: Float32Array, ib: number, sb: number): void {
  switch (op) {
    case 'Add':
      if (sa === 1 && sb === 1) for (let j = 0; j < n; j++) out[o + j] = a[ia + j] + b[ib + j];
      else if (sa === 1) for (let j = 0, y = b[ib]; j < n; j++) out[o + j] = a[ia + j] + y;
      else if (sb === 1) for (let j = 0, x = a[ia]; j < n; j++) out[o + j] = x + b[ib + j];
      else out.fill(a[ia] + b[ib], o, o + n);
      return;
    case 'Sub':
      if (sa === 1 && sb === 1) for (let j = 0; j < n; j++) out[o + j] = a[ia + j] - b[ib + j];
      else if (sa === 1) for (let j = 0, y = b[ib]; j < n; j++) out[o + j] = a[ia + j] - y;
      else if (sb === 1) for (let j = 0, x = a[ia]; j < n; j++) out[o + j] = x - b[ib + j];
      else out.fill(a[ia] - b[ib], o, o + n);
      return;
    case 'Multiply':
      if (sa === 1 && sb === 1) for (let j = 0; j < n; j++) out[o + j] = a[ia + j] * b[ib + j];
      else if (sa === 1) for (let j = 0, y = b[ib]; j < n; j++) out[o + j] = a[ia + j] * y;
      else if (sb === 1) for (let j = 0, x = a[ia]; j < n; j++) out[o + j] = x * b[ib + j];
      else out.fill(a[ia] * b[ib], o, o + n);
      return;
    default:
      if (sa === 1 && sb === 1) for (let j = 0; j < n; j++) out[o + j] = a[ia + j] / b[ib + j];
      else if (sa === 1) for (let j = 0, y = b[ib]; j < n; j++) out[o + j] = a[ia + j] / y;
      else if (sb === 1) for (let j = 0, x = a[ia]; j < n; j++) out[o + j] = x / b[ib + j];
      else out.fill(a[ia] / b[ib], o, o + n);
  }
}

/** out = a op b over the output in order, with broadcasting, a row of the last axis at a time. */
function broadcastLoop(
  op: string,
  out: Float32Array,
  outShape: readonly number[],
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
): void {
  const rank = outShape.length;
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const n = outShape[rank - 1];
  if (rank <= 2) {
    const [ra, rb] = rank === 2 ? [sa[0], sb[0]] : [0, 0];
    for (let r = 0, o = 0; o < out.length; r++, o += n) rowLoop(op, out, o, n, a, r * ra, sa[rank - 1], b, r * rb, sb[rank - 1]);
    return;
  }
  const index = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < out.length; o += n) {
    rowLoop(op, out, o, n, a, ia, sa[rank - 1], b, ib, sb[rank - 1]);
    for (let d = rank - 2; d >= 0; d--) {
      index[d] += 1;
      ia += sa[d];
      ib += sb[d];
      if (index[d] < outShape[d]) break;
      ia -= sa[d] * outShape[d];
      ib -= sb[d] * outShape[d];
      index[d] = 0;
    }
  }
}

/** Rows of XNNPACK's broadcast are at least this long (elements), at most ROW_MAX. */
const ROW_MIN = 512;
const ROW_MAX = 4096;

/** The largest k dividing `rows` with period * k <= ROW_MAX, or 0 if period * k < ROW_MIN. */
function rowRepeats(rows: number, period: number): number {
  for (let k = Math.min(rows, Math.floor(ROW_MAX / period)); k >= 1; k--) {
    if (rows % k === 0) return period * k >= ROW_MIN ? k : 0;
  }
  return 0;
}

/**
 * `big` op `period` repeated along big's flat memory (or `period` op `big` if periodFirst),
 * through XNNPACK's row broadcast where a long row exists, else a full-size expansion.
 */
export function channelBroadcast(
  kernelName: string,
  backendName: string,
  backend: KernelBackend,
  big: TensorInfo,
  period: ArrayLike<number>,
  periodFirst = false,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const ops = kernelOps(backendName, backend);
  const size = util.sizeFromShape(big.shape);
  const k = rowRepeats(size / period.length, period.length);
  if (k === 0) {
    const expanded = repeatF32(backend, period, big.shape);
    const out = ops.run(kernelName, periodFirst ? { a: expanded, b: big } : { a: big, b: expanded }, attrs);
    ops.free(expanded);
    return out;
  }
  const rowLength = period.length * k;
  const row = repeatF32(backend, period, [1, rowLength]);
  const rows = ops.reshape(big, [size / rowLength, rowLength]);
  const flat = ops.run(kernelName, periodFirst ? { a: row, b: rows } : { a: rows, b: row }, attrs);
  const out = ops.reshape(flat, big.shape);
  ops.free(row, rows, flat);
  return out;
}

export function broadcastBinaryConfig(kernelName: string, backendName: string): KernelConfig {
  return defineKernel<NamedAttrMap>(kernelName, backendName, (inputs, attrs, backend) => {
    const { a, b } = inputs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') {
      return runStock(kernelName, backendName, backend, inputs, attrs);
    }
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const full = (t: TensorInfo): boolean => t.shape.length === outShape.length && t.shape.every((d, i) => d === outShape[i]);
    const size = util.sizeFromShape(outShape);
    if (ELEMENTWISE.has(kernelName) && size <= (full(a) && full(b) ? SMALL_SAME_SHAPE : SMALL_BROADCAST)) {
      const out = allocF32(backend, outShape);
      const rows = outShape.length === 0 ? [1] : outShape;
      broadcastLoop(kernelName, f32(backend, out), rows, f32(backend, a), a.shape, f32(backend, b), b.shape);
      return out;
    }
    const kernels = wasmKernels(backend);
    if (kernels && full(a) && full(b)) return elementwiseBinary(kernels, backend, kernelName as BinaryOp, a, b);
    const expand = full(a) && periodOf(b.shape, outShape) !== undefined ? 'b' : full(b) && periodOf(a.shape, outShape) !== undefined ? 'a' : undefined;
    if (!expand) return runStock(kernelName, backendName, backend, inputs, attrs);
    const small = inputs[expand];
    const period = periodOf(small.shape, outShape) as number;
    if (kernels && ELEMENTWISE.has(kernelName)) {
      const big = inputs[expand === 'a' ? 'b' : 'a'];
      // A copy: the view would not survive the heap growing when the output is allocated.
      const values = Float32Array.from(f32(backend, small));
      const out = periodicBinary(kernels, backend, kernelName as BinaryOp, big, values, expand === 'a');
      if (out) return out;
    }
    if (rowRepeats(size / period, period) > 0) {
      const big = inputs[expand === 'a' ? 'b' : 'a'];
      return channelBroadcast(kernelName, backendName, backend, big, f32(backend, small), expand === 'a', attrs);
    }
    const padded = [...outShape.slice(0, outShape.length - small.shape.length).map(() => 1), ...small.shape];
    const ops = kernelOps(backendName, backend);
    const reshaped = ops.reshape(small, padded);
    const expanded = tileF32(backend, reshaped, outShape.map((d, i) => d / padded[i]));
    const out = ops.run(kernelName, { ...inputs, [expand]: expanded }, attrs);
    ops.free(reshaped, expanded);
    return out;
  });
}

export function squareConfig(backendName: string): KernelConfig {
  return defineKernel<NamedAttrMap>(Square, backendName, (inputs, attrs, backend) => {
    const { x } = inputs;
    const kernels = wasmKernels(backend);
    if (!kernels || x.dtype !== 'float32') return runStock(Square, backendName, backend, inputs, attrs);
    return elementwiseBinary(kernels, backend, Multiply, x, x);
  });
}

export function negConfig(backendName: string): KernelConfig {
  return defineKernel<NamedAttrMap>(Neg, backendName, (inputs, attrs, backend) => {
    const kernels = wasmKernels(backend);
    if (!kernels || inputs.x.dtype !== 'float32') return runStock(Neg, backendName, backend, inputs, attrs);
    return negate(kernels, backend, inputs.x);
  });
}
