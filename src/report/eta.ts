/**
 * Remaining time of a run, and of a command that trains several (compare, reproduce, sweep),
 * from what has been timed so far in this process: seconds per batch since the first batch
 * (the first is warm-up), and the evaluation at each epoch end once one has been timed.
 */

export interface RunShape {
  epochs: number;
  batches: number;
}

export interface Remaining {
  /** Seconds left in the current epoch's training. */
  epoch: number;
  /** Seconds left in the run, evaluations included. */
  run: number;
  /** Seconds left in the command, when it trains several runs. */
  command?: number;
}

export class EtaClock {
  private firstBatchAt?: number;
  private batchesTimed = 0;
  private lastBatchAt?: number;
  private evaluationSeconds?: number;
  private epoch = 1;
  private done = 0;
  /** The last measured seconds per batch, kept across epoch ends. */
  private perBatch?: number;

  constructor(
    private readonly shape: RunShape,
    /** This run's index among the command's runs (0-based) and their count; undefined for one run. */
    private readonly plan?: { index: number; count: number },
    private readonly now: () => number = () => performance.now() / 1000,
  ) {}

  epochStarted(epoch: number, firstBatch: number): void {
    this.epoch = epoch;
    this.done = firstBatch;
  }

  batchDone(done: number): void {
    const t = this.now();
    this.done = done;
    if (this.firstBatchAt === undefined) this.firstBatchAt = t;
    else this.batchesTimed += 1;
    this.lastBatchAt = t;
    if (this.batchesTimed > 0) this.perBatch = (t - this.firstBatchAt) / this.batchesTimed;
  }

  epochEnded(): void {
    if (this.lastBatchAt !== undefined) this.evaluationSeconds = this.now() - this.lastBatchAt;
    this.firstBatchAt = undefined; // each epoch's first batch is timed afresh (shuffle, caches)
    this.batchesTimed = 0;
    this.lastBatchAt = undefined;
  }

  /** Undefined until two batches have been timed. */
  remaining(): Remaining | undefined {
    if (this.perBatch === undefined) return undefined;
    const { epochs, batches } = this.shape;
    const evaluation = this.evaluationSeconds ?? 0;
    const epochSeconds = batches * this.perBatch + evaluation;
    const epoch = Math.max(0, batches - this.done) * this.perBatch;
    const run = epoch + evaluation + Math.max(0, epochs - this.epoch) * epochSeconds;
    if (!this.plan) return { epoch, run };
    const later = Math.max(0, this.plan.count - this.plan.index - 1);
    return { epoch, run, command: run + later * epochs * epochSeconds };
  }
}

/** "0:07", "12:34", "1:02:03". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}
