/**
 * The wasm kernel build a resumed run recorded, read before the backend starts: the kernels
 * load in one build per process, when the backend starts, so a resume must know the build
 * before it selects the backend (engine/wasm-kernels/builds.ts).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RecordedBuild } from '../../engine/wasm-kernels/builds';
import { RUN_FILE } from './layout';
import { readRunRecord } from './run-record-file';
import { runSetAt } from './run-set';

/**
 * The build the run in `dir` records, for `train --resume`; undefined when it records none.
 * A run.json that does not read back is refused here as --resume would refuse it; a dir
 * without one is left to --resume to describe.
 */
export async function recordedRunKernels(dir: string): Promise<RecordedBuild | undefined> {
  const file = path.join(dir, RUN_FILE);
  if (!(await fs.access(file).then(() => true, () => false))) return undefined;
  const { kernels } = await readRunRecord(dir, 'resume');
  return kernels && { build: kernels, file };
}

/**
 * The build of the first run (in the plan's order) of the set in `dir` (compare, reproduce,
 * sweep) that records one, so that the set continues on one build; undefined for a new set,
 * or when none records one. A run whose run.json does not read back is skipped: the set starts
 * it again (run-set-training.ts).
 */
export async function recordedSetKernels(dir: string): Promise<RecordedBuild | undefined> {
  for (const name of (await runSetAt(dir))?.names ?? []) {
    const runDir = path.join(dir, name);
    const record = await readRunRecord(runDir).catch(() => undefined);
    if (record?.kernels) return { build: record.kernels, file: path.join(runDir, RUN_FILE) };
  }
  return undefined;
}
