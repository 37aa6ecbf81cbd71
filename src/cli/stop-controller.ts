/**
 * What ends a command early, for its whole life: Ctrl-C, SIGTERM, and a closed stdout (the
 * reader of a pipe exited: `bnlenet train | head -1`). The one place that listens to them.
 *
 * Until a command says how it stops, a signal exits at once with status 130 and one line
 * (after any atomic write in flight has finished, so no file is left half-replaced). A command
 * that can stop cleanly (training, downloading) calls `stopCleanly`: then the first signal
 * aborts `signal` (lower layers poll it at batch, epoch and file boundaries and throw
 * InterruptedError, which main maps to 130) and prints what the command will do; a second
 * signal exits at once, again letting a write in flight finish. A command with nothing to
 * save (evaluate, report) calls `abortOnStop`: the first signal aborts `signal`, and the
 * command's one line says where it stopped.
 *
 * A closed stdout is a stop request like Ctrl-C: output is dropped from then on (never an
 * unhandled EPIPE with a stack trace) and the command ends the same way, one line on stderr
 * saying why. A closed stderr is ignored: there is no one left to tell.
 */
import { InterruptedError } from '../errors';
import { writesSettled } from '../util/atomic-file';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
/** Longest wait for writes in flight before a forced exit. */
const WRITE_GRACE_MS = 10_000;
/**
 * After `abortOnStop`'s abort, how long the command has to reach its next check before it is
 * ended at once: a step that does not check (loading data, a chart) must not hold a stop.
 */
const QUIET_STOP_GRACE_MS = 1000;
const OUTPUT_CLOSED = 'the output was closed (nothing reads stdout any more)';

/**
 * The controller of the command running now. The output streams keep one listener each for
 * the life of the process (an error can arrive after the command's last line); it stops the
 * running command, or drops the error once none runs.
 */
let active: StopController | undefined;
const onStdoutError = (err: NodeJS.ErrnoException): void => active?.outputFailed(err);
const ignore = (): void => undefined;
/** After the command (the process is exiting anyway): the stop's line, and exit 130 at once. */
const lateSignal = (name: NodeJS.Signals): void => {
  process.stderr.write(`bnlenet: interrupted by ${name}\n`);
  process.exit(130);
};

function listenOnce(stream: NodeJS.WritableStream, listener: (err: NodeJS.ErrnoException) => void): void {
  if (!stream.listeners('error').includes(listener)) stream.on('error', listener);
}

export class StopController {
  private readonly controller = new AbortController();
  /** undefined: stop at once; '': abort `signal` quietly; else the line a stop prints first. */
  private notice?: string;
  private beforeNotice?: () => void;
  private outputClosed = false;
  private quietStopTimer?: NodeJS.Timeout;
  /** True once this controller printed the stop's line itself (it is exiting): main prints no other. */
  private said = false;
  private readonly handler = (signal: NodeJS.Signals): void => this.onSignal(signal);

  get stopAlreadySaid(): boolean {
    return this.said;
  }

  /** Aborted by the first stop request once the command stops cleanly. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  install(): this {
    for (const name of SIGNALS) {
      process.off(name, lateSignal);
      process.on(name, this.handler);
    }
    listenOnce(process.stdout, onStdoutError);
    listenOnce(process.stderr, ignore);
    active = this;
    return this;
  }

  /**
   * Waits until what the command wrote to stdout has gone or failed, so that a closed pipe
   * stops this command (exit 130 and its line) rather than passing unnoticed after it.
   */
  async flushOutput(): Promise<void> {
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  dispose(): void {
    for (const name of SIGNALS) process.off(name, this.handler);
    clearTimeout(this.quietStopTimer);
    if (active === this) active = undefined;
    // A signal between the command's end and the process's exit (stdout still draining) is an
    // interruption too: exit 130 with its line, not killed by the signal with none.
    for (const name of SIGNALS) if (!process.listeners(name).includes(lateSignal)) process.on(name, lateSignal);
  }

  /**
   * From now on the first stop request asks the command to stop cleanly: `notice` says how
   * ("finishing the current batch and saving a checkpoint"); `beforeNotice` runs first
   * (a progress bar clears its line).
   */
  stopCleanly(notice: string, beforeNotice?: () => void): void {
    this.notice = notice;
    this.beforeNotice = beforeNotice;
  }

  /**
   * From now on the first stop request aborts `signal` with no notice: for a command that
   * checks it often and has nothing to save, so its one line says where it stopped. A command
   * that has not reached a check a second later is ended at once (writes in flight finish).
   */
  abortOnStop(): void {
    this.notice = '';
    this.beforeNotice = undefined;
  }

  private onSignal(name: NodeJS.Signals): void {
    this.stop(`interrupted by ${name}`, `${name}: ${this.notice} (press Ctrl-C again to quit at once)`);
  }

  /** stdout failed: the reader of the pipe exited (EPIPE), or another write error. */
  outputFailed(err: NodeJS.ErrnoException): void {
    // Pipes are written synchronously on Linux: every later write fails too; one stop is enough.
    if (this.outputClosed) return;
    this.outputClosed = true;
    const reason = err.code === 'EPIPE' ? OUTPUT_CLOSED : `stdout failed (${err.code ?? err.message})`;
    this.stop(`stopped: ${reason}`, `${reason}: ${this.notice}`);
  }

  /** `message`: the line when stopping at once or quietly; `noticeLine`: before a clean stop. */
  private stop(message: string, noticeLine: string): void {
    if (this.notice === undefined || this.controller.signal.aborted) {
      this.beforeNotice?.();
      this.say(message);
      return;
    }
    this.controller.abort(new InterruptedError(message));
    this.beforeNotice?.();
    if (this.notice !== '') {
      process.stderr.write(`\n${noticeLine}\n`);
      return;
    }
    this.quietStopTimer = setTimeout(() => this.say(message), QUIET_STOP_GRACE_MS).unref();
  }

  /** The stop's one line, then the exit (once writes in flight have finished). */
  private say(message: string): void {
    if (!this.said) process.stderr.write(`\nbnlenet: ${message}\n`);
    this.said = true;
    void exitWhenWritesSettle();
  }
}

async function exitWhenWritesSettle(): Promise<void> {
  const grace = new Promise<void>((resolve) => setTimeout(resolve, WRITE_GRACE_MS).unref());
  await Promise.race([writesSettled(), grace]);
  // One turn of the event loop, so that a command whose write just finished says what it
  // wrote ("report written to ...") before the exit.
  await new Promise<void>((resolve) => setImmediate(resolve));
  process.exit(130);
}
