/**
 * Which path each kernel the project registers took, counted per call, so that a fast path
 * that silently stopped being taken (a guard grown too strict, a wasm module that did not
 * load) shows as a count where another was expected; the kernel tests assert on these counts.
 * Cheap enough to stay in production: one small object and a few integer increments per
 * kernel call, against the microseconds to milliseconds a kernel takes.
 *
 * The paths:
 * - simd: at least one job of the project's wasm module (wasm-kernels/) ran;
 * - composed: the backend's own kernels did the work (XNNPACK on wasm, tfjs's JavaScript on
 *   cpu), composed by the project's kernel (a reshape to long rows, a flipped filter ...);
 * - stock: the case was handed back to the stock kernel the project's one replaced;
 * - js: none of those, the project's own JavaScript loop (or no work: a shared buffer).
 *
 * The registration (kernels/registry.ts) runs each kernel inside `countPath`; the wasm
 * module's pool and `runStock` (kernels/stock.ts) mark the kernel that is running.
 */

export const KERNEL_PATHS = ['simd', 'composed', 'stock', 'js'] as const;
export type KernelPath = (typeof KERNEL_PATHS)[number];
export type PathCounts = Record<KernelPath, number>;

const SIMD = 1;
const COMPOSED = 2;
const STOCK = 4;

interface Frame {
  kernel: string;
  /** Bits of the paths marked while the kernel ran. */
  taken: number;
}

const counts = new Map<string, PathCounts>();
/** The project kernels running now, innermost last (a kernel may run another one). */
const running: Frame[] = [];

/** Runs `body`, the kernel `kernelName`, and counts the path it took. */
export function countPath<T>(kernelName: string, body: () => T): T {
  const frame: Frame = { kernel: kernelName, taken: 0 };
  running.push(frame);
  try {
    return body();
  } finally {
    running.pop();
    let c = counts.get(kernelName);
    if (!c) counts.set(kernelName, (c = { simd: 0, composed: 0, stock: 0, js: 0 }));
    if (frame.taken === 0) c.js++;
    if (frame.taken & SIMD) c.simd++;
    if (frame.taken & COMPOSED) c.composed++;
    if (frame.taken & STOCK) c.stock++;
  }
}

/** The running kernel used the project's wasm module. */
export function markSimd(): void {
  const frame = running[running.length - 1];
  if (frame) frame.taken |= SIMD;
}

/** The running kernel handed its inputs to the backend's kernel `kernelName`: its own stock one, or another. */
export function markHandedBack(kernelName: string): void {
  const frame = running[running.length - 1];
  if (frame) frame.taken |= frame.kernel === kernelName ? STOCK : COMPOSED;
}

/** The running kernel called one of the backend's kernels on inputs it prepared. */
export function markComposed(): void {
  const frame = running[running.length - 1];
  if (frame) frame.taken |= COMPOSED;
}

/** The counts so far, per kernel name (a copy). */
export function pathCounts(): Record<string, PathCounts> {
  return Object.fromEntries([...counts].map(([name, c]) => [name, { ...c }]));
}

/** Starts the counts again from zero. */
export function resetPathCounts(): void {
  counts.clear();
}
