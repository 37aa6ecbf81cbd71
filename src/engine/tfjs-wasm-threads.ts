/**
 * Starting tfjs-backend-wasm's threaded SIMD build under Node.js.
 *
 * As shipped it does not start in Node, for four reasons this module works around, only
 * while the backend initialises (everything is put back afterwards):
 *
 * 1. tfjs reports no thread support in Node (flag WASM_HAS_MULTITHREAD_SUPPORT) — set it.
 * 2. Emscripten's pthread workers are started from `blob:` URLs (the worker script and the
 *    module factory are wrapped in Blobs), which Node's Worker cannot load. While the
 *    backend initialises, Blob is replaced by a class that keeps its text, and
 *    URL.createObjectURL writes that text to a file in a private temporary directory and
 *    returns its path; the "load" message that hands the factory to
 *    each worker gets the path instead of the Blob. The worker script already supports
 *    Node (worker_threads, importScripts by reading a file).
 * 3. The factory's source is evaluated in the worker on its own, without the bundle's
 *    module-level variables it refers to (the bundled `fs`, `path`, `perf_hooks`, `os`
 *    and the global object): a prelude defines them.
 * 4. The C++ side caps XNNPACK's thread pool at "logical cores / 2" (assuming two
 *    hyper-threads per core), i.e. 1 thread on a 2-core machine: os.cpus() reports twice
 *    the cores while the module starts, and the thread count asked for is passed with
 *    setThreadsCount.
 *
 * Pthread workers are kept unreferenced so that they do not keep the process alive.
 *
 * The temporary directory, bnlenet-wasm-<pid>-XXXXXX, is removed when the process exits; one
 * left by a process that was killed is removed by the next start (scriptDirsToRemove).
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';

// The module objects themselves (not import-star copies), since their properties are patched
// where the wasm module's loader reads them.
const os = require('node:os') as typeof import('node:os');
const workerThreads = require('node:worker_threads') as typeof WorkerThreads;

const FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd';
const PRELUDE =
  'var commonjsGlobal = globalThis; var require$$0 = require("fs"); var require$$1 = require("path"); ' +
  'var require$$3 = require("perf_hooks"); var require$$4 = require("os");\n';

class TextBlob {
  readonly text: string;
  constructor(parts: unknown[]) {
    this.text = parts.map(String).join('');
  }
}

const DIR_PREFIX = 'bnlenet-wasm-';
/** Directories of versions that did not name their process: removed once this old. */
const UNOWNED_MAX_AGE_MS = 24 * 3600 * 1000;

let tempDir: string | undefined;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The script directories in `dir` that no running process owns: those named after a process
 * that is gone, and unnamed ones (older versions) not touched for a day.
 */
export function scriptDirsToRemove(dir: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return [];
  }
  return names
    .filter((name) => {
      const owner = /^bnlenet-wasm-(\d+)-/.exec(name);
      if (owner) return Number(owner[1]) !== process.pid && !isRunning(Number(owner[1]));
      try {
        return now - fs.statSync(path.join(dir, name)).mtimeMs > UNOWNED_MAX_AGE_MS;
      } catch {
        return false;
      }
    })
    .map((name) => path.join(dir, name));
}

function makeTempDir(): string {
  const base = os.tmpdir();
  for (const stale of scriptDirsToRemove(base)) fs.rmSync(stale, { recursive: true, force: true });
  const dir = fs.mkdtempSync(path.join(base, `${DIR_PREFIX}${process.pid}-`));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function scriptFile(blob: TextBlob, files: Map<TextBlob, string>): string {
  let file = files.get(blob);
  if (file) return file;
  tempDir ??= makeTempDir();
  file = path.join(tempDir, `script-${files.size}.js`);
  fs.writeFileSync(file, (blob.text.startsWith(FACTORY_PREFIX) ? PRELUDE : '') + blob.text);
  files.set(blob, file);
  return file;
}

type WorkerCtor = typeof WorkerThreads.Worker;

/**
 * Runs `start` (which initialises the wasm backend) with the threaded build enabled for
 * `threads` threads. Returns what `start` returns; restores every patched global after.
 */
export async function withThreadedWasm<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const files = new Map<TextBlob, string>();
  const g = globalThis as unknown as { Blob: unknown };
  const realBlob = g.Blob;
  const realCreate = URL.createObjectURL;
  const realCpus = os.cpus;
  const mutableThreads = workerThreads as unknown as { Worker: WorkerCtor };
  const RealWorker = mutableThreads.Worker;
  /**
   * A pthread worker that starts its thread only when Emscripten gives it a thread to run.
   * Emscripten allocates a pool of 8 workers at start-up whatever the thread count (tfjs
   * builds with PTHREAD_POOL_SIZE=8) and waits until each has loaded the module: 8 Node
   * threads booting and each loading the module's loader script cost about 0.3 s and 0.6
   * CPU-seconds at every start of the wasm backend, and 90 MB, for XNNPACK's `threads - 1`
   * pthreads. This one
   * answers the "load" message itself; the first message after it (a "run": a pthread is
   * assigned) starts the real worker, which gets the "load" first and then, in order, the
   * rest. The worker's loader starts synchronously on "load" (instantiateWasm is
   * synchronous), so a "run" queued behind it finds the module ready, with the main thread
   * free to block on the pthread: nothing the worker needs goes through the main thread.
   */
  class LazyPthreadWorker extends EventEmitter {
    private real: WorkerThreads.Worker | undefined;
    private load: unknown;
    private readonly args: ConstructorParameters<WorkerCtor>;
    constructor(...args: ConstructorParameters<WorkerCtor>) {
      super();
      this.args = args;
    }
    postMessage(message: unknown, transfer?: readonly WorkerThreads.TransferListItem[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (m && m.cmd === 'load') {
        if (m.urlOrBlob instanceof TextBlob) message = { ...m, urlOrBlob: scriptFile(m.urlOrBlob, files) };
        if (this.real === undefined) {
          this.load = message;
          setImmediate(() => this.emit('message', { cmd: 'loaded' }));
          return;
        }
      }
      this.started().postMessage(message, transfer);
    }
    private started(): WorkerThreads.Worker {
      if (this.real) return this.real;
      const real = new RealWorker(...this.args);
      let answeredLoad = this.load !== undefined;
      real.on('message', (data: { cmd?: string } | null) => {
        // Its own "loaded" was answered already, when the pool started.
        if (answeredLoad && data && data.cmd === 'loaded') {
          answeredLoad = false;
          return;
        }
        this.emit('message', data);
      });
      real.on('error', (err: Error) => this.emit('error', err));
      real.on('exit', (code: number) => this.emit('exit', code));
      // Thread-pool workers must not keep the process alive. After the listeners: a Worker
      // refs its port again when a 'message' listener is added.
      real.unref();
      if (this.load !== undefined) real.postMessage(this.load);
      this.real = real;
      return real;
    }
    ref(): void {
      // Thread-pool workers must not keep the process alive.
    }
    unref(): void {
      // Never referenced (above).
    }
    terminate(): Promise<number> {
      return this.real ? this.real.terminate() : Promise.resolve(0);
    }
  }
  g.Blob = TextBlob;
  URL.createObjectURL = (blob: unknown) =>
    blob instanceof TextBlob ? scriptFile(blob, files) : realCreate(blob as Blob);
  (os as { cpus: typeof os.cpus }).cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: 2 * Math.max(threads, 1) }, (_, i) => cpus[i % cpus.length]);
  };
  mutableThreads.Worker = LazyPthreadWorker as unknown as WorkerCtor;
  try {
    return await start();
  } finally {
    g.Blob = realBlob;
    URL.createObjectURL = realCreate;
    (os as { cpus: typeof os.cpus }).cpus = realCpus;
    mutableThreads.Worker = RealWorker;
  }
}

/** Cores of this machine: the default thread count. */
export function coreCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
