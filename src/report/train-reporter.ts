/**
 * What a training run shows while it runs, in one of three modes:
 * - text: a progress bar per epoch on a TTY (batches, ETA, running loss), the epoch lines,
 *   and the book's closing lines; on a non-TTY the same lines without the bar;
 * - json: JSON lines only (one object per event), for pipelines;
 * - quiet: only the closing lines;
 * - none: nothing (a run inside `compare --quiet`, whose own summary says it all).
 * A label (compare's "custom" and "builtin") prefixes text lines and tags JSON lines.
 */
import { SingleBar } from 'cli-progress';
import type { EpochMetrics } from '../train/epoch-metrics';
import type { TrainObserver } from '../train/trainer';
import { terminalChart } from './plots/terminal-chart';
import { epochLine, finalLines } from './train-lines';

export type OutputMode = 'text' | 'json' | 'quiet' | 'none';

export interface ReporterOptions {
  /** Where lines go; default stdout. */
  out?: NodeJS.WritableStream;
  /** The per-epoch progress bar on stderr; default: text mode on a terminal. */
  showBar?: boolean;
  /** The terminal chart of the curves at the end; default: text mode with stdout a terminal. */
  showChart?: boolean;
  /** Prefixes text lines with `[label] ` and adds `"run": label` to JSON lines. */
  label?: string;
}

/** How often the bar reads the running loss back from the backend (it waits for the backend). */
const LOSS_READ_EVERY = 10;

export interface RunStartInfo {
  runDir: string;
  impl: string;
  device: string;
  examples: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Where a resumed run continues: epoch (1-based) and batch index within it. */
  resumedAt?: { epoch: number; batch: number };
}

export interface RunEndInfo {
  runDir: string;
  final: EpochMetrics;
  examplesPerSec: number;
  device: string;
  gamma: number[];
  beta: number[];
}

export class TrainReporter {
  private bar?: SingleBar;
  private readonly out: NodeJS.WritableStream;
  private readonly showBar: boolean;
  private readonly showChart: boolean;
  private readonly label?: string;

  constructor(
    private readonly mode: OutputMode,
    options: ReporterOptions = {},
  ) {
    this.out = options.out ?? process.stdout;
    this.showBar = options.showBar ?? (mode === 'text' && Boolean(process.stderr.isTTY));
    this.showChart = options.showChart ?? (mode === 'text' && Boolean(process.stdout.isTTY));
    this.label = options.label;
  }

  private line(text: string): void {
    this.out.write(this.label === undefined ? `${text}\n` : `[${this.label}] ${text}\n`);
  }

  private json(event: string, body: object): void {
    const line = JSON.stringify(this.label === undefined ? { event, ...body } : { event, run: this.label, ...body });
    this.out.write(`${line}\n`);
  }

  started(info: RunStartInfo): void {
    if (this.mode === 'json') return this.json('start', info);
    if (this.mode !== 'text') return;
    const resumed = info.resumedAt ? `; resuming at epoch ${info.resumedAt.epoch}, batch ${info.resumedAt.batch + 1}` : '';
    this.line(
      `training LeNet-BN (${info.impl} BatchNorm) on ${info.examples} examples: ${info.epochs} epochs, ` +
        `batch ${info.batchSize}, lr ${info.lr}, seed ${info.seed}, on ${info.device}${resumed}`,
    );
    this.line(`run dir: ${info.runDir}`);
  }

  /** What the training loop tells this reporter; it reads the running loss only for a bar. */
  observer(): TrainObserver {
    return {
      lossEvery: this.showBar ? LOSS_READ_EVERY : undefined,
      onEpochStart: (epoch, epochs, batches, firstBatch) => {
        if (!this.showBar) return;
        this.bar = new SingleBar({
          format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | ETA {eta_formatted} | loss {loss}`,
          hideCursor: true,
          clearOnComplete: true,
          stream: process.stderr,
        });
        this.bar.start(batches, firstBatch, { loss: '-' });
      },
      onBatch: (done, _batches, runningLoss) => {
        this.bar?.update(done, runningLoss === undefined ? undefined : { loss: runningLoss.toFixed(3) });
      },
      onEpochEnd: (metrics) => {
        this.stopBar();
        if (this.mode === 'json') return this.json('epoch', metrics);
        if (this.mode === 'text') this.line(epochLine(metrics));
      },
    };
  }

  stopBar(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  finished(info: RunEndInfo): void {
    if (this.mode === 'none') return;
    if (this.mode === 'json') return this.json('end', info);
    for (const text of finalLines(info.final, info.examplesPerSec, info.device)) this.line(text);
    if (this.mode === 'text') {
      this.line(`gamma (first BatchNorm layer): ${formatValues(info.gamma)}`);
      this.line(`beta  (first BatchNorm layer): ${formatValues(info.beta)}`);
      this.line(`saved to ${info.runDir}`);
    }
  }

  /** A remark about the run (text: one line; json: a "note" event); silent in quiet and none. */
  note(text: string): void {
    if (this.mode === 'json') return this.json('note', { text });
    if (this.mode === 'text') this.line(text);
  }

  /** The run's curves as a terminal chart, when this reporter shows one. */
  chart(rows: readonly EpochMetrics[]): void {
    if (!this.showChart || rows.length === 0) return;
    // Colour only on a terminal, and not when the user opted out (https://no-color.org).
    const color = (this.out as NodeJS.WriteStream).isTTY === true && !process.env.NO_COLOR;
    this.out.write(`\n${terminalChart(rows, { width: 40, height: 2, color })}\n`);
  }
}

export function formatValues(values: number[]): string {
  return `[${values.map((v) => v.toFixed(4)).join(', ')}]`;
}
