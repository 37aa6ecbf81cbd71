/**
 * The CLI as a user runs it: spawned (runCli: bin/bnlenet.js in a new process, for signals,
 * exit statuses and start-up), or in this process (runMain: the same `main(argv)` that
 * bin/bnlenet.js calls, with stdout and stderr captured; no start-up cost, for usage errors and
 * anything else that does not need a process of its own).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main';
import { FIXTURE_ENV, fixtureDataDir } from './fixture-data';

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

/**
 * Every CLI run of the tests sees the test data set's manifest (helpers/fixture-data.ts), built
 * first if missing: a run whose data dir is that set's dir takes it; every other data dir is
 * checked against the real digests as a user's is.
 */
async function fixtureEnv(): Promise<Record<string, string>> {
  await fixtureDataDir();
  return FIXTURE_ENV;
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env = { ...process.env, ...(await fixtureEnv()), ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env,
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

export interface MainOptions {
  /** The working directory during the call (runs/ and ./data resolve against it); default this process's. */
  cwd?: string;
  /** Variables set during the call; undefined removes one. */
  env?: Record<string, string | undefined>;
}

/**
 * Runs `main(args)` in this process, as bin/bnlenet.js does, and returns its exit status and what
 * it wrote to stdout and stderr (not terminals, as under a spawned test). process.stdout and
 * process.stderr (and argv, the environment and the working dir) are swapped for the call only
 * (the test runner keeps its own references to the streams), so
 * calls must not overlap: node:test runs a file's tests one after another.
 */
export async function runMain(args: string[], options: MainOptions = {}): Promise<CliResult> {
  const captured = { stdout: '', stderr: '' };
  const capture = (name: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        captured[name] += chunk.toString();
        done();
      },
    });
  const streams = { stdout: capture('stdout'), stderr: capture('stderr') };
  const saved = {
    stdout: Object.getOwnPropertyDescriptor(process, 'stdout')!,
    stderr: Object.getOwnPropertyDescriptor(process, 'stderr')!,
    cwd: process.cwd(),
    env: { ...process.env },
    argv: process.argv,
  };
  const env = { ...(await fixtureEnv()), ...options.env };
  try {
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (options.cwd) process.chdir(options.cwd);
    // What a spawned CLI sees: the command it records (reproduce's report) comes from here.
    process.argv = [process.execPath, BIN, ...args];
    for (const name of ['stdout', 'stderr'] as const) {
      Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => streams[name] });
    }
    const code = await main(args);
    return { code, signal: null, ...captured };
  } finally {
    Object.defineProperty(process, 'stdout', saved.stdout);
    Object.defineProperty(process, 'stderr', saved.stderr);
    process.chdir(saved.cwd);
    process.argv = saved.argv;
    for (const name of Object.keys(process.env)) if (!(name in saved.env)) delete process.env[name];
    Object.assign(process.env, saved.env);
  }
}

/** The CLI failed with `code` and said why in one line (and at most a hint), with no stack trace. */
export function assertOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  const lines = result.stderr.trim().split('\n');
  if (result.code !== code) throw new Error(`exit status ${result.code}, expected ${code}; stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  if (!pattern.test(lines[0]!)) throw new Error(`first stderr line ${JSON.stringify(lines[0])} does not match ${pattern}`);
  if (lines.length > 2) throw new Error(`more than one line and a hint: ${result.stderr}`);
  if (/\n\s+at /.test(result.stderr)) throw new Error(`a stack trace: ${result.stderr}`);
}
