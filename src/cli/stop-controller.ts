/**
 * Ctrl-C and SIGTERM, for the whole life of a command: the one place that listens to them.
 *
 * Until a command says it can stop cleanly, a signal exits at once with status 130 (after
 * any atomic write in flight has finished, so no file is left half-replaced). A command that
 * can stop cleanly (training, downloading) calls `stopCleanly`: then the first signal aborts
 * `signal` (lower layers poll it at batch, epoch and file boundaries and throw
 * InterruptedError, which main maps to 130) and prints what the command will do; a second
 * signal exits at once, again letting a write in flight finish.
 */
import { InterruptedError } from '../errors';
import { writesSettled } from '../util/atomic-file';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
/** Longest wait for writes in flight before a forced exit. */
const WRITE_GRACE_MS = 10_000;

export class StopController {
  private readonly controller = new AbortController();
  private notice?: string;
  private beforeNotice?: () => void;
  private readonly handler = (signal: NodeJS.Signals): void => this.onSignal(signal);

  /** Aborted by the first Ctrl-C or SIGTERM once the command stops cleanly. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  install(): this {
    for (const name of SIGNALS) process.on(name, this.handler);
    return this;
  }

  dispose(): void {
    for (const name of SIGNALS) process.off(name, this.handler);
  }

  /**
   * From now on the first signal asks the command to stop cleanly: `notice` says how
   * ("finishing the current batch and saving a checkpoint"); `beforeNotice` runs first
   * (a progress bar clears its line).
   */
  stopCleanly(notice: string, beforeNotice?: () => void): void {
    this.notice = notice;
    this.beforeNotice = beforeNotice;
  }

  private onSignal(name: NodeJS.Signals): void {
    if (this.notice === undefined || this.controller.signal.aborted) {
      void exitWhenWritesSettle();
      return;
    }
    this.controller.abort(new InterruptedError(`interrupted by ${name}`));
    this.beforeNotice?.();
    process.stderr.write(`\n${name}: ${this.notice} (press Ctrl-C again to quit at once)\n`);
  }
}

async function exitWhenWritesSettle(): Promise<void> {
  const grace = new Promise<void>((resolve) => setTimeout(resolve, WRITE_GRACE_MS).unref());
  await Promise.race([writesSettled(), grace]);
  process.exit(130);
}

