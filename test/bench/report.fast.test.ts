import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchTable, checkGoals, formatTable, quietLine, ratioValue, summarize, type BenchResults, type TrainSample } from '../../scripts/bench/report';
import { blasMatches, REFERENCE_BLAS_DIR, referenceEnv } from '../../scripts/bench/reference';
import { median, rateOf, ratio, rotate, stat } from '../../scripts/bench/stats';
import { vectorWidth } from '../../scripts/bench/machine';

test('median: middle value, mean of the two middle ones, undefined for none; input untouched', () => {
  const values = [5, 1, 3];
  assert.equal(median(values), 3);
  assert.deepEqual(values, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), undefined);
  assert.deepEqual(stat([2, 9, 4]), { median: 4, min: 2, max: 9, n: 3 });
  assert.deepEqual(stat([]), { n: 0 });
});

test('ratio: undefined when a side is missing or the divisor is not positive', () => {
  assert.equal(ratio(3, 4), 0.75);
  assert.equal(ratio(undefined, 4), undefined);
  assert.equal(ratio(3, 0), undefined);
  assert.equal(ratio(3, Number.NaN), undefined);
});

test('rateOf: all examples over all seconds of the warm-up epochs or of the rest', () => {
  const epochs = [
    { epoch: 1, examples: 100, seconds: 2 },
    { epoch: 2, examples: 100, seconds: 1 },
    { epoch: 3, examples: 100, seconds: 3 },
  ];
  assert.equal(rateOf(epochs, 1, 'warmup'), 50);
  assert.equal(rateOf(epochs, 1, 'steady'), 50); // 200 examples in 4 s, not the mean of 100 and 33
  assert.equal(rateOf(epochs, 0, 'warmup'), undefined);
  assert.equal(rateOf(epochs, 3, 'steady'), undefined);
});

test('rotate: each repeat starts with the next variant', () => {
  assert.deepEqual(rotate(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
  assert.deepEqual(rotate(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
  assert.deepEqual(rotate(['a', 'b', 'c'], 4), ['b', 'c', 'a']);
  assert.deepEqual(rotate([], 2), []);
});

test('formatTable: padded columns, right-aligned where asked, a rule under the header', () => {
  assert.equal(
    formatTable(['name', 'n'], [['a', '1'], ['bbb', '22']], new Set([1])),
    'name   n\n----  --\na      1\nbbb   22\n',
  );
});

function sample(engine: TrainSample['engine'], impl: TrainSample['impl'], repeat: number, secondsPerEpoch: number[]): TrainSample {
  return {
    engine,
    impl,
    repeat,
    epochs: secondsPerEpoch.map((seconds, i) => ({ epoch: i + 1, examples: 1000, seconds })),
    wallSeconds: 10,
  };
}

const reasonRef = 'torch loads /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 here; install it with `apt-get install -y libblas3`';
const results = (samples: TrainSample[], available = true): BenchResults => ({
  warmupEpochs: 1,
  samples,
  references: {
    'pytorch-openblas': { available, script: 'ref.py', python: 'py', reason: available ? undefined : 'no torch; install it with `apt-get install -y python3-torch`' },
    'pytorch-refblas': { available: false, script: 'ref.py', python: 'py', reason: reasonRef },
  },
  loadSeconds: [0.3, 0.2, 0.4],
  helpSeconds: [0.1],
  peakRss: { kib: 600 * 1024, method: 'test', examples: 60000 },
  otherBusyCores: [0.02, 0.02],
});

test('summary and goals: medians over repeats of the later epochs, ratios to builtin and to each PyTorch yardstick', () => {
  const r = results([
    sample('tfjs', 'custom', 1, [9, 1]), // 1000 ex/s after warm-up
    sample('tfjs', 'custom', 2, [9, 0.5]), // 2000
    sample('tfjs', 'custom', 3, [9, 2]), // 500
    sample('tfjs', 'builtin', 1, [9, 0.8]), // 1250
    sample('pytorch-openblas', 'custom', 1, [1, 0.25]), // 4000
    sample('pytorch-openblas', 'builtin', 1, [1, 0.2]), // 5000
    { ...sample('pytorch-openblas', 'builtin', 2, [1, 0.2]), inference: { examples: 10000, seconds: 0.5 } },
    { ...sample('tfjs', 'builtin', 2, []), error: 'exit status 1' },
    { ...sample('tfjs', 'builtin', 3, [9, 0.8]), inference: { examples: 10000, seconds: 1 } },
  ]);
  const summary = summarize(r);
  assert.deepEqual(summary.train['tfjs custom'], { median: 1000, min: 500, max: 2000, n: 3 });
  assert.equal(summary.warmup['tfjs custom']?.median, 1000 / 9);
  assert.equal(ratioValue(summary.trainRatios, 'tfjs custom', 'tfjs builtin'), 0.8);
  assert.equal(ratioValue(summary.trainRatios, 'tfjs custom', 'pytorch-openblas custom'), 0.25);
  assert.equal(ratioValue(summary.trainRatios, 'tfjs builtin', 'pytorch-openblas builtin'), 0.25);
  assert.equal(ratioValue(summary.trainRatios, 'tfjs builtin', 'pytorch-refblas builtin'), undefined);
  assert.equal(ratioValue(summary.inferenceRatios, 'tfjs builtin', 'pytorch-openblas builtin'), 0.5);
  assert.deepEqual(
    checkGoals(summary).map((g) => [g.name, g.value, g.status]),
    [
      ['custom vs PyTorch+OpenBLAS custom', '0.25x', 'BELOW'],
      ['builtin vs PyTorch+OpenBLAS builtin', '0.25x', 'BELOW'],
      ['inference, custom vs PyTorch+OpenBLAS custom', '-', 'n/a'],
      ['inference, builtin vs PyTorch+OpenBLAS builtin', '0.50x', 'BELOW'],
      ['custom vs tfjs builtin', '0.80x', 'BELOW'],
      ['peak RSS, full-data epoch', '600 MiB', 'PASS'],
      ['bnlenet --help', '0.100 s', 'PASS'],
    ],
  );
  const table = benchTable(r, summary);
  assert.match(table, /^train ex\/s, tfjs custom\s+1,000\s+500\.\.2,000\s+3\s+0\.80x tfjs builtin; 0\.25x PyTorch\+OpenBLAS custom$/m);
  assert.match(table, /^train ex\/s, tfjs builtin .*0\.25x PyTorch\+OpenBLAS builtin; 1 run\(s\) failed$/m);
  assert.match(table, /^inference ex\/s, tfjs builtin\s+10,000\s+1\s+0\.50x PyTorch\+OpenBLAS builtin; test accuracy \(accuracyOn, batch 1000\), median of 5 passes/m);
  assert.match(table, /^inference ex\/s, PyTorch\+OpenBLAS builtin\s+20,000\s+1\s+its last epoch's test pass/m);
  assert.match(table, /^train ex\/s, PyTorch\+refBLAS custom\s+-\s+0\s+unavailable: torch loads .*libblas3`$/m);
  assert.match(table, /^dataset load .*prepareDataset/m);
});

test('without the reference: its rows say why and how to install it, its goals are n/a', () => {
  const r = results([sample('tfjs', 'custom', 1, [1, 1]), sample('tfjs', 'builtin', 1, [1, 1])], false);
  const summary = summarize(r);
  assert.deepEqual(checkGoals(summary).slice(0, 4).map((g) => g.status), ['n/a', 'n/a', 'n/a', 'n/a']);
  assert.match(benchTable(r, summary), /^train ex\/s, PyTorch\+OpenBLAS builtin\s+-\s+0\s+unavailable: no torch; install it with `apt-get install -y python3-torch`$/m);
});

test('yardsticks: the reference BLAS goes first on the library path; each is recognised by the library torch loaded', () => {
  assert.equal(referenceEnv('pytorch-openblas', { LD_LIBRARY_PATH: '/x' }).LD_LIBRARY_PATH, '/x');
  assert.equal(referenceEnv('pytorch-refblas', { LD_LIBRARY_PATH: '/x' }).LD_LIBRARY_PATH, `${REFERENCE_BLAS_DIR}:/x`);
  assert.equal(referenceEnv('pytorch-refblas', {}).OMP_NUM_THREADS, '2');
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3';
  const refblas = `${REFERENCE_BLAS_DIR}/libblas.so.3.11.0`;
  assert.equal(blasMatches('pytorch-openblas', openblas), true);
  assert.equal(blasMatches('pytorch-openblas', refblas), false);
  assert.equal(blasMatches('pytorch-refblas', refblas), true);
  assert.equal(blasMatches('pytorch-refblas', openblas), false);
});

test('machine load: a plain line when quiet, a warning when other processes were busy', () => {
  const quiet = summarize(results([]));
  assert.match(quietLine(quiet), /^machine load: other processes used at most 0\.02 cores in the second before each run \(2 probes\)$/m);
  const busy = summarize({ ...results([]), otherBusyCores: [0.1, 1.5, 0.2] });
  assert.match(quietLine(busy), /^WARNING: other processes used more than 0\.25 cores in the second before 1 of 3 runs \(up to 1\.50 cores\)/);
});

test('the CPU\'s vector width: the widest extension /proc/cpuinfo lists', () => {
  assert.equal(vectorWidth('processor\t: 0\nflags\t\t: fpu sse sse2 avx avx2 fma avx512f avx512vl\n'), 'AVX-512, 512-bit');
  assert.equal(vectorWidth('flags\t\t: fpu sse sse2 avx avx2 fma\n'), 'AVX2, 256-bit');
  assert.equal(vectorWidth('Features\t: fp asimd evtstrm aes\n'), 'NEON, 128-bit');
  assert.equal(vectorWidth(''), 'unknown');
});
