/**
 * The project's wasm kernels against the path they replace, one LeNet-BN kernel at a time
 * (batch 256), taking turns in one process and reporting medians and their ratio:
 *
 *   node dist/scripts/bench/kernels.js [--threads 1] [--samples 10] [--clock cpu|wall] [--only conv]
 *
 * --clock cpu (the default with one thread) times with process.cpuUsage, which other
 * processes on a shared machine do not inflate; with several threads only wall time means
 * anything (--clock wall). "previous" is the path taken without the project's wasm kernels:
 * XNNPACK through tfjs-backend-wasm, and the engine's JavaScript kernels.
 */
import { performance } from 'node:perf_hooks';
import * as tfc from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { selectBackend } from '../../src/engine';
import { pauseWasmKernels } from '../../src/engine/wasm-kernels';
import { median } from './stats';
import { formatTable } from './report';

type Tf = typeof import('@tensorflow/tfjs-core');

const CALLS_PER_SAMPLE = 10;

/** Each case: a name and a function building its inputs, returning the call to time. */
function cases(tf: Tf): [string, () => () => import('@tensorflow/tfjs-core').Tensor][] {
  const r = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
  const run = (name: string, inputs: Record<string, import('@tensorflow/tfjs-core').Tensor>, attrs: object) => () =>
    tf.engine().runKernel(name, inputs, attrs as import('@tensorflow/tfjs-core').NamedAttrMap) as import('@tensorflow/tfjs-core').Tensor;
  const conv = (c: 'NHWC') => ({ strides: 1, pad: 'valid', dataFormat: c });
  return [
    ['conv1 forward', () => { const x = r([256, 28, 28, 1], 1), w = r([5, 5, 1, 6], 2), b = r([6], 3); return () => tf.fused.conv2d({ x: x as import('@tensorflow/tfjs-core').Tensor4D, filter: w as import('@tensorflow/tfjs-core').Tensor4D, bias: b, strides: 1, pad: 'valid' }); }],
    ['conv2 forward', () => { const x = r([256, 12, 12, 6], 1), w = r([5, 5, 6, 16], 2), b = r([16], 3); return () => tf.fused.conv2d({ x: x as import('@tensorflow/tfjs-core').Tensor4D, filter: w as import('@tensorflow/tfjs-core').Tensor4D, bias: b, strides: 1, pad: 'valid' }); }],
    ['conv1 filter gradient', () => run('Conv2DBackpropFilter', { x: r([256, 28, 28, 1], 1), dy: r([256, 24, 24, 6], 2) }, { ...conv('NHWC'), filterShape: [5, 5, 1, 6] })],
    ['conv2 filter gradient', () => run('Conv2DBackpropFilter', { x: r([256, 12, 12, 6], 1), dy: r([256, 8, 8, 16], 2) }, { ...conv('NHWC'), filterShape: [5, 5, 6, 16] })],
    ['conv2 input gradient', () => run('Conv2DBackpropInput', { dy: r([256, 8, 8, 16], 1), filter: r([5, 5, 6, 16], 2) }, { ...conv('NHWC'), inputShape: [256, 12, 12, 6] })],
    ['dense1 forward', () => { const x = r([256, 256], 1), w = r([256, 120], 2), b = r([120], 3); return () => tf.fused.matMul({ a: x, b: w, bias: b }); }],
    ['dense1 input gradient', () => { const dy = r([256, 120], 1), w = r([256, 120], 2); return () => tf.matMul(dy, w, false, true); }],
    ['dense1 weight gradient', () => { const x = r([256, 256], 1), dy = r([256, 120], 2); return () => tf.matMul(x, dy, true, false); }],
    ['bn1 moments', () => { const x = r([256, 24, 24, 6], 1); return () => { const { mean, variance } = tf.moments(x, [0, 1, 2]); mean.dispose(); return variance; }; }],
    ['bn1 normalize', () => { const x = r([256, 24, 24, 6], 1), m = r([6], 2), v = tf.add(r([6], 3), 2), o = r([6], 4), s = r([6], 5); return () => tf.batchNorm(x, m, v, o, s, 1e-5); }],
    ['bn1 channel multiply', () => { const x = r([256, 24, 24, 6], 1), s = r([6], 2); return () => tf.mul(x, s); }],
    ['bn1 channel sums', () => { const x = r([256, 24, 24, 6], 1); return () => tf.sum(x, [0, 1, 2]); }],
    ['sigmoid1', () => { const x = r([256, 24, 24, 6], 1); return () => tf.sigmoid(x); }],
    ['pool1 forward', () => { const x = r([256, 24, 24, 6], 1); return () => tf.avgPool(x as import('@tensorflow/tfjs-core').Tensor4D, 2, 2, 'valid'); }],
    ['pool1 gradient', () => run('AvgPoolGrad', { dy: r([256, 12, 12, 6], 1), input: r([256, 24, 24, 6], 2) }, { filterSize: 2, strides: 2, pad: 'valid' })],
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string', default: '1' },
      samples: { type: 'string', default: '10' },
      clock: { type: 'string' },
      only: { type: 'string' },
    },
  });
  const threads = Number(values.threads);
  const samples = Number(values.samples);
  const clock = values.clock ?? (threads === 1 ? 'cpu' : 'wall');
  if (clock === 'cpu' && threads !== 1) throw new Error('--clock cpu measures one thread only: use --threads 1');
  const info = await selectBackend({ backend: 'wasm', gpu: false, threads });
  // The module's own exports (as tfjs-layers sees them), where the engine replaced ops.
  const tf: Tf = tfc;
  const backend = tf.backend();
  const now = clock === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
  const rows: string[][] = [];
  for (const [name, make] of cases(tf)) {
    if (values.only && !name.includes(values.only)) continue;
    const call = make();
    const times: Record<'wasm' | 'previous', number[]> = { wasm: [], previous: [] };
    // Each sample times CALLS_PER_SAMPLE calls (the CPU clock ticks too coarsely for one),
    // in blocks on one path taking turns: alternating every call would let one path's garbage
    // collection land in the other's time.
    for (const path of ['wasm', 'previous', 'wasm', 'previous'] as const) {
      pauseWasmKernels(backend, path === 'previous');
      for (let i = 0; i < 3; i++) call().dispose(); // the first calls compile and warm up
      for (let sample = 0; sample < samples / 2; sample++) {
        const started = now();
        for (let i = 0; i < CALLS_PER_SAMPLE; i++) call().dispose();
        times[path].push((now() - started) / CALLS_PER_SAMPLE);
      }
    }
    pauseWasmKernels(backend, false);
    const [w, p] = [median(times.wasm)!, median(times.previous)!];
    rows.push([name, w.toFixed(3), p.toFixed(3), `${(p / w).toFixed(2)}x`]);
  }
  process.stdout.write(`${info.device}, ${clock} time, medians of ${samples} samples of ${CALLS_PER_SAMPLE} calls, ms per call\n`);
  process.stdout.write(formatTable(['kernel (LeNet-BN, batch 256)', 'wasm kernels', 'previous', 'speed-up'], rows, new Set([1, 2, 3])));
}

// An explicit exit: worker threads must not keep the process alive.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`kernels: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
