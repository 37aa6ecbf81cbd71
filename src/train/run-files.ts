/**
 * The one owner of what a run writes at each epoch end and when it stops, in an order that a
 * crash at any instant leaves recoverable:
 *
 *   1. checkpoint.json: the commit point (the run's state, model and metrics included);
 *   2. weights.bin, then model.json naming them (with their epoch and hash);
 *   3. metrics.jsonl;
 *   4. params.jsonl and activations.jsonl: this epoch's line added (see epoch-logs.ts);
 *   5. the files the CLI asks for beside them (curves.svg), rendered by the report layer.
 *
 * Everything after 1 is derived from the checkpoint, so a process killed between two writes
 * leaves files that are behind the checkpoint, never ahead of it; `catchUp` rewrites them
 * from the checkpoint when a run is resumed, and readers (evaluate, inspect-params) compare
 * model.json's epoch with the checkpoint's and refuse a model that is behind. The two logs
 * hold every epoch's line, which no checkpoint keeps: catchUp adds the checkpoint's epoch when
 * a crash left them one behind, measured on the checkpoint's model.
 */
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';
import { saveCheckpoint, type CheckpointState, type LoadedCheckpoint } from './checkpoint';
import type { EpochLogs } from './epoch-logs';
import type { EpochMetrics } from './epoch-metrics';
import { writeModelFiles } from './model-files';
import { SUMMARY_FILE, writeMetrics } from './run-dir';
import type { RunArgs } from './run-record';

/** A file derived from the run's history, written beside its metrics (curves.svg). */
export interface DerivedFile {
  name: string;
  content: string;
}

/**
 * Renders the files the CLI wants beside the metrics from every epoch so far. A failure to
 * render costs a warning (`onError`), never the run.
 */
export interface DerivedFiles {
  render(history: readonly EpochMetrics[], args: RunArgs): Promise<DerivedFile[]>;
  onError(err: unknown): void;
}

export class RunFiles {
  /** Set once the data is loaded (the probe needs training images); absent before that. */
  private logs?: EpochLogs;

  constructor(
    readonly dir: string,
    private readonly derived?: DerivedFiles,
  ) {}

  /** From now on params.jsonl and activations.jsonl are kept with the other files. */
  keepEpochLogs(logs: EpochLogs): void {
    this.logs = logs;
  }

  /**
   * A new run's epoch 0 (the initial weights), before its first batch. There is no checkpoint
   * yet: a run killed before its first one starts again from scratch and rewrites this line.
   */
  async runStart(model: LayersModel): Promise<void> {
    await this.logs?.record(model, 0);
  }

  /** An epoch ended: commit the checkpoint (state.position is the next epoch's start), then the files derived from it. */
  async epochEnd(state: CheckpointState): Promise<void> {
    const artifacts = await saveCheckpoint(this.dir, state);
    await this.writeDerived(artifacts, state.position.metrics, state.args, state.model);
  }

  /** A stop inside an epoch: only the checkpoint; the derived files stay at the last epoch end. */
  async stopped(state: CheckpointState): Promise<void> {
    await saveCheckpoint(this.dir, state);
  }

  /**
   * Rewrites the derived files from a checkpoint taken at an epoch end, which is how a run
   * whose process died between its writes is brought up to date. A checkpoint inside an
   * epoch needs nothing: the derived files were current before it was written.
   */
  async catchUp(checkpoint: LoadedCheckpoint, args: RunArgs, model: LayersModel): Promise<void> {
    if (checkpoint.position.nextBatch !== 0 || checkpoint.position.metrics.length === 0) return;
    await this.writeDerived(checkpoint.artifacts, checkpoint.position.metrics, args, model, true);
  }

  async writeSummary(summary: object): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, SUMMARY_FILE), summary);
  }

  private async writeDerived(
    artifacts: tf.io.ModelArtifacts & { weightData: ArrayBuffer },
    history: readonly EpochMetrics[],
    args: RunArgs,
    model: LayersModel,
    catchingUp = false,
  ): Promise<void> {
    await writeModelFiles(this.dir, artifacts, history.length);
    await writeMetrics(this.dir, history);
    // At an epoch end the line is new; catching up, it is written only where a crash left it out.
    if (catchingUp) await this.logs?.catchUp(model, history.length);
    else await this.logs?.record(model, history.length);
    if (!this.derived) return;
    let files: DerivedFile[];
    try {
      files = await this.derived.render(history, args);
    } catch (err) {
      this.derived.onError(err);
      return;
    }
    for (const file of files) await writeFileAtomic(path.join(this.dir, file.name), file.content);
  }
}
