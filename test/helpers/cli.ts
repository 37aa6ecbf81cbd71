/** Spawns the real CLI (bin/bnlenet.js) as a user would, and collects what it printed. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'bnlenet.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Another copy of bin/bnlenet.js to run (a copy of the tool); default this checkout's. */
  bin?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Called with all stdout so far after each chunk, e.g. to signal the child at some point. */
  onStdout?: (stdout: string, child: ChildProcess) => void;
  /** Called once the child is spawned, e.g. to signal it after a delay. */
  onSpawn?: (child: ChildProcess) => void;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The CLI failed with `code` and said why in one line (and at most a hint), with no stack trace. */
export function assertOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  const lines = result.stderr.trim().split('\n');
  if (result.code !== code) throw new Error(`exit status ${result.code}, expected ${code}; stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  if (!pattern.test(lines[0]!)) throw new Error(`first stderr line ${JSON.stringify(lines[0])} does not match ${pattern}`);
  if (lines.length > 2) throw new Error(`more than one line and a hint: ${result.stderr}`);
  if (/\n\s+at /.test(result.stderr)) throw new Error(`a stack trace: ${result.stderr}`);
}
