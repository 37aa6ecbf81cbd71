/**
 * run.json's record: its format and the check of a parsed record. What each argument must be,
 * and what a record written before an argument existed reads back as, is in the table of run
 * arguments (model/run-args.ts); the store (store/run-record-file.ts) writes and reads the file.
 */
import { isKernelBuild, KERNEL_BUILDS, type KernelBuild } from '../engine/wasm-kernels/builds';
import { completeRunArgs, storedArgsProblem, type RunArgs } from '../model/run-args';

export { completeRunArgs };

export const RUN_FORMAT = 'bnlenet-run/1';
const FORMAT = RUN_FORMAT;

export interface RunRecord {
  format: typeof FORMAT;
  createdAt: string;
  args: RunArgs;
  /**
   * The build of the project's wasm kernels the run started on, which --resume starts again (so
   * that it continues bit for bit). Absent when they did not train it (another backend, or they
   * did not start), and in a run.json from before the field: a resume then checks nothing.
   */
  kernels?: KernelBuild;
}

/** The problem with a parsed run.json, or undefined when it is a valid record. */
export function runRecordProblem(value: unknown): string | undefined {
  const record = value as Partial<RunRecord> | null;
  if (typeof record !== 'object' || record === null) return 'is not a JSON object';
  if (record.format !== FORMAT) return `has format ${JSON.stringify(record.format)}, expected "${FORMAT}"`;
  const args = record.args as Record<string, unknown> | undefined;
  if (typeof args !== 'object' || args === null) return 'has no "args" object';
  if ('kernels' in record && !isKernelBuild(record.kernels)) {
    const expected = KERNEL_BUILDS.map((build) => JSON.stringify(build)).join(' or ');
    return `has kernels ${JSON.stringify(record.kernels)}, expected ${expected} (the wasm kernel build that trained the run) or no kernels field`;
  }
  return storedArgsProblem(args);
}
