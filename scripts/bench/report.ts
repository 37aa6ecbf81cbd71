/**
 * What the bench found, in brief: the samples it collected, their summary (medians and
 * ratios), the goals checked against them, and the printed table. Pure: no I/O here.
 */
import { rateOf, ratio, stat, type EpochTiming, type Stat } from './stats';

export const IMPLS = ['custom', 'builtin'] as const;
export type Impl = (typeof IMPLS)[number];
export const ENGINES = ['tfjs', 'pytorch'] as const;
export type Engine = (typeof ENGINES)[number];

export const ENGINE_LABEL: Record<Engine, string> = { tfjs: 'tfjs', pytorch: 'PyTorch' };
export const INSTALL_TORCH = 'apt-get install -y python3-torch';

/** One training child process: one variant, one repeat. */
export interface TrainSample {
  engine: Engine;
  impl: Impl;
  repeat: number;
  epochs: EpochTiming[];
  /** tfjs only: one timed inference pass (evaluateSplit) over the test set after training. */
  inference?: { examples: number; seconds: number };
  /** The child's whole life: start-up, data loading, training, evaluation. */
  wallSeconds: number;
  /** Set when the child failed; its epochs are then empty. */
  error?: string;
  /** Cores busy with other processes in the second before this run. */
  otherBusyCores?: number;
}

/** Whether the PyTorch reference could run, and if not, why not. */
export interface ReferenceStatus {
  available: boolean;
  script: string;
  python: string;
  reason?: string;
  torchVersion?: string;
  threads?: number;
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
  reference: ReferenceStatus;
  loadSeconds: number[];
  helpSeconds: number[];
  peakRss?: PeakRss;
  /** Cores busy with other processes in the second before each run (the bench idle). */
  otherBusyCores: number[];
}

export type VariantKey = `${Engine} ${Impl}`;

export interface Summary {
  /** Examples/sec over the epochs after the warm-up, per repeat, summarized over repeats. */
  train: Partial<Record<VariantKey, Stat>>;
  warmup: Partial<Record<VariantKey, Stat>>;
  inference: Partial<Record<Impl, Stat>>;
  loadSeconds: Stat;
  helpSeconds: Stat;
  peakRssMiB?: number;
  otherBusyCores: Stat & { values: number[] };
  ratios: {
    customVsBuiltin?: number;
    customVsReference?: number;
    builtinVsReference?: number;
  };
}

export function summarize(results: BenchResults): Summary {
  const train: Summary['train'] = {};
  const warmup: Summary['warmup'] = {};
  const inference: Summary['inference'] = {};
  for (const engine of ENGINES) {
    for (const impl of IMPLS) {
      const samples = results.samples.filter((s) => s.engine === engine && s.impl === impl && s.error === undefined);
      if (samples.length === 0) continue;
      const rates = (part: 'warmup' | 'steady') =>
        samples.map((s) => rateOf(s.epochs, results.warmupEpochs, part)).filter((r): r is number => r !== undefined);
      train[`${engine} ${impl}`] = stat(rates('steady'));
      warmup[`${engine} ${impl}`] = stat(rates('warmup'));
      const inferenceRates = samples
        .map((s) => (s.inference ? ratio(s.inference.examples, s.inference.seconds) : undefined))
        .filter((r): r is number => r !== undefined);
      if (inferenceRates.length > 0) inference[impl] = stat(inferenceRates);
    }
  }
  const medianOf = (key: VariantKey) => train[key]?.median;
  return {
    train,
    warmup,
    inference,
    loadSeconds: stat(results.loadSeconds),
    helpSeconds: stat(results.helpSeconds),
    peakRssMiB: results.peakRss?.kib !== undefined ? results.peakRss.kib / 1024 : undefined,
    otherBusyCores: { ...stat(results.otherBusyCores), values: results.otherBusyCores },
    ratios: {
      customVsBuiltin: ratio(medianOf('tfjs custom'), medianOf('tfjs builtin')),
      customVsReference: ratio(medianOf('tfjs custom'), medianOf('pytorch custom')),
      builtinVsReference: ratio(medianOf('tfjs builtin'), medianOf('pytorch builtin')),
    },
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

/** The goals, each judged against the summary ('n/a' where it was not measured). */
export function checkGoals(summary: Summary): Goal[] {
  const { builtinVsReference, customVsBuiltin } = summary.ratios;
  const help = summary.helpSeconds.median;
  return [
    {
      name: 'builtin vs PyTorch builtin',
      value: formatRatio(builtinVsReference),
      goal: '>= 0.5x (goal 1.0x)',
      status: judge(builtinVsReference, (r) => r >= 0.5),
    },
    {
      name: 'custom vs builtin',
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

const withRatio = (r: number | undefined, what: string) => (r === undefined ? [] : [`${formatRatio(r)} ${what}`]);

/** The measurement table: one row per measure, with its median, range, sample count and notes. */
export function benchTable(results: BenchResults, summary: Summary): string {
  const rows: string[][] = [];
  const { ratios } = summary;
  const referenceNote = results.reference.available
    ? []
    : [`unavailable: ${results.reference.reason ?? 'not run'}`];
  for (const engine of ENGINES) {
    for (const impl of IMPLS) {
      const key: VariantKey = `${engine} ${impl}`;
      const notes: string[] = [];
      if (engine === 'tfjs' && impl === 'custom') notes.push(...withRatio(ratios.customVsBuiltin, 'tfjs builtin'));
      if (engine === 'tfjs') {
        notes.push(...withRatio(impl === 'custom' ? ratios.customVsReference : ratios.builtinVsReference, `PyTorch ${impl}`));
      }
      if (engine === 'pytorch' && summary.train[key] === undefined) notes.push(...referenceNote);
      const failed = results.samples.filter((s) => s.engine === engine && s.impl === impl && s.error !== undefined).length;
      if (failed > 0) notes.push(`${failed} run(s) failed`);
      rows.push([`train ex/s, ${ENGINE_LABEL[engine]} ${impl}`, ...statCells(summary.train[key], formatRate), notes.join('; ')]);
    }
  }
  for (const engine of ENGINES) {
    for (const impl of IMPLS) {
      const key: VariantKey = `${engine} ${impl}`;
      const warm = summary.warmup[key];
      if (warm === undefined || warm.n === 0) continue;
      const vsLater = ratio(warm.median, summary.train[key]?.median);
      rows.push([`warm-up epoch ex/s, ${ENGINE_LABEL[engine]} ${impl}`, ...statCells(warm, formatRate), withRatio(vsLater, 'of later epochs').join('')]);
    }
  }
  for (const impl of IMPLS) {
    if (summary.inference[impl] === undefined) continue;
    rows.push([`inference ex/s, tfjs ${impl}`, ...statCells(summary.inference[impl], formatRate), 'evaluateSplit on the test set']);
  }
  rows.push(['dataset load', ...statCells(summary.loadSeconds, formatSeconds), 'loadFashionMnist, verified data dir']);
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
