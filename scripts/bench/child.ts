/** Running one child process to its end, with its output and its wall time. */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface ChildResult {
  /** Exit status; null when killed by a signal or when it could not start. */
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Why it did not run to a clean exit: not found, killed, timed out. */
  failure?: string;
}

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export function runChild(file: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000;
        const failed = error as (NodeJS.ErrnoException & { killed?: boolean; signal?: string }) | null;
        let failure: string | undefined;
        if (failed?.code === 'ENOENT') failure = `${file} not found`;
        else if (failed?.killed) failure = `killed after ${options.timeoutMs} ms`;
        else if (failed?.signal) failure = `killed by ${failed.signal}`;
        const code = failed === null ? 0 : typeof failed.code === 'number' ? failed.code : null;
        resolve({ code, stdout, stderr, seconds, failure });
      },
    );
  });
}

/** A one-line account of a failed child: its failure, else its exit status and last stderr line. */
export function describeFailure(result: ChildResult): string {
  if (result.failure !== undefined) return result.failure;
  const last = result.stderr.trim().split('\n').pop() ?? '';
  return `exit status ${result.code}${last ? `: ${last}` : ''}`;
}

/** The last line of the output that parses as a JSON object. */
export function lastJsonLine<T>(stdout: string): T | undefined {
  return jsonLines<T>(stdout).pop();
}

/** Every line of the output that parses as a JSON object, in order; other lines are skipped. */
export function jsonLines<T>(stdout: string): T[] {
  const objects: T[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trimStart().startsWith('{')) continue;
    try {
      objects.push(JSON.parse(line) as T);
    } catch {
      // not JSON after all: a log line that starts with a brace
    }
  }
  return objects;
}
