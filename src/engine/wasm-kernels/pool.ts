/**
 * The main thread's side of the project's wasm kernels: the instance on TensorFlow.js's memory
 * and the helper threads (worker.ts, one per extra core) that share the chunks of each job
 * (protocol in jobs.ts). `run` returns when every chunk is done, like a plain call.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { markSimd } from '../kernel-paths';
import { CONTROL_INTS, MAX_ARGS, MAX_CHUNKS, nextValue, runChunks, SLOT } from './jobs';

/** Checks of the job number a helper makes before it sleeps (about 10-50 microseconds). */
const HELPER_SPINS = 20_000;

export class KernelPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
  private readonly exported: Record<string, (...args: number[]) => void>;
  private readonly kernelIndex: Map<string, number>;
  private readonly helpers: Worker[] = [];
  private job = 0;

  /**
   * `kernels`: the exported kernel names jobs may use. `helpers` threads are started (on a
   * shared memory only); until one is running, the main thread does all the chunks.
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, kernels: readonly string[], helpers: number) {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.exported = instance.exports as Record<string, (...args: number[]) => void>;
    for (const name of kernels) {
      if (typeof this.exported[name] !== 'function') throw new Error(`the kernels module has no ${name}`);
    }
    this.kernelIndex = new Map(kernels.map((name, i) => [name, i]));
    for (let i = 0; i < helpers; i++) {
      const worker = new Worker(path.join(__dirname, 'worker.js'), {
        workerData: { module, memory, control: this.control.buffer, kernels: [...kernels], spins: HELPER_SPINS },
      });
      // Helpers must not keep the process alive; errors in one are reported by FAILED.
      worker.unref();
      worker.on('error', () => {});
      this.helpers.push(worker);
    }
  }

  /** Threads that take chunks: the main thread and its helpers. */
  get threads(): number {
    return 1 + this.helpers.length;
  }

  /** Runs kernel(...args, chunk) for chunk = 0 .. count-1 on all threads; returns when done. */
  run(kernel: string, args: readonly number[], count: number): void {
    const index = this.kernelIndex.get(kernel);
    if (index === undefined) throw new Error(`unknown kernel ${kernel}`);
    if (args.length > MAX_ARGS || count > MAX_CHUNKS) throw new Error(`${kernel}: too many arguments or chunks`);
    if (count <= 0) return;
    markSimd();
    const fn = this.exported[kernel];
    if (count === 1 || this.helpers.length === 0) {
      for (let chunk = 0; chunk < count; chunk++) fn(...args, chunk);
      return;
    }
    const c = this.control;
    const job = (this.job = (this.job % 0x7fff) + 1);
    Atomics.store(c, SLOT.VERSION, 0);
    Atomics.store(c, SLOT.KERNEL, index);
    Atomics.store(c, SLOT.COUNT, count);
    Atomics.store(c, SLOT.ARG_COUNT, args.length);
    args.forEach((value, i) => Atomics.store(c, SLOT.ARGS + i, value));
    Atomics.store(c, SLOT.FAILED, 0);
    Atomics.store(c, SLOT.DONE, 0);
    Atomics.store(c, SLOT.NEXT, nextValue(job, 0));
    Atomics.store(c, SLOT.VERSION, job);
    Atomics.store(c, SLOT.JOB, job);
    Atomics.notify(c, SLOT.JOB);
    const call = [...args, 0];
    const error = runChunks(c, job, count, (chunk) => {
      call[args.length] = chunk;
      fn(...call);
    });
    // Chunks a helper claimed may still be running.
    for (let done = Atomics.load(c, SLOT.DONE); done < count; done = Atomics.load(c, SLOT.DONE)) {
      Atomics.wait(c, SLOT.DONE, done, 10);
    }
    if (error !== undefined) throw error;
    if (Atomics.load(c, SLOT.FAILED)) throw new Error(`${kernel}: a chunk failed in a helper thread`);
  }
}
