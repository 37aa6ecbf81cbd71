/**
 * Errors a user can act on. The CLI prints `message` (one line) and, when present, `hint`
 * (what to do), then exits with `exitCode`; a stack trace is shown only with --verbose.
 * Anything that is not a BnlenetError is a bug or an unexpected fault and exits 1.
 */
export class BnlenetError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'BnlenetError';
  }
}

/** A bad flag or flag value: exit status 2, as the CLI contract says. */
export class UsageError extends BnlenetError {
  constructor(message: string, hint?: string) {
    super(message, 2, hint);
    this.name = 'UsageError';
  }
}

/** A file in the data dir or a run dir that is missing, truncated or corrupt. */
export class DataError extends BnlenetError {
  constructor(message: string, hint?: string) {
    super(message, 1, hint);
    this.name = 'DataError';
  }
}

/** The run was interrupted by SIGINT or SIGTERM after saving what it had: exit 130. */
export class InterruptedError extends BnlenetError {
  constructor(message: string, hint?: string) {
    super(message, 130, hint);
    this.name = 'InterruptedError';
  }
}
