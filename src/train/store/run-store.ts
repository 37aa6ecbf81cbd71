/**
 * The one owner of what a run writes, in an order that a crash at any instant leaves
 * recoverable. At each epoch end (`epochEnd`, called once per epoch by the trainer):
 *
 *   0. the epoch's lines of params.jsonl and activations.jsonl are measured (not yet written);
 *   1. checkpoint.json: the commit point (the run's state, model and metrics included, and a
 *      digest of every log line so far, this epoch's included);
 *   2. weights.bin, then model.json naming them (with their epoch and hash);
 *   3. metrics.jsonl;
 *   4. params.jsonl and activations.jsonl, rewritten with this epoch's line added;
 *   5. the files the CLI asks for beside them (curves.svg), rendered by the report layer.
 *
 * Everything after 1 is derived from the checkpoint, so a process killed between two writes
 * leaves files that are behind the checkpoint, never ahead of it; `resume` rewrites them from
 * the checkpoint (resume.ts checks them first), and readers (saved-run.ts) refuse a model that
 * is not the checkpoint's. Every file is written to a temporary name and renamed into place.
 */
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic-file';
import type { EpochMetrics } from '../epoch-metrics';
import type { RunArgs } from '../../model/run-args';
import type { KernelBuild } from '../../engine/wasm-kernels/builds';
import { finiteArtifacts, saveCheckpoint, type CheckpointState, type LogDigests, type ModelArtifactsWithWeights } from './checkpoint';
import { lineDigest } from './epoch-logs';
import { writeJsonLines } from './json-lines';
import { EPOCH_LOGS, SUMMARY_FILE, type EpochLogName } from './layout';
import { writeMetrics } from './metrics-file';
import { writeModelFiles } from './model-files';
import type { ResumePoint } from './resume';
import { createEmptyDir } from './run-dir';
import { writeRunRecord } from './run-record-file';
import { shellCommand } from '../../util/shell-quote';

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

/** Measures the model as it is now as epoch `epoch`: each epoch log's line. */
export type MeasureEpoch = (model: LayersModel, epoch: number) => Promise<Record<EpochLogName, { epoch: number }>>;

const noLines = () => Object.fromEntries(EPOCH_LOGS.map((log) => [log, [] as string[]])) as Record<EpochLogName, string[]>;

export class RunStore {
  /** Set once the data is loaded (the probe needs training images); no epoch logs before that. */
  private measure?: MeasureEpoch;
  /** Each epoch log's lines so far as text, index = epoch: what the files hold. */
  private lines?: Record<EpochLogName, string[]>;

  constructor(
    readonly dir: string,
    private readonly derived?: DerivedFiles,
  ) {}

  /**
   * A new run: its dir (refused when it holds files) and run.json, before any data loads;
   * `kernels`: the wasm kernel build it trains on, if any, for --resume to start again.
   */
  async create(args: RunArgs, kernels?: KernelBuild): Promise<void> {
    await createEmptyDir(this.dir, `continue that run with \`${shellCommand('bnlenet', 'train', '--resume', this.dir)}\``);
    await writeRunRecord(this.dir, args, kernels);
  }

  /** From now on params.jsonl and activations.jsonl are kept, each epoch's lines measured by `measure`. */
  keepEpochLogs(measure: MeasureEpoch): void {
    this.measure = measure;
  }

  /**
   * A new run's epoch 0 (the initial weights), before its first batch. There is no checkpoint
   * yet: a run killed before its first one starts again from scratch and rewrites this line.
   */
  async runStart(model: LayersModel): Promise<void> {
    if (!this.measure) return;
    this.lines = noLines();
    await this.addEpochLines(model, 0);
    await this.writeLogs();
  }

  /**
   * An epoch ended (state.position is the next epoch's start): the epoch's log lines are
   * measured, the checkpoint committed, then the files derived from it written. A model with
   * non-finite weights is refused (NonFiniteWeightsError) before anything is written.
   */
  async epochEnd(state: CheckpointState): Promise<void> {
    const history = state.position.metrics;
    const artifacts = await finiteArtifacts(state.model);
    const measured = this.measure && this.lines ? await this.addEpochLines(state.model, history.length) : false;
    await saveCheckpoint(this.dir, state, artifacts, this.digests());
    await this.writeDerived(artifacts, history, state.args, measured);
  }

  /** A stop inside an epoch: only the checkpoint; the derived files stay at the last epoch end. */
  async stopped(state: CheckpointState): Promise<void> {
    await saveCheckpoint(this.dir, state, await finiteArtifacts(state.model), this.digests());
  }

  /**
   * Continues a run from its checked resume point, `model` being its checkpoint's model: the
   * epoch logs take the lines the check kept (and the checkpoint's epoch, measured again where
   * a crash left it out), and a checkpoint taken at an epoch end rewrites the files derived
   * from it. A checkpoint inside an epoch needs no more: they were current before it was written.
   */
  async resume(point: ResumePoint, model: LayersModel): Promise<void> {
    const checkpoint = point.checkpoint!;
    const epochs = checkpoint.position.metrics.length;
    let logsChanged = false;
    if (point.logs) {
      this.lines = noLines();
      for (const log of point.logs) this.lines[log.log] = [...log.kept];
      logsChanged = point.logs.some((log) => log.dropped.length > 0);
      // The missing line is the checkpoint's model measured (keepEpochLogs was called for it).
      if (point.logsBehind) logsChanged = await this.addEpochLines(model, epochs);
    }
    if (checkpoint.position.nextBatch === 0 && epochs > 0) {
      await this.writeDerived(checkpoint.artifacts, checkpoint.position.metrics, point.args, logsChanged);
    } else if (logsChanged) {
      await this.writeLogs();
    }
  }

  async writeSummary(summary: object): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, SUMMARY_FILE), summary);
  }

  /** Measures epoch `epoch`'s lines into `lines` (replacing any later ones); true. */
  private async addEpochLines(model: LayersModel, epoch: number): Promise<true> {
    const records = await this.measure!(model, epoch);
    for (const log of EPOCH_LOGS) {
      const lines = this.lines![log];
      lines.length = epoch;
      lines.push(JSON.stringify(records[log]));
    }
    return true;
  }

  private digests(): LogDigests | undefined {
    const lines = this.lines;
    if (!lines) return undefined;
    return Object.fromEntries(EPOCH_LOGS.map((log) => [log, lines[log].map(lineDigest)])) as LogDigests;
  }

  private async writeLogs(): Promise<void> {
    for (const log of EPOCH_LOGS) await writeJsonLines(path.join(this.dir, log), this.lines![log]);
  }

  private async writeDerived(
    artifacts: ModelArtifactsWithWeights,
    history: readonly EpochMetrics[],
    args: RunArgs,
    logsChanged: boolean,
  ): Promise<void> {
    await writeModelFiles(this.dir, artifacts, history.length);
    await writeMetrics(this.dir, history);
    if (logsChanged) await this.writeLogs();
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
