/**
 * `npm run bench`: how fast bnlenet trains LeNet-BN on the default CPU backend, both BatchNorm
 * variants, against the PyTorch reference on the same data subset in the same bench run; plus
 * inference speed, dataset load time, peak RSS of a full-data epoch and `bnlenet --help`.
 *
 * Each training run is a child process of its own (no shared warm heap), and the variants
 * take turns across repeats (rotated each repeat) so that machine noise hits them alike.
 * Prints a table and the goals, and writes runs/bench-<UTC time>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { resolveDataDir } from '../src/data/data-dir';
import { prepareDataset } from '../src/data/prepare';
import { describeFailure, lastJsonLine, runChild } from './bench/child';
import { busyCores, machineInfo } from './bench/machine';
import { measurePeakRss, REPO_ROOT, timeHelp, timeLoads } from './bench/measures';
import { parseBenchOptions, type BenchOptions } from './bench/options';
import { probeReference, runReference } from './bench/reference';
import {
  benchTable,
  checkGoals,
  formatRate,
  BUSY_LIMIT,
  goalLines,
  ENGINE_LABEL,
  IMPLS,
  quietLine,
  summarize,
  variantLabel,
  YARDSTICKS,
  type BenchResults,
  type Engine,
  type Impl,
  type ReferenceStatus,
  type TrainSample,
  type Yardstick,
} from './bench/report';
import { rateOf, ratio, rotate } from './bench/stats';
import type { TrainOnceOutput } from './bench/train-once';
import { benchWebgpu, webgpuLines } from './bench/webgpu';

const TRAIN_ONCE = path.join(__dirname, 'bench', 'train-once.js');

/** How long the machine is watched, idle, before each run, for other processes' load. */
const QUIET_PROBE_MS = 1000;

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

interface Variant {
  engine: Engine;
  impl: Impl;
}

async function runTfjs(options: BenchOptions, dataDir: string, impl: Impl): Promise<{ sample: Omit<TrainSample, 'repeat'>; output?: TrainOnceOutput }> {
  const args = [
    TRAIN_ONCE,
    '--impl', impl,
    '--epochs', String(options.epochs),
    '--limit', String(options.limit),
    '--batch-size', String(options.batchSize),
    '--data-dir', dataDir,
  ];
  const result = await runChild(process.execPath, args, { cwd: REPO_ROOT, timeoutMs: options.childTimeout * 60_000 });
  const output = result.code === 0 ? lastJsonLine<TrainOnceOutput>(result.stdout) : undefined;
  if (output === undefined) {
    return { sample: { engine: 'tfjs', impl, epochs: [], wallSeconds: result.seconds, error: describeFailure(result) } };
  }
  const sample = { engine: 'tfjs' as const, impl, epochs: output.epochs, inference: output.inference, wallSeconds: result.seconds };
  return { sample, output };
}

function describeSample(sample: TrainSample, warmup: number): string {
  const name = `${variantLabel(`${sample.engine} ${sample.impl}`)}, repeat ${sample.repeat}`;
  if (sample.error !== undefined) return `${name}: FAILED: ${sample.error}`;
  const parts = [`${formatRate(rateOf(sample.epochs, warmup, 'steady'))} ex/s after warm-up`];
  if (warmup > 0) parts.push(`warm-up ${formatRate(rateOf(sample.epochs, warmup, 'warmup'))}`);
  if (sample.inference) parts.push(`inference ${formatRate(ratio(sample.inference.examples, sample.inference.seconds))} ex/s`);
  return `${name}: ${parts.join(', ')} (${sample.wallSeconds.toFixed(1)} s in all)`;
}

function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const started = new Date();
  const dataDir = resolveDataDir(options.dataDir);
  log(`verifying the data in ${dataDir}`);
  const trainCount = (await prepareDataset({ dataDir })).train.count;
  const examples = Math.min(options.limit, trainCount);
  const machine = await machineInfo();
  const references = {} as Record<Yardstick, ReferenceStatus>;
  for (const yardstick of YARDSTICKS) {
    const reference = options.skipReference
      ? { available: false, script: options.reference, python: options.python, reason: 'skipped (--skip-reference)' }
      : await probeReference(options.python, options.reference, yardstick);
    references[yardstick] = reference;
    const label = ENGINE_LABEL[yardstick];
    log(reference.available ? `${label}: PyTorch ${reference.torchVersion} on ${reference.blas}` : `no ${label}: ${reference.reason}`);
  }

  const otherBusyCores: number[] = [];
  const probeQuiet = async () => {
    const busy = await busyCores(QUIET_PROBE_MS);
    otherBusyCores.push(busy);
    if (busy > BUSY_LIMIT) log(`other processes are using ${busy.toFixed(2)} cores`);
    return busy;
  };
  await probeQuiet();
  log(`timing ${options.loadRuns} dataset loads and ${options.helpRuns} \`bnlenet --help\` spawns`);
  const loadSeconds = await timeLoads(dataDir, options.loadRuns);
  const helpSeconds = await timeHelp(options.helpRuns);

  const variants: Variant[] = [
    ...IMPLS.map((impl) => ({ engine: 'tfjs' as const, impl })),
    ...YARDSTICKS.filter((y) => references[y].available).flatMap((engine) => IMPLS.map((impl) => ({ engine, impl }))),
  ];
  const samples: TrainSample[] = [];
  let backend: Pick<TrainOnceOutput, 'device' | 'packages'> | undefined;
  const total = variants.length * options.repeats;
  for (let repeat = 1; repeat <= options.repeats; repeat++) {
    for (const { engine, impl } of rotate(variants, repeat - 1)) {
      const busy = await probeQuiet();
      let sample: TrainSample;
      if (engine === 'tfjs') {
        const run = await runTfjs(options, dataDir, impl);
        sample = { ...run.sample, repeat };
        backend ??= run.output && { device: run.output.device, packages: run.output.packages };
      } else {
        const settings = { ...options, script: options.reference, dataDir, timeoutMs: options.childTimeout * 60_000 };
        sample = { engine, impl, repeat, ...(await runReference(settings, engine, impl, examples)) };
      }
      sample.otherBusyCores = busy;
      samples.push(sample);
      log(`[${samples.length}/${total}] ${describeSample(sample, options.warmup)}`);
    }
  }

  let peakRss;
  if (!options.skipRss) {
    await probeQuiet();
    log(`measuring peak RSS: bnlenet train --epochs 1 on all ${trainCount.toLocaleString('en-US')} training images`);
    peakRss = await measurePeakRss(dataDir, trainCount, options.childTimeout * 60_000);
  }

  await probeQuiet();
  const webgpu = await benchWebgpu(dataDir, options.batchSize, options.childTimeout * 60_000, log);

  const results: BenchResults = { warmupEpochs: options.warmup, samples, references, loadSeconds, helpSeconds, peakRss, otherBusyCores };
  const summary = summarize(results);
  const goals = checkGoals(summary);
  const tfjsVersion = backend?.packages['@tensorflow/tfjs-core'] ?? 'unknown';
  const torchRef = YARDSTICKS.map((y) => references[y]).find((r) => r.available);
  const torch = torchRef ? `, PyTorch ${torchRef.torchVersion} (${torchRef.threads} threads)` : '';
  const heading = [
    `bnlenet bench, ${started.toISOString()}`,
    `machine: ${machine.cpu} (vectors: ${machine.vectors}), ${machine.cores} cores, ${machine.memoryGiB} GiB, Node.js ${machine.node}`,
    `tfjs ${tfjsVersion} on ${backend?.device ?? 'unknown'}${torch}`,
    `training: first ${examples.toLocaleString('en-US')} images, batch ${options.batchSize}, ` +
      `${options.epochs} epochs (first ${options.warmup} left out as warm-up), ${options.repeats} repeats, one process each`,
  ];
  const text = `${heading.join('\n')}\n\n${benchTable(results, summary)}\n${webgpuLines(webgpu, summary)}\n${goalLines(goals)}\n${quietLine(summary)}`;
  process.stdout.write(text);

  const out = options.out ?? path.join(REPO_ROOT, 'runs', `bench-${utcStamp(started)}.json`);
  const report = {
    format: 'bnlenet-bench/1',
    date: started.toISOString(),
    finished: new Date().toISOString(),
    command: ['npm', 'run', 'bench', '--', ...process.argv.slice(2)],
    settings: { ...options, dataDir, examples },
    machine: { ...machine, tfjs: tfjsVersion, backend },
    summary,
    goals,
    results,
    webgpu,
    table: text,
  };
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  const shown = path.relative(process.cwd(), out);
  process.stdout.write(`\nwrote ${shown.startsWith('..') || path.isAbsolute(shown) ? out : shown}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
