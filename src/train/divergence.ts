/**
 * A run whose loss or weights became NaN or infinite. Its message says what is true of the
 * run dir (which checkpoint it keeps, if any) and what the user can do: a resumed run keeps
 * its learning rate, so the way out is a new run with a smaller one.
 */
import { BnlenetError } from '../errors';
import type { RunPosition } from './store/checkpoint';

export class TrainingDivergedError extends BnlenetError {
  constructor(
    readonly epoch: number,
    readonly runDir: string,
    /** The newest checkpoint on disk, which is finite; undefined when none was written. */
    readonly kept: RunPosition | undefined,
    readonly lr: number,
  ) {
    super(`training diverged: the loss or the weights became NaN or infinite in epoch ${epoch}`, 1, hintFor(runDir, kept, lr));
    this.name = 'TrainingDivergedError';
  }
}

function hintFor(runDir: string, kept: RunPosition | undefined, lr: number): string {
  const retry = `start a new run with a smaller --lr than ${lr}`;
  if (!kept) return `no checkpoint was written; ${retry}`;
  const where =
    kept.nextBatch === 0
      ? `the end of epoch ${kept.epoch - 1}`
      : `epoch ${kept.epoch}, batch ${kept.nextBatch}`;
  return `${runDir} keeps its last finite checkpoint (${where}), which evaluate and inspect-params read; ${retry}`;
}
