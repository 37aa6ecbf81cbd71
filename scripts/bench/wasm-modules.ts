/**
 * Builds of the project's wasm kernels against each other, straight on the modules (no
 * TensorFlow.js): the LeNet-BN kernels at batch 256, one thread, CPU time, the modules taking
 * turns round by round so that a shared machine's load hits them alike; medians in ms per call,
 * and the first module's time over the last one's.
 *
 *   node dist/scripts/bench/wasm-modules.js OLD.wasm NEW.wasm [--rounds 9] [--only conv1fg,dense1]
 *
 * Unshared modules (kernels.unshared.wasm, kernels.relaxed.unshared.wasm) take a plain memory;
 * an older commit's module: `git show COMMIT:wasm/kernels.unshared.wasm > old.wasm`. The inputs
 * are arbitrary floats: the kernels' speed does not depend on the values.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './stats';
import { formatTable } from './report';

type Kernels = Record<string, (...args: number[]) => void>;

const MIB = 1 << 20;
/** Byte offsets of the operands in the shared memory: each region holds the largest tensor. */
const X = 8 * MIB, W = 24 * MIB, B = 25 * MIB, Y = 26 * MIB, SCRATCH = 60 * MIB, PARTIALS = 70 * MIB;
const N = 256;
const CALLS_PER_SAMPLE = 5;

/** LeNet-BN's kernels at batch 256, each one call over all the images (one chunk): [export, call]. */
const CASES: Record<string, [string, (k: Kernels) => void]> = {
  conv1: ['conv2d', (k) => k.conv2d(X, W, B, Y, SCRATCH, N, 28, 28, 1, 24, 24, 6, 5, 5, 0, 0, N, 0)],
  conv2: ['conv2d', (k) => k.conv2d(X, W, B, Y, SCRATCH, N, 12, 12, 6, 8, 8, 16, 5, 5, 0, 0, N, 0)],
  conv1fg: ['conv2d_filter_grad', (k) => k.conv2d_filter_grad(X, Y, PARTIALS, N, 28, 28, 1, 24, 24, 6, 5, 5, N, 0)],
  conv2fg: ['conv2d_filter_grad', (k) => k.conv2d_filter_grad(X, Y, PARTIALS, N, 12, 12, 6, 8, 8, 16, 5, 5, N, 0)],
  conv2ig: ['conv2d_input_grad', (k) => k.conv2d_input_grad(Y, W, X, N, 12, 12, 6, 8, 8, 16, 5, 5, 4, 4, N, 0)],
  dense1: ['gemm', (k) => k.gemm(X, 256, 1, W, B, Y, 256, 120, 256, 256, 0)],
  dense1T: ['gemm', (k) => k.gemm(X, 1, 256, W, 0, Y, 256, 120, 256, 256, 0)],
  sigmoid1: ['sigmoid', (k) => k.sigmoid(X, Y, N * 24 * 24 * 6, N * 24 * 24 * 6, 0)],
  negate: ['negate', (k) => k.negate(X, Y, N * 10, N * 10, 0)],
};

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { rounds: { type: 'string', default: '9' }, only: { type: 'string' } },
  });
  if (positionals.length === 0) throw new Error('name one or more .wasm files (unshared builds)');
  const rounds = Number(values.rounds);
  const memory = new WebAssembly.Memory({ initial: 2048, maximum: 65536 });
  const modules = positionals.map(
    (file) => new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { env: { memory } }).exports as Kernels,
  );
  const heap = new Float32Array(memory.buffer);
  for (let i = 0; i < heap.length; i++) heap[i] = Math.sin(i) * 0.5;
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const names = values.only ? values.only.split(',') : Object.keys(CASES);
  const rows: string[][] = [];
  for (const name of names) {
    if (!CASES[name]) throw new Error(`no case ${name}; cases: ${Object.keys(CASES).join(', ')}`);
    const [kernel, run] = CASES[name];
    // Modules without the kernel (older builds) show '-'.
    const has = modules.map((k) => typeof k[kernel] === 'function');
    modules.forEach((k, m) => {
      if (has[m]) for (let i = 0; i < 3; i++) run(k);
    });
    const times = modules.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      modules.forEach((k, m) => {
        if (!has[m]) return;
        const started = cpuMs();
        for (let i = 0; i < CALLS_PER_SAMPLE; i++) run(k);
        times[m].push((cpuMs() - started) / CALLS_PER_SAMPLE);
      });
    }
    const medians = times.map((t) => median(t));
    const [first, last] = [medians[0], medians[medians.length - 1]];
    rows.push([name, ...medians.map((t) => (t === undefined ? '-' : t.toFixed(3))), first && last ? `${(first / last).toFixed(2)}x` : '-']);
  }
  process.stdout.write(`Node.js ${process.version}, one thread, CPU time, medians of ${rounds} rounds of ${CALLS_PER_SAMPLE} calls, ms per call\n`);
  process.stdout.write(formatTable(['kernel (batch 256)', ...positionals.map((f) => path.basename(f)), 'first / last'], rows, new Set(positionals.map((_, i) => i + 1).concat(positionals.length + 1))));
}

main();
