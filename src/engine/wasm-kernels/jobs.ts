/**
 * The protocol between the thread that posts a job of the project's wasm kernels and the
 * threads that help with it, over one Int32Array on a SharedArrayBuffer. Used by pool.ts (the
 * main thread) and worker.ts (a helper).
 *
 * A job is one exported kernel called once per chunk, chunk = 0 .. count-1, with the same
 * arguments and the chunk index last. Every thread takes chunks until none is left; a chunk
 * runs exactly once. Results do not depend on which thread runs which chunk (see
 * wasm/kernels.c).
 *
 * The job's description (kernel, count, arguments) is guarded like a seqlock: VERSION is 0
 * while the poster writes it and the job's number when done, so a helper that read it while it
 * changed sees that and reads again. Chunks are claimed by compare-and-swap on NEXT, which
 * holds the job's number (low 15 bits) above the next chunk index: a helper late for a job
 * cannot claim a chunk of the next one with the old arguments. The poster publishes a new job
 * only when every chunk of the last one is done.
 */

export const SLOT = {
  /** Number of the latest job posted (1, 2, ...); helpers wait on it. */
  JOB: 0,
  /** The job number once the description below is complete; 0 while it is written. */
  VERSION: 1,
  /** Job number (15 bits) << 16 | next chunk to claim. */
  NEXT: 2,
  /** Chunks finished; the poster waits on it. */
  DONE: 3,
  KERNEL: 4,
  COUNT: 5,
  ARG_COUNT: 6,
  /** Set when a helper's chunk threw: the poster reports it. */
  FAILED: 7,
  ARGS: 8,
} as const;

export const MAX_ARGS = 24;
/** Chunks per job: the chunk index has 16 bits in NEXT. */
export const MAX_CHUNKS = 0xffff;
export const CONTROL_INTS = SLOT.ARGS + MAX_ARGS;

/** The NEXT value of job `job` with `chunk` as the next chunk. */
export function nextValue(job: number, chunk: number): number {
  return ((job & 0x7fff) << 16) | chunk;
}

/**
 * Claims and runs chunks of job `job` (count chunks) with `run` until none is left. Each
 * finished chunk is counted in DONE, and the poster is woken by the last one. A chunk that
 * throws is counted too (so nobody waits forever), FAILED is set, and the first error is
 * returned after the other chunks ran.
 */
export function runChunks(control: Int32Array, job: number, count: number, run: (chunk: number) => void): unknown {
  let error: unknown;
  for (;;) {
    const next = Atomics.load(control, SLOT.NEXT);
    const chunk = next & 0xffff;
    if (next >>> 16 !== (job & 0x7fff) || chunk >= count) return error;
    if (Atomics.compareExchange(control, SLOT.NEXT, next, next + 1) !== next) continue;
    try {
      run(chunk);
    } catch (err) {
      Atomics.store(control, SLOT.FAILED, 1);
      error ??= err;
    }
    if (Atomics.add(control, SLOT.DONE, 1) + 1 === count) Atomics.notify(control, SLOT.DONE);
  }
}
