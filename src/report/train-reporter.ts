/**
 * What a training run shows while it runs, in one of three modes:
 * - text: a progress bar per epoch on a TTY (batches, ETA, running loss), the epoch lines,
 *   and the book's closing lines; on a non-TTY the same lines without the bar;
 * - json: JSON lines only (one object per event), for pipelines;
 * - quiet: only the closing lines.
 */
import { SingleBar } from 'cli-progress';
import type { EpochMetrics } from '../train/epoch-metrics';
import type { TrainHooks } from '../train/trainer';
import { epochLine, finalLines } from './train-lines';

export type OutputMode = 'text' | 'json' | 'quiet';

/** How often the bar reads the running loss back from the backend (it costs a sync). */
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
  resumedAtEpoch?: number;
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

  constructor(
    private readonly mode: OutputMode,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly showBar: boolean = mode === 'text' && Boolean(process.stderr.isTTY),
  ) {}

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }

  private json(event: string, body: object): void {
    this.line(JSON.stringify({ event, ...body }));
  }

  started(info: RunStartInfo): void {
    if (this.mode === 'json') return this.json('start', info);
    if (this.mode === 'quiet') return;
    const resumed = info.resumedAtEpoch ? `, resuming at epoch ${info.resumedAtEpoch}` : '';
    this.line(
      `training LeNet-BN (${info.impl} BatchNorm) on ${info.examples} examples: ${info.epochs} epochs, ` +
        `batch ${info.batchSize}, lr ${info.lr}, seed ${info.seed}, on ${info.device}${resumed}`,
    );
    this.line(`run dir: ${info.runDir}`);
  }

  hooks(): TrainHooks {
    return {
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
        if (!this.bar) return;
        const payload = done % LOSS_READ_EVERY === 0 ? { loss: runningLoss().toFixed(3) } : undefined;
        this.bar.update(done, payload);
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
    if (this.mode === 'json') return this.json('end', info);
    for (const text of finalLines(info.final, info.examplesPerSec, info.device)) this.line(text);
    if (this.mode === 'text') {
      this.line(`gamma (first BatchNorm layer): ${formatValues(info.gamma)}`);
      this.line(`beta  (first BatchNorm layer): ${formatValues(info.beta)}`);
      this.line(`saved to ${info.runDir}`);
    }
  }
}

export function formatValues(values: number[]): string {
  return `[${values.map((v) => v.toFixed(4)).join(', ')}]`;
}
