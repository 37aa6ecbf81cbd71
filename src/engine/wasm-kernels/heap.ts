/**
 * Direct access to tensor memory, for kernels written in JavaScript that run on the wasm
 * backend's heap (and on the cpu backend's arrays). XNNPACK is fast at convolutions and
 * matrix products, but its broadcasting elementwise ops and the wasm backend's reductions
 * and Tile go through per-row calls or strided loops that are slow for the
 * [N,H,W,C]-with-small-C tensors of a convnet; a plain loop over contiguous memory is
 * 10-20x faster for those.
 *
 * A view on the wasm heap is invalidated when the heap grows, which any allocation may
 * cause: allocate every output first, then take views.
 */
import { util, type DataType, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';

interface WasmLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array; wasmMemory?: { buffer: ArrayBufferLike } };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  incRef(dataId: object): void;
}

interface CpuLike {
  data: { get(dataId: object): { values: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array): TensorInfo;
}

function isWasm(backend: KernelBackend): boolean {
  return 'wasm' in backend && 'dataIdMap' in backend;
}

/** A new float32 output tensor of `shape`, uninitialised on wasm, zeros on cpu. */
export function allocF32(backend: KernelBackend, shape: number[]): TensorInfo {
  if (isWasm(backend)) return (backend as unknown as WasmLike).makeOutput(shape, 'float32');
  const values = new Float32Array(util.sizeFromShape(shape));
  return (backend as unknown as CpuLike).makeTensorInfo(shape, 'float32', values);
}

/** The float32 values of `t`, as a view (wasm heap) or the backing array (cpu). */
export function f32(backend: KernelBackend, t: TensorInfo): Float32Array {
  const size = util.sizeFromShape(t.shape);
  if (isWasm(backend)) {
    const wasm = backend as unknown as WasmLike;
    const entry = wasm.dataIdMap.get(t.dataId);
    if (!entry) throw new Error('tensor data not found on the wasm backend');
    // The memory's own buffer: with threads it is a SharedArrayBuffer replaced on growth,
    // and HEAPU8 may still view the old one.
    const buffer = wasm.wasm.wasmMemory?.buffer ?? wasm.wasm.HEAPU8.buffer;
    return new Float32Array(buffer, entry.memoryOffset, size);
  }
  const values = (backend as unknown as CpuLike).data.get(t.dataId)?.values;
  if (!(values instanceof Float32Array)) throw new Error('expected float32 values on the cpu backend');
  return values;
}

/** The byte offset of `t`'s data in the wasm backend's memory. */
export function heapOffset(backend: KernelBackend, t: TensorInfo): number {
  const entry = (backend as unknown as WasmLike).dataIdMap.get(t.dataId);
  if (!entry) throw new Error('tensor data not found on the wasm backend');
  return entry.memoryOffset;
}

/** An output sharing `x`'s memory (as Reshape does): the tensor is immutable, so no copy. */
export function shareAs(backend: KernelBackend, x: TensorInfo, shape: number[], dtype: DataType = x.dtype): TensorInfo {
  (backend as unknown as WasmLike).incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype };
}
