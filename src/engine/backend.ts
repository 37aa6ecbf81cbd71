/**
 * Backend selection: which TensorFlow.js backend trains, loaded only when asked for.
 *
 * Nothing here loads tfjs at import time (the CLI answers --help without it): every tfjs
 * module is required inside selectBackend. After selectBackend resolves, callers use
 * `import * as tf from '@tensorflow/tfjs-core'` (and tfjs-layers): it is the same tfjs-core
 * instance the selected backend registered itself with, which selectBackend checks.
 */
import type { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { BnlenetError, UsageError } from '../errors';
import { peerInstallCommand } from './peer-install';
import { coreCount, withThreadedWasm } from './tfjs-wasm-threads';
import type { KernelBuild, RecordedBuild } from './wasm-kernels/builds';
import { activateWebgpu } from './webgpu';

/** The names `--backend` takes: the one definition the CLI's choices derive from. */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendRequest {
  backend: BackendName;
  /**
   * Train on a GPU: CUDA through @tensorflow/tfjs-node-gpu when it is installed, else WebGPU on
   * a hardware adapter (with --backend tensorflow or webgpu: that route only).
   */
  gpu: boolean;
  /**
   * wasm only: threads for XNNPACK. Default: BNLENET_WASM_THREADS if set, else one per
   * core. 1 runs the single-threaded build; if the threaded build fails to start, the
   * single-threaded one is used.
   */
  threads?: number;
  /**
   * wasm only: the build of the project's kernels a resumed run (or set) recorded, which they
   * start in so that it continues bit for bit (wasm-kernels/builds.ts).
   */
  recordedKernels?: RecordedBuild;
}

export interface BackendInfo {
  /** The tfjs backend name in use: 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  name: string;
  /** What to print after "examples/sec on": "cuda:0", "webgpu (<adapter>)", "cpu (wasm, SIMD, 2 threads)", ... */
  device: string;
  /** Package name -> version actually loaded. */
  packages: Record<string, string>;
  /** The build of the project's wasm kernels that runs; absent where they do not (another backend, or they did not start). */
  kernels?: KernelBuild;
}

export const TFJS_VERSION = '4.22.0';
const NODE_PKG = '@tensorflow/tfjs-node';
const NODE_GPU_PKG = '@tensorflow/tfjs-node-gpu';
const CORE_PKG = '@tensorflow/tfjs-core';
const WASM_PKG = '@tensorflow/tfjs-backend-wasm';
const CPU_PKG = '@tensorflow/tfjs-backend-cpu';

/**
 * The usage conflict in a request, if any, for the CLI to report as a usage error (exit 2):
 * --gpu runs on CUDA or WebGPU, so it cannot go with --backend wasm or cpu.
 */
export function backendConflict(request: BackendRequest): string | undefined {
  if (request.gpu && (request.backend === 'wasm' || request.backend === 'cpu')) {
    return `--gpu trains on a GPU (CUDA or WebGPU) and cannot be combined with --backend ${request.backend}`;
  }
  return undefined;
}

/** Whether `pkg` can be resolved from here (installed), without loading it. */
export function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * What a request runs on: a tfjs-node flavour, WebGPU (`webgpu-gpu`: on a hardware adapter
 * only), or the wasm or cpu backend. --gpu alone is CUDA when tfjs-node-gpu is installed, else
 * WebGPU.
 */
export function planBackend(
  request: BackendRequest,
  installed: (pkg: string) => boolean = isInstalled,
): 'tensorflow-gpu' | 'tensorflow' | 'webgpu-gpu' | 'webgpu' | 'wasm' | 'cpu' {
  const conflict = backendConflict(request);
  if (conflict) throw new UsageError(conflict);
  if (request.gpu) {
    if (request.backend === 'tensorflow') return 'tensorflow-gpu';
    if (request.backend === 'webgpu') return 'webgpu-gpu';
    return installed(NODE_GPU_PKG) ? 'tensorflow-gpu' : 'webgpu-gpu';
  }
  switch (request.backend) {
    case 'tensorflow':
    case 'webgpu':
    case 'wasm':
    case 'cpu':
      return request.backend;
    case 'auto':
      if (installed(NODE_PKG)) return 'tensorflow';
      if (installed(NODE_GPU_PKG)) return 'tensorflow-gpu';
      return 'wasm';
  }
}

/** The error for a tfjs-node package that is not installed (or does not load). */
export function missingPackageError(gpu: boolean, cause?: string): BnlenetError {
  const pkg = gpu ? NODE_GPU_PKG : NODE_PKG;
  const flag = gpu ? '--gpu' : '--backend tensorflow';
  const what = cause ? `${pkg} could not be loaded (${cause})` : `${pkg} is not installed`;
  const needs = gpu
    ? `${pkg}@${TFJS_VERSION} needs Linux x86_64 with an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1, ` +
      'and downloads libtensorflow from storage.googleapis.com when it installs. '
    : `${pkg}@${TFJS_VERSION} downloads libtensorflow from storage.googleapis.com when it installs. `;
  return new BnlenetError(
    `${flag}: ${what}`,
    1,
    `${needs}Install it with \`${peerInstallCommand([pkg])}\`, ` +
      'or run without it with `--backend wasm`.',
  );
}

type Tf = typeof import('@tensorflow/tfjs-core');

/**
 * Loads and activates the backend the request asks for, registers the project's kernels for
 * it, and says what is in use. Safe to call again.
 */
export async function selectBackend(request: BackendRequest): Promise<BackendInfo> {
  const plan = planBackend(request);
  const tf: Tf = await import('@tensorflow/tfjs-core');
  // Production mode: no debug checks, and no "install tfjs-node" advice printed by the cpu
  // backend on its first tensor.
  tf.enableProdMode();
  const packages: Record<string, string> = { [CORE_PKG]: tf.version_core };
  let device: string;
  let kernels: KernelBuild | undefined;
  if (plan === 'tensorflow' || plan === 'tensorflow-gpu') {
    device = await activateTensorflow(tf, plan === 'tensorflow-gpu', packages);
  } else if (plan === 'webgpu' || plan === 'webgpu-gpu') {
    // Plain --gpu came here because tfjs-node-gpu is absent: its error names that route too.
    const cuda = request.gpu && request.backend === 'auto' ? { pkg: NODE_GPU_PKG } : undefined;
    device = await activateWebgpu(tf, { gpu: plan === 'webgpu-gpu', cuda }, isInstalled, packages);
  } else if (plan === 'wasm') {
    ({ device, kernels } = await activateWasm(tf, request, packages));
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
    packages[CPU_PKG] = versionOf(CPU_PKG);
    await setBackendOrThrow(tf, 'cpu');
    device = 'cpu (JavaScript)';
  }
  const { registerProjectKernels } = await import('./kernels/registry.js');
  registerProjectKernels(tf.getBackend());
  return { name: tf.getBackend(), device, packages, ...(kernels ? { kernels } : {}) };
}

async function setBackendOrThrow(tf: Tf, name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) {
    throw new BnlenetError(`the ${name} backend of TensorFlow.js failed to start`);
  }
}

async function activateTensorflow(tf: Tf, gpu: boolean, packages: Record<string, string>): Promise<string> {
  const pkg = gpu ? NODE_GPU_PKG : NODE_PKG;
  if (!isInstalled(pkg)) throw missingPackageError(gpu);
  try {
    require(pkg);
  } catch (err) {
    throw missingPackageError(gpu, err instanceof Error ? err.message.split('\n')[0] : String(err));
  }
  packages[pkg] = versionOf(pkg);
  if (tf.findBackendFactory('tensorflow') == null) {
    // tfjs-node registered its backend with another copy of tfjs-core than ours.
    throw new BnlenetError(
      `${pkg} ${packages[pkg]} uses a different copy of ${CORE_PKG} than bnlenet (${tf.version_core})`,
      1,
      `Install the matching version, \`${peerInstallCommand([pkg])}\`, then \`npm dedupe\`; ` +
        'or run without it with `--backend wasm`.',
    );
  }
  await setBackendOrThrow(tf, 'tensorflow');
  if (!gpu) return 'cpu (TensorFlow)';
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  if (backend.isUsingGpuDevice === false) {
    throw new BnlenetError(
      `--gpu: ${pkg} loaded but TensorFlow found no usable CUDA GPU`,
      1,
      `${pkg}@${TFJS_VERSION} needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1 on the library path ` +
        '(see the TensorFlow messages above); or train on the GPU through WebGPU with `--gpu --backend webgpu` ' +
        '(README.md, GPU), or on the CPU with `--backend wasm`.',
    );
  }
  return 'cuda:0';
}

/**
 * Runs `start` and removes the process-wide 'uncaughtException' and 'unhandledRejection'
 * listeners it added. The wasm module's loader (Emscripten) installs listeners that rethrow,
 * which turns any later unhandled error of the program into exit status 7 instead of the
 * CLI's own error handling; tfjs never uses the exit semantics they serve.
 */
async function withoutEmscriptenHandlers<T>(start: () => Promise<T>): Promise<T> {
  const emitter: EventEmitter = process;
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = events.map((e) => new Set(emitter.listeners(e)));
  try {
    return await start();
  } finally {
    events.forEach((e, i) => {
      for (const listener of emitter.listeners(e)) {
        if (!before[i].has(listener)) emitter.removeListener(e, listener as (...args: unknown[]) => void);
      }
    });
  }
}

/** Threads for wasm: the request, else BNLENET_WASM_THREADS, else one per core. */
export function wasmThreads(requested: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (requested !== undefined) return Math.max(1, Math.floor(requested));
  const fromEnv = Number(env.BNLENET_WASM_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return coreCount();
}

async function activateWasm(tf: Tf, request: BackendRequest, packages: Record<string, string>): Promise<{ device: string; kernels?: KernelBuild }> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  packages[WASM_PKG] = versionOf(WASM_PKG);
  if (tf.findBackend('wasm') == null) {
    // The .wasm binaries sit next to the package's main file (dist/).
    wasm.setWasmPaths(path.dirname(require.resolve(WASM_PKG)) + path.sep);
    const threads = wasmThreads(request.threads);
    const factory = tf.findBackendFactory('wasm');
    let started = false;
    if (threads > 1 && factory) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      wasm.setThreadsCount(threads);
      started = await withoutEmscriptenHandlers(() =>
        withThreadedWasm(threads, () => tf.setBackend('wasm')),
      ).catch(() => false);
      if (!started) {
        // Back to the single-threaded build, with a fresh registration of the backend.
        tf.removeBackend('wasm');
        tf.registerBackend('wasm', factory, 2);
      }
    }
    if (!started) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setThreadsCount(1);
    }
  }
  await withoutEmscriptenHandlers(() => setBackendOrThrow(tf, 'wasm'));
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const n = wasm.getThreadsCount();
  const { startWasmKernels } = await import('./wasm-kernels/index.js');
  const kernels = startWasmKernels(tf.backend(), n, process.env, request.recordedKernels);
  if (!kernels.started) {
    process.stderr.write(`bnlenet: the project's wasm kernels are not used (${kernels.reason}); training runs slower on tfjs's own\n`);
  }
  // The device names the kernels' relaxed SIMD build, whose results differ in the last bits
  // from the plain build's: summary.json records it, and the reports show it (run.json records
  // the build itself, for --resume).
  const relaxed = kernels.started && kernels.build === 'relaxed';
  const device = `cpu (wasm${relaxed ? ', relaxed SIMD' : simd ? ', SIMD' : ''}, ${n} thread${n === 1 ? '' : 's'})`;
  return kernels.started ? { device, kernels: kernels.build } : { device };
}
