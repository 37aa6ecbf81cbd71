/**
 * What the bench found, in brief: the samples it collected, their summary (medians and
 * ratios), the goals checked against them, and the printed table. Pure: no I/O here.
 */
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../../src/model/impls';
import { rateOf, ratio, stat, type EpochTiming, type Stat } from './stats';

export const IMPLS = BATCHNORM_IMPLS;
export type Impl = BatchNormImpl;

/**
 * The PyTorch reference, once per BLAS it can run on: the yardsticks every ratio names.
 * OpenBLAS is the CPU speed a PyTorch user has (and the goal's yardstick); Debian's reference
 * BLAS is what torch finds without it, kept for comparison with older figures.
 */
export const YARDSTICKS = ['pytorch-openblas', 'pytorch-refblas'] as const;
export type Yardstick = (typeof YARDSTICKS)[number];
export const GOAL_YARDSTICK: Yardstick = 'pytorch-openblas';
export const ENGINES = ['tfjs', ...YARDSTICKS] as const;
export type Engine = (typeof ENGINES)[number];

export const ENGINE_LABEL: Record<Engine, string> = {
  tfjs: 'tfjs',
  'pytorch-openblas': 'PyTorch+OpenBLAS',
  'pytorch-refblas': 'PyTorch+refBLAS',
};
export const INSTALL_TORCH = 'apt-get install -y python3-torch';

/** One training child process: one variant, one repeat. */
export interface TrainSample {
  engine: Engine;
  impl: Impl;
  repeat: number;
  epochs: EpochTiming[];
  /** Inference over the test set: tfjs, the median of five timed passes after a warm-up one, after training; PyTorch, its script's one pass after its last epoch. */
  inference?: { examples: number; seconds: number };
  /** The child's whole life: start-up, data loading, training, evaluation. */
  wallSeconds: number;
  /** Set when the child failed; its epochs are then empty. */
  error?: string;
  /** Cores busy with other processes in the second before this run. */
  otherBusyCores?: number;
}

/** Whether one PyTorch yardstick could run, and if not, why not. */
export interface ReferenceStatus {
  available: boolean;
  script: string;
  python: string;
  reason?: string;
  torchVersion?: string;
  threads?: number;
  /** The BLAS library torch loaded (resolved path), as found in the probe. */
  blas?: string;
}

export interface PeakRss {
  kib?: number;
  /** How it was measured, e.g. "/usr/bin/time -v (ru_maxrss)". */
  method: string;
  examples?: number;
  /** The run's own "examples/sec" line, for the record (one epoch: warm-up included). */
  examplesPerSec?: number;
  error?: string;
}

export interface BenchResults {
  warmupEpochs: number;
  samples: TrainSample[];
  references: Record<Yardstick, ReferenceStatus>;
  loadSeconds: number[];
  helpSeconds: number[];
  peakRss?: PeakRss;
  /** Cores busy with other processes in the second before each run (the bench idle). */
  otherBusyCores: number[];
}

export type VariantKey = `${Engine} ${Impl}`;

/** A ratio of two variants' medians, named by both (the second is the yardstick). */
export interface Ratio {
  of: VariantKey;
  to: VariantKey;
  value?: number;
}

export interface Summary {
  /** Examples/sec over the epochs after the warm-up, per repeat, summarized over repeats. */
  train: Partial<Record<VariantKey, Stat>>;
  warmup: Partial<Record<VariantKey, Stat>>;
  inference: Partial<Record<VariantKey, Stat>>;
  loadSeconds: Stat;
  helpSeconds: Stat;
  peakRssMiB?: number;
  otherBusyCores: Stat & { values: number[] };
  /** tfjs custom to tfjs builtin, and each tfjs variant to each yardstick's same variant. */
  trainRatios: Ratio[];
  inferenceRatios: Ratio[];
}

/** The name of a variant as the table prints it: "tfjs custom", "PyTorch+OpenBLAS builtin". */
export function variantLabel(key: VariantKey): string {
  const [engine, impl] = key.split(' ') as [Engine, Impl];
  return `${ENGINE_LABEL[engine]} ${impl}`;
}

/** The ratios the bench reports, in the order it prints them. */
function ratiosOf(medians: Partial<Record<VariantKey, Stat>>): Ratio[] {
  const pairs: [VariantKey, VariantKey][] = [['tfjs custom', 'tfjs builtin']];
  for (const impl of IMPLS) for (const y of YARDSTICKS) pairs.push([`tfjs ${impl}`, `${y} ${impl}`]);
  return pairs.map(([of, to]) => ({ of, to, value: ratio(medians[of]?.median, medians[to]?.median) }));
}

/** The value of the ratio of `of` to `to`, if measured. */
export function ratioValue(ratios: readonly Ratio[], of: VariantKey, to: VariantKey): number | undefined {
  return ratios.find((r) => r.of === of && r.to === to)?.value;
}

export function summarize(results: BenchResults): Summary {
  const train: Summary['train'] = {};
  const warmup: Summary['warmup'] = {};
  const inference: Summary['inference'] = {};
  for (const engine of ENGINES) {
    for (const impl of IMPLS) {
      const key: VariantKey = `${engine} ${impl}`;
      const samples = results.samples.filter((s) => s.engine === engine && s.impl === impl && s.error === undefined);
      if (samples.length === 0) continue;
      const rates = (part: 'warmup' | 'steady') =>
        samples.map((s) => rateOf(s.epochs, results.warmupEpochs, part)).filter((r): r is number => r !== undefined);
      train[key] = stat(rates('steady'));
      warmup[key] = stat(rates('warmup'));
      const inferenceRates = samples
        .map((s) => (s.inference ? ratio(s.inference.examples, s.inference.seconds) : undefined))
        .filter((r): r is number => r !== undefined);
      if (inferenceRates.length > 0) inference[key] = stat(inferenceRates);
    }
  }
  return {
    train,
    warmup,
    inference,
    loadSeconds: stat(results.loadSeconds),
    helpSeconds: stat(results.helpSeconds),
    peakRssMiB: results.peakRss?.kib !== undefined ? results.peakRss.kib / 1024 : undefined,
    otherBusyCores: { ...stat(results.otherBusyCores), values: results.otherBusyCores },
    trainRatios: ratiosOf(train),
    inferenceRatios: ratiosOf(inference),
  };
}

export type GoalStatus = 'PASS' | 'BELOW' | 'n/a';

export interface Goal {
  name: string;
  value: string;
  goal: string;
  status: GoalStatus;
}

function judge(value: number | undefined, passes: (v: number) => boolean): GoalStatus {
  if (value === undefined) return 'n/a';
  return passes(value) ? 'PASS' : 'BELOW';
}

/** Each BatchNorm's floor and goal against the goal yardstick (issue 22): training, then inference. */
const YARDSTICK_GOALS: { impl: Impl; measure: 'train' | 'inference'; floor: number; goal?: number }[] = [
  { impl: 'custom', measure: 'train', floor: 1.0, goal: 1.2 },
  { impl: 'builtin', measure: 'train', floor: 0.8, goal: 1.0 },
  { impl: 'custom', measure: 'inference', floor: 1.0 },
  { impl: 'builtin', measure: 'inference', floor: 1.0 },
];

/** The issue's goals, each judged against the summary ('n/a' where it was not measured). */
export function checkGoals(summary: Summary): Goal[] {
  const help = summary.helpSeconds.median;
  const vsGoalYardstick = YARDSTICK_GOALS.map(({ impl, measure, floor, goal }): Goal => {
    const ratios = measure === 'train' ? summary.trainRatios : summary.inferenceRatios;
    const value = ratioValue(ratios, `tfjs ${impl}`, `${GOAL_YARDSTICK} ${impl}`);
    return {
      name: `${measure === 'train' ? '' : 'inference, '}${impl} vs ${variantLabel(`${GOAL_YARDSTICK} ${impl}`)}`,
      value: formatRatio(value),
      goal: `>= ${floor.toFixed(1)}x${goal === undefined ? '' : ` (goal ${goal.toFixed(1)}x)`}`,
      status: judge(value, (r) => r >= floor),
    };
  });
  const customVsBuiltin = ratioValue(summary.trainRatios, 'tfjs custom', 'tfjs builtin');
  return [
    ...vsGoalYardstick,
    {
      name: 'custom vs tfjs builtin',
      value: formatRatio(customVsBuiltin),
      goal: '>= 0.9x',
      status: judge(customVsBuiltin, (r) => r >= 0.9),
    },
    {
      name: 'peak RSS, full-data epoch',
      value: formatMiB(summary.peakRssMiB),
      goal: '< 1 GiB',
      status: judge(summary.peakRssMiB, (mib) => mib < 1024),
    },
    {
      name: 'bnlenet --help',
      value: formatSeconds(help),
      goal: '< 0.5 s',
      status: judge(help, (s) => s < 0.5),
    },
  ];
}

export function formatRate(value: number | undefined): string {
  return value === undefined ? '-' : Math.round(value).toLocaleString('en-US');
}

export function formatRatio(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(2)}x`;
}

export function formatSeconds(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(3)} s`;
}

export function formatMiB(value: number | undefined): string {
  return value === undefined ? '-' : `${Math.round(value).toLocaleString('en-US')} MiB`;
}

/**
 * Columns padded to their widest cell; the columns named in `right` are right-aligned.
 * A dashed rule goes under the header. Trailing spaces are trimmed.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  const line = (row: readonly string[]) =>
    widths
      .map((width, col) => (right.has(col) ? (row[col] ?? '').padStart(width) : (row[col] ?? '').padEnd(width)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

function statCells(s: Stat | undefined, format: (v: number | undefined) => string): string[] {
  if (s === undefined || s.n === 0) return ['-', '', '0'];
  const range = s.n > 1 ? `${format(s.min)}..${format(s.max)}` : '';
  return [format(s.median), range, String(s.n)];
}

/** "0.45x PyTorch+OpenBLAS custom; ..." for the ratios of `key` to its yardsticks. */
function ratioNotes(ratios: readonly Ratio[], key: VariantKey): string[] {
  return ratios.filter((r) => r.of === key && r.value !== undefined).map((r) => `${formatRatio(r.value)} ${variantLabel(r.to)}`);
}

/** The measurement table: one row per measure, with its median, range, sample count and notes. */
export function benchTable(results: BenchResults, summary: Summary): string {
  const rows: string[][] = [];
  const keys = ENGINES.flatMap((engine) => IMPLS.map((impl): VariantKey => `${engine} ${impl}`));
  const engineOf = (key: VariantKey) => key.split(' ')[0] as Engine;
  for (const key of keys) {
    const engine = engineOf(key);
    const notes = ratioNotes(summary.trainRatios, key);
    const reference = engine === 'tfjs' ? undefined : results.references[engine];
    if (reference && !reference.available && summary.train[key] === undefined) {
      notes.push(`unavailable: ${reference.reason ?? 'not run'}`);
    }
    const failed = results.samples.filter((s) => `${s.engine} ${s.impl}` === key && s.error !== undefined).length;
    if (failed > 0) notes.push(`${failed} run(s) failed`);
    rows.push([`train ex/s, ${variantLabel(key)}`, ...statCells(summary.train[key], formatRate), notes.join('; ')]);
  }
  for (const key of keys) {
    const warm = summary.warmup[key];
    if (warm === undefined || warm.n === 0) continue;
    const vsLater = ratio(warm.median, summary.train[key]?.median);
    rows.push([`warm-up epoch ex/s, ${variantLabel(key)}`, ...statCells(warm, formatRate), vsLater === undefined ? '' : `${formatRatio(vsLater)} of later epochs`]);
  }
  for (const key of keys) {
    if (summary.inference[key] === undefined) continue;
    const how = engineOf(key) === 'tfjs' ? 'test accuracy (accuracyOn, batch 1000), median of 5 passes' : 'its last epoch\'s test pass, batch 256';
    const notes = [...ratioNotes(summary.inferenceRatios, key), how];
    rows.push([`inference ex/s, ${variantLabel(key)}`, ...statCells(summary.inference[key], formatRate), notes.join('; ')]);
  }
  rows.push(['dataset load', ...statCells(summary.loadSeconds, formatSeconds), 'prepareDataset (as train does), verified data dir']);
  const rss = results.peakRss;
  const rssNote = rss === undefined
    ? 'skipped'
    : rss.error !== undefined
      ? `unavailable: ${rss.error}`
      : `train --epochs 1 on ${formatRate(rss.examples)} images (${rss.method})` +
        (rss.examplesPerSec !== undefined ? `, ${formatRate(rss.examplesPerSec)} ex/s` : '');
  rows.push(['peak RSS, full-data epoch', formatMiB(summary.peakRssMiB), '', rss?.kib !== undefined ? '1' : '0', rssNote]);
  rows.push(['bnlenet --help', ...statCells(summary.helpSeconds, formatSeconds), 'wall time of a spawned CLI']);
  return formatTable(['measure', 'median', 'min..max', 'n', 'notes'], rows, new Set([1, 2, 3]));
}

export function goalLines(goals: readonly Goal[]): string {
  return formatTable(
    ['goal', 'value', 'target', 'status'],
    goals.map((g) => [g.name, g.value, g.goal, g.status]),
    new Set([1]),
  );
}

/** Above this many cores busy elsewhere before a run, its timings are not to be trusted. */
export const BUSY_LIMIT = 0.25;

/** One line on how quiet the machine was around the runs; a warning when it was not. */
export function quietLine(summary: Summary): string {
  const busy = summary.otherBusyCores;
  if (busy.n === 0) return 'machine load: not probed\n';
  const over = busy.values.filter((cores) => cores > BUSY_LIMIT).length;
  if (over === 0) {
    return `machine load: other processes used at most ${busy.max!.toFixed(2)} cores in the second before each run (${busy.n} probes)\n`;
  }
  return (
    `WARNING: other processes used more than ${BUSY_LIMIT} cores in the second before ${over} of ${busy.n} runs ` +
    `(up to ${busy.max!.toFixed(2)} cores): those timings are skewed; medians over repeats damp this, a quiet machine avoids it\n`
  );
}
