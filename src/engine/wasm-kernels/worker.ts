/**
 * A helper thread for the project's wasm kernels: it instantiates the kernels module on the
 * same shared memory as TensorFlow.js and the main thread, then takes chunks of every job the
 * main thread posts (protocol in jobs.ts). Started by pool.ts.
 */
import { workerData } from 'node:worker_threads';
import { MAX_ARGS, runChunks, SLOT } from './jobs';

interface HelperData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  kernels: string[];
  /** Checks of the job number before sleeping, after a job ends: the next one often follows. */
  spins: number;
}

const data = workerData as HelperData;
const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory } });
const exported = instance.exports as Record<string, (...args: number[]) => void>;
const kernels = data.kernels.map((name) => exported[name]);
const control = new Int32Array(data.control);
const args = new Array<number>(MAX_ARGS + 1);

let seen = Atomics.load(control, SLOT.JOB);
for (;;) {
  let job = Atomics.load(control, SLOT.JOB);
  for (let spin = 0; job === seen && spin < data.spins; spin++) job = Atomics.load(control, SLOT.JOB);
  if (job === seen) {
    Atomics.wait(control, SLOT.JOB, seen);
    continue;
  }
  // Read the job's description; if it changed meanwhile (VERSION), read again.
  if (Atomics.load(control, SLOT.VERSION) !== job) continue;
  const kernel = kernels[Atomics.load(control, SLOT.KERNEL)];
  const count = Atomics.load(control, SLOT.COUNT);
  const argCount = Atomics.load(control, SLOT.ARG_COUNT);
  for (let i = 0; i < argCount; i++) args[i] = Atomics.load(control, SLOT.ARGS + i);
  if (Atomics.load(control, SLOT.VERSION) !== job) continue;
  seen = job;
  args.length = argCount + 1;
  // An error is recorded in FAILED for the poster; the helper lives on.
  runChunks(control, job, count, (chunk) => {
    args[argCount] = chunk;
    kernel(...args);
  });
}
