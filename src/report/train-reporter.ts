/**
 * What a training run shows while it runs, in one of four modes:
 * - text: a progress line on a terminal (bar, batches, running loss, time left in the epoch,
 *   the run and, for commands that train several runs, the command), the epoch lines, and the
 *   book's closing lines; on a non-terminal the same lines without the progress line;
 * - json: JSON lines only (one object per event), for pipelines;
 * - quiet: only the closing lines;
 * - none: nothing (a run inside `compare --quiet`, whose own summary says it all).
 * A label (compare's "custom" and "builtin") prefixes text lines and tags JSON lines. Prose
 * lines fit the terminal's width; the contract's epoch and closing lines are never broken.
 */
import type { EpochMetrics } from '../train/epoch-metrics';
import { CHANCE_ACCURACY, noLearningAdvice } from '../train/no-learning';
import type { TrainObserver } from '../train/trainer';
import { EtaClock, formatDuration } from './eta';
import { terminalChart } from './plots/terminal-chart';
import { ProgressLine } from './progress-line';
import { outputWidth, wrapText } from './terminal-width';
import { epochLine, finalLines, plural, testLimitText } from './train-lines';
import { shellCommand } from '../util/shell-quote';

export type OutputMode = 'text' | 'json' | 'quiet' | 'none';

export interface ReporterOptions {
  /** Where lines go; default stdout. */
  out?: NodeJS.WritableStream;
  /** The progress line on stderr; default: text mode with stderr a terminal. */
  showBar?: boolean;
  /** The terminal chart of the curves at the end; default: text mode with stdout a terminal. */
  showChart?: boolean;
  /** Prefixes text lines with `[label] ` and adds `"run": label` to JSON lines. */
  label?: string;
  /** This run's place among the runs of one command (0-based index, count), for its ETA. */
  plan?: { index: number; count: number };
}

/** How often the bar reads the running loss back from the backend (it waits for the backend). */
const LOSS_READ_EVERY = 10;
/** The chart's plot columns at most, and what its labels take beside them. */
const CHART_COLUMNS = 40;
const CHART_LABELS = 24;

export interface RunStartInfo {
  runDir: string;
  impl: string;
  /** The model variant in words: "LeNet-BN (custom BatchNorm)". */
  model: string;
  device: string;
  examples: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** --test-limit: the test accuracy is measured on the first N test images only. */
  testLimit?: number;
  /** Where a resumed run continues: epoch (1-based) and batch index within it. */
  resumedAt?: { epoch: number; batch: number };
}

export interface RunEndInfo {
  runDir: string;
  final: EpochMetrics;
  /** False when the final training accuracy stayed near chance. */
  learned: boolean;
  lr: number;
  examplesPerSec: number;
  device: string;
  /** The first BatchNorm layer's gamma and beta; absent for a model without BatchNorm. */
  firstBatchNorm?: { name: string; gamma: number[]; beta: number[] };
}

export class TrainReporter {
  private progress?: ProgressLine;
  private clock?: EtaClock;
  private runningLoss?: number;
  private epochLabel = '';
  private readonly out: NodeJS.WritableStream;
  private readonly showBar: boolean;
  private readonly showChart: boolean;
  private readonly label?: string;
  private readonly plan?: { index: number; count: number };

  constructor(
    private readonly mode: OutputMode,
    options: ReporterOptions = {},
  ) {
    this.out = options.out ?? process.stdout;
    this.showBar = options.showBar ?? (mode === 'text' && Boolean(process.stderr.isTTY));
    this.showChart = options.showChart ?? (mode === 'text' && Boolean(process.stdout.isTTY));
    this.label = options.label;
    this.plan = options.plan;
  }

  private get prefix(): string {
    return this.label === undefined ? '' : `[${this.label}] `;
  }

  /**
   * A line of the contract (epoch and closing lines): whole wherever a program may read it (a
   * file, a pipe, even with $COLUMNS set); on a terminal narrower than it, wrapped at word
   * boundaries, so a person never sees "test acc 0." and "204" on two lines.
   */
  private line(text: string): void {
    const tty = this.out as NodeJS.WriteStream;
    const width = tty.isTTY && tty.columns > 0 ? tty.columns : undefined;
    for (const line of wrapText(`${this.prefix}${text}`, width)) this.out.write(`${line}\n`);
  }

  /** A prose line, wrapped to the output's width. */
  private prose(text: string): void {
    for (const line of wrapText(`${this.prefix}${text}`, outputWidth(this.out))) this.out.write(`${line}\n`);
  }

  private json(event: string, body: object): void {
    const line = JSON.stringify(this.label === undefined ? { event, ...body } : { event, run: this.label, ...body });
    this.out.write(`${line}\n`);
  }

  started(info: RunStartInfo): void {
    // The progress line's time left needs the clock in every mode that shows it (a sweep's cells run in mode none).
    this.clock = new EtaClock({ epochs: info.epochs, batches: Math.ceil(info.examples / info.batchSize) }, this.plan);
    if (this.mode === 'json') return this.json('start', info);
    if (this.mode !== 'text') return;
    const resumed = info.resumedAt ? `; resuming at epoch ${info.resumedAt.epoch}, batch ${info.resumedAt.batch + 1}` : '';
    this.prose(
      `training ${info.model} on ${info.examples} examples: ${plural(info.epochs, 'epoch')}, ` +
        `batch ${info.batchSize}, lr ${info.lr}, seed ${info.seed}${testLimitText(info)}, on ${info.device}${resumed}`,
    );
    this.prose(`run dir: ${info.runDir}`);
  }

  /** What the training loop tells this reporter; it reads the running loss only for a progress line. */
  observer(): TrainObserver {
    return {
      lossEvery: this.showBar ? LOSS_READ_EVERY : undefined,
      onEpochStart: (epoch, epochs, _batches, firstBatch) => {
        this.clock?.epochStarted(epoch, firstBatch);
        this.epochLabel = `${this.prefix}epoch ${epoch}/${epochs}`;
        this.runningLoss = undefined;
        if (this.showBar) this.progress ??= new ProgressLine(process.stderr);
      },
      onBatch: (done, batches, runningLoss) => {
        this.clock?.batchDone(done);
        if (runningLoss !== undefined) this.runningLoss = runningLoss;
        this.drawProgress(done, batches);
      },
      onEpochEnd: (metrics) => {
        this.clock?.epochEnded();
        this.stopBar();
        if (this.mode === 'json') return this.json('epoch', metrics);
        if (this.mode === 'text') this.line(epochLine(metrics));
      },
    };
  }

  private drawProgress(done: number, batches: number): void {
    if (!this.progress) return;
    const left = this.clock?.remaining();
    const parts = [
      `loss ${this.runningLoss === undefined ? '-' : this.runningLoss.toFixed(3)}`,
      left ? `run ${formatDuration(left.run)} left` : 'run -:-- left',
    ];
    if (left?.command !== undefined) parts.push(`all runs ${formatDuration(left.command)} left`);
    parts.push(`${done}/${batches} batches`);
    if (left) parts.push(`epoch ${formatDuration(left.epoch)} left`);
    this.progress.update({ label: this.epochLabel, fraction: done / batches, parts });
  }

  stopBar(): void {
    this.progress?.clear();
    this.progress = undefined;
  }

  finished(info: RunEndInfo): void {
    if (this.mode === 'none') return;
    if (this.mode === 'json') return this.json('end', info);
    for (const text of finalLines(info.final, info.examplesPerSec, info.device)) this.line(text);
    if (!info.learned) {
      process.stderr.write(
        `${this.prefix}bnlenet: warning: final train acc ${info.final.trainAcc.toFixed(3)} is near chance ` +
          `(${CHANCE_ACCURACY} for 10 classes): this run did not learn; ${noLearningAdvice(info.final, info.lr)}\n`,
      );
    }
    if (this.mode === 'text') {
      const bn = info.firstBatchNorm;
      if (bn) {
        // The book shows the first layer after conv1; with --bn-layers the first may be another.
        const which = bn.name === 'bn1' ? 'first BatchNorm layer' : `first BatchNorm layer, ${bn.name}`;
        this.prose(`gamma (${which}): ${formatValues(bn.gamma)}`);
        this.prose(`beta  (${which}): ${formatValues(bn.beta)}`);
      }
      this.prose(`saved to ${info.runDir}`);
      this.prose(`charts: ${shellCommand('bnlenet', 'report', '--run', info.runDir)}`);
    }
  }

  /**
   * A warning about the run: one line on stderr (labelled like the run's lines), in every mode,
   * since it is about the results a quiet or JSON caller keeps too.
   */
  warning(text: string): void {
    process.stderr.write(`${this.prefix}bnlenet: warning: ${text}\n`);
  }

  /** A remark about the run (text: wrapped prose; json: a "note" event); silent in quiet and none. */
  note(text: string): void {
    if (this.mode === 'json') return this.json('note', { text });
    if (this.mode === 'text') this.prose(text);
  }

  /** The run's curves as a terminal chart, when this reporter shows one, fitted to the width. */
  chart(rows: readonly EpochMetrics[]): void {
    if (!this.showChart || rows.length === 0) return;
    // Colour only on a terminal, and not when the user opted out (https://no-color.org).
    const color = (this.out as NodeJS.WriteStream).isTTY === true && !process.env.NO_COLOR;
    const width = outputWidth(this.out);
    const columns = width === undefined ? CHART_COLUMNS : Math.max(10, Math.min(CHART_COLUMNS, width - CHART_LABELS));
    this.out.write(`\n${terminalChart(rows, { width: columns, height: 2, color })}\n`);
  }
}

export function formatValues(values: number[]): string {
  return `[${values.map((v) => v.toFixed(4)).join(', ')}]`;
}
