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
import { PHASE_FD_VARIABLE, PHASES_VARIABLE } from './phase-preload';

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
  /**
   * Functions of the tool (`module#export` under src/, e.g. `train/evaluate#evaluateSplit`)
   * whose calls the child announces (helpers/phase-preload.ts): `onPhase` hears each call as
   * it begins, e.g. to signal the child the moment it reaches the phase under test.
   */
  phases?: string[];
  onPhase?: (phase: string, child: ChildProcess) => void;
}

const PHASE_PRELOAD = path.join(__dirname, 'phase-preload.js');

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
  const phases = options.phases ?? [];
  if (phases.length > 0) {
    // The child writes the phases it reaches to its fd 3, a pipe of their own.
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require "${PHASE_PRELOAD}"`.trim();
    Object.assign(env, { [PHASES_VARIABLE]: phases.join(','), [PHASE_FD_VARIABLE]: '3' });
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe', ...(phases.length > 0 ? ['pipe' as const] : [])],
    });
    options.onSpawn?.(child);
    if (phases.length > 0) {
      let announced = '';
      child.stdio[3]!.on('data', (chunk: Buffer) => {
        announced += chunk.toString();
        const lines = announced.split('\n');
        announced = lines.pop()!;
        for (const phase of lines) options.onPhase?.(phase, child);
      });
    }
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
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
