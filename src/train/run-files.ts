/**
 * The one owner of what a run writes at each epoch end and when it stops, in an order that a
 * crash at any instant leaves recoverable:
 *
 *   1. checkpoint.json: the commit point (the run's state, model and metrics included);
 *   2. weights.bin, then model.json naming them (with their epoch and hash);
 *   3. metrics.jsonl;
 *   4. the files the CLI asks for beside them (curves.svg), rendered by the report layer.
 *
 * Everything after 1 is derived from the checkpoint, so a process killed between two writes
 * leaves files that are behind the checkpoint, never ahead of it; `catchUp` rewrites them
 * from the checkpoint when a run is resumed, and readers (evaluate, inspect-params) compare
 * model.json's epoch with the checkpoint's and refuse a model that is behind.
 */
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';
import { saveCheckpoint, type CheckpointState, type LoadedCheckpoint } from './checkpoint';
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
  constructor(
    readonly dir: string,
    private readonly derived?: DerivedFiles,
  ) {}

  /** An epoch ended: commit the checkpoint (state.position is the next epoch's start), then the files derived from it. */
  async epochEnd(state: CheckpointState): Promise<void> {
    const artifacts = await saveCheckpoint(this.dir, state);
    await this.writeDerived(artifacts, state.position.metrics, state.args);
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
  async catchUp(checkpoint: LoadedCheckpoint, args: RunArgs): Promise<void> {
    if (checkpoint.position.nextBatch !== 0 || checkpoint.position.metrics.length === 0) return;
    await this.writeDerived(checkpoint.artifacts, checkpoint.position.metrics, args);
  }

  async writeSummary(summary: object): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, SUMMARY_FILE), summary);
  }

  private async writeDerived(
    artifacts: tf.io.ModelArtifacts & { weightData: ArrayBuffer },
    history: readonly EpochMetrics[],
    args: RunArgs,
  ): Promise<void> {
    await writeModelFiles(this.dir, artifacts, history.length);
    await writeMetrics(this.dir, history);
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
