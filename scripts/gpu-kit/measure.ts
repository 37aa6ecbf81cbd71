/**
 * The GPU kit's measurement (run.sh calls it once the kit is unpacked): the adapter Dawn
 * finds, each BatchNorm's training speed on WebGPU at batch 256 on synthetic batches (the
 * warm-up epoch's shader compilation apart), a few steps compared with the wasm backend on
 * the same batches, one epoch of the book's recipe on the real data when the kit holds it, and
 * the PyTorch reference on CUDA on the same synthetic sizes where python3 has torch with CUDA.
 * Writes gpu-report.json (report.ts) into --out.
 *
 *   node dist/scripts/gpu-kit/measure.js --out DIR [--allow-software] [--quick]
 *     [--data-dir DIR | --no-data REASON] [--reference d2l_lenet_bn.py]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { FASHION_MNIST_FILES } from '../../src/data';
import { webgpuDevice } from '../../src/engine/webgpu';
import { adapterName, probeAdapter } from '../../src/engine/webgpu-adapter';
import { formatCounts } from '../../src/engine/webgpu-counters';
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../../src/model/impls';
import { describeFailure, jsonLines, lastJsonLine, runChild } from '../bench/child';
import { REPORT_FILE, REPORT_FORMAT, type GpuReport, type PytorchResult, type RealDataResult, type VariantResult } from './report';
import type { CheckOutput, TrainChildOutput } from './train-child';

const ROOT = path.join(__dirname, '..', '..', '..');
const CHILD = path.join(__dirname, 'train-child.js');
const CLI = path.join(ROOT, 'bin', 'bnlenet.js');
const BATCH_SIZE = 256;

/** Sizes of a whole run (a GPU fits it in a few minutes) and of --quick (lavapipe: minutes). */
const PLANS = {
  full: { steps: 50, epochs: 3, checkSteps: 3, realLimit: undefined as number | undefined, childTimeoutMs: 240_000 },
  quick: { steps: 2, epochs: 2, checkSteps: 2, realLimit: 512 as number | undefined, childTimeoutMs: 300_000 },
};
type Plan = (typeof PLANS)['full'];

const log = (line: string) => process.stderr.write(`gpu-kit: ${line}\n`);

class KitError extends Error {}

async function trainChild(args: string[], timeoutMs: number): Promise<TrainChildOutput> {
  const child = await runChild(process.execPath, [CHILD, ...args], { timeoutMs });
  const output = child.code === 0 ? lastJsonLine<TrainChildOutput>(child.stdout) : undefined;
  if (!output) throw new KitError(`train-child ${args.join(' ')}: ${describeFailure(child)}`);
  return output;
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function compareChecks(gpu: CheckOutput, wasm: CheckOutput): { loss: number; weights: number } {
  const byName = new Map(wasm.weights.map((w) => [w.name, w.values]));
  let weights = gpu.weights.length === wasm.weights.length && gpu.weights.length > 0 ? 0 : Infinity;
  for (const w of gpu.weights) weights = Math.max(weights, maxAbsDiff(w.values, byName.get(w.name) ?? []));
  return { loss: maxAbsDiff(gpu.runningLosses, wasm.runningLosses), weights };
}

async function measureVariant(impl: BatchNormImpl, plan: Plan): Promise<VariantResult> {
  const common = ['--impl', impl, '--batch-size', String(BATCH_SIZE), '--check-steps', String(plan.checkSteps)];
  log(`${impl}: WebGPU, ${plan.epochs} epochs of ${plan.steps} steps (the first is the warm-up), then ${plan.checkSteps} steps to check against wasm`);
  const gpu = await trainChild(['--backend', 'webgpu', ...common, '--steps', String(plan.steps), '--epochs', String(plan.epochs)], plan.childTimeoutMs);
  log(`${impl}: wasm, the same ${plan.checkSteps} steps`);
  const wasm = await trainChild(['--backend', 'wasm', ...common], plan.childTimeoutMs);
  const timing = gpu.timing!;
  const [warmup, ...timed] = timing.epochs;
  const timedSeconds = timed.reduce((s, e) => s + e.trainSeconds, 0);
  const examplesPerSec = (timed.length * plan.steps * BATCH_SIZE) / timedSeconds;
  const diff = compareChecks(gpu.check!, wasm.check!);
  const result: VariantResult = {
    examplesPerSec,
    warmupSeconds: Math.max(0, warmup!.trainSeconds - (plan.steps * BATCH_SIZE) / examplesPerSec),
    maxAbsDiffVsWasm: Math.max(diff.loss, diff.weights),
    maxAbsLossDiffVsWasm: diff.loss,
    maxAbsWeightDiffVsWasm: diff.weights,
    checkSteps: plan.checkSteps,
    warmupEpochSeconds: warmup!.trainSeconds,
    timedEpochs: timed.length,
    stepsPerEpoch: plan.steps,
    perStep: timing.perStep,
    perEpochEnd: timing.perEpochEnd,
  };
  log(
    `${impl}: ${examplesPerSec.toFixed(1)} examples/sec on WebGPU, warm-up ${result.warmupSeconds.toFixed(2)} s, ` +
      `largest difference from wasm ${result.maxAbsDiffVsWasm.toExponential(2)}` +
      (timing.perStep ? `; per step: ${formatCounts(timing.perStep)}` : ''),
  );
  return result;
}

/** One epoch of the book's recipe on the real data, through the CLI, on WebGPU. */
async function realData(dataDir: string, plan: Plan): Promise<RealDataResult> {
  const runDir = await mkdtemp(path.join(tmpdir(), 'bnlenet-gpu-kit-run-'));
  try {
    // --quick: that many training images, and as many test images for each evaluation.
    const limit = plan.realLimit === undefined ? [] : ['--limit', String(plan.realLimit), '--test-limit', String(plan.realLimit)];
    log(`the book's recipe on Fashion-MNIST, 1 epoch${plan.realLimit ? ` of ${plan.realLimit} images, tested on ${plan.realLimit} (--quick)` : ''}, on WebGPU`);
    const args = [CLI, 'train', '--backend', 'webgpu', '--epochs', '1', '--data-dir', dataDir, '--out', path.join(runDir, 'run'), '--json', ...limit];
    const child = await runChild(process.execPath, args, { timeoutMs: 600_000 });
    const end = jsonLines<{ event: string; final?: { loss: number; trainAcc: number; testAcc: number }; examplesPerSec?: number; device?: string }>(child.stdout).find((e) => e.event === 'end');
    if (child.code !== 0 || !end?.final) throw new KitError(`bnlenet train on the real data: ${describeFailure(child)}`);
    const result = {
      examples: plan.realLimit ?? 60_000,
      loss: end.final.loss,
      trainAcc: end.final.trainAcc,
      testAcc: end.final.testAcc,
      examplesPerSec: end.examplesPerSec!,
      device: end.device ?? '',
    };
    log(`real data: loss ${result.loss.toFixed(3)}, train acc ${result.trainAcc.toFixed(3)}, test acc ${result.testAcc.toFixed(3)}, ${result.examplesPerSec.toFixed(1)} examples/sec`);
    return result;
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

/** Why the PyTorch reference cannot run on CUDA here, or the torch version and GPU name. */
async function pytorchHere(reference: string | undefined): Promise<{ torch: string; device: string } | string> {
  if (reference === undefined || !existsSync(reference)) return 'the PyTorch reference script is not in the kit';
  const probe = await runChild('python3', [
    '-c',
    'import json, torch; ok = torch.cuda.is_available(); ' +
      'print(json.dumps({"torch": torch.__version__, "cuda": ok, "device": torch.cuda.get_device_name(0) if ok else None}))',
  ], { timeoutMs: 120_000 });
  if (probe.failure?.endsWith('not found')) return 'no python3 on PATH';
  const found = lastJsonLine<{ torch: string; cuda: boolean; device: string | null }>(probe.stdout);
  if (!found) return `python3 has no usable torch (${describeFailure(probe)})`;
  if (!found.cuda) return `python3's torch ${found.torch} sees no CUDA device`;
  return { torch: found.torch, device: found.device ?? 'cuda' };
}

async function pytorch(reference: string, found: { torch: string; device: string }, plan: Plan): Promise<PytorchResult> {
  const result: Partial<PytorchResult> = { torch: found.torch, device: found.device };
  for (const impl of BATCHNORM_IMPLS) {
    log(`PyTorch ${impl} on CUDA: --synthetic ${plan.steps * BATCH_SIZE}, ${plan.epochs} epochs`);
    const args = [reference, '--impl', impl, '--device', 'cuda', '--synthetic', String(plan.steps * BATCH_SIZE), '--epochs', String(plan.epochs), '--batch-size', String(BATCH_SIZE), '--json'];
    const child = await runChild('python3', args, { timeoutMs: plan.childTimeoutMs });
    const rows = jsonLines<{ epoch?: number; examples_per_sec: number }>(child.stdout).filter((r) => r.epoch !== undefined);
    if (child.code !== 0 || rows.length !== plan.epochs) throw new KitError(`the PyTorch reference (${impl}): ${describeFailure(child)}`);
    const epochSeconds = rows.map((r) => (plan.steps * BATCH_SIZE) / r.examples_per_sec);
    const timedSeconds = epochSeconds.slice(1).reduce((a, b) => a + b, 0);
    result[impl] = { examplesPerSec: ((plan.epochs - 1) * plan.steps * BATCH_SIZE) / timedSeconds, firstEpochSeconds: epochSeconds[0]! };
    log(`PyTorch ${impl}: ${result[impl]!.examplesPerSec.toFixed(1)} examples/sec on ${found.device}`);
  }
  return result as PytorchResult;
}

function dataMissing(dataDir: string): string | undefined {
  const absent = FASHION_MNIST_FILES.map((f) => f.name).filter((name) => !existsSync(path.join(dataDir, name)));
  return absent.length === 0 ? undefined : `${dataDir} lacks ${absent.join(', ')}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: '.' },
      'allow-software': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      'no-data': { type: 'string' },
      reference: { type: 'string' },
    },
  });
  const plan = values.quick ? PLANS.quick : PLANS.full;

  const probe = await probeAdapter();
  if (!probe.adapter) throw new KitError(`Dawn found no WebGPU adapter: ${probe.messages.join('; ') || 'it gave no reason'}`);
  const adapter = probe.adapter;
  log(`adapter: ${adapterName(adapter)} (vendor ${adapter.vendor || '?'}, architecture ${adapter.architecture || '?'}${adapter.isFallbackAdapter ? ', a software fallback adapter' : ''})`);
  if (adapter.isFallbackAdapter && !values['allow-software']) {
    throw new KitError(`${adapterName(adapter)} is a software adapter, not a GPU: its figures would say nothing of a GPU (pass --allow-software to measure it anyway)`);
  }

  const variants: Partial<Record<BatchNormImpl, VariantResult>> = {};
  for (const impl of BATCHNORM_IMPLS) variants[impl] = await measureVariant(impl, plan);

  let real: RealDataResult | null = null;
  let realDataReason: string | undefined;
  const missing = values['data-dir'] === undefined ? (values['no-data'] ?? 'no --data-dir given') : dataMissing(values['data-dir']);
  if (missing === undefined) real = await realData(values['data-dir']!, plan);
  else {
    realDataReason = missing;
    log(`no run on the real data: ${missing}`);
  }

  let torch: PytorchResult | null = null;
  let pytorchReason: string | undefined;
  const found = await pytorchHere(values.reference);
  if (typeof found === 'string') {
    pytorchReason = found;
    log(`no PyTorch figures: ${found}`);
  } else torch = await pytorch(values.reference!, found, plan);

  const report: GpuReport = {
    format: REPORT_FORMAT,
    date: new Date().toISOString(),
    quick: values.quick,
    node: process.version,
    adapter,
    device: webgpuDevice(adapter),
    batchSize: BATCH_SIZE,
    custom: variants.custom!,
    builtin: variants.builtin!,
    realData: real,
    ...(realDataReason === undefined ? {} : { realDataReason }),
    pytorch: torch,
    ...(pytorchReason === undefined ? {} : { pytorchReason }),
    wallSeconds: (performance.now() - started) / 1000,
  };
  const file = path.resolve(values.out, REPORT_FILE);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${file} (${report.wallSeconds.toFixed(0)} s)`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const message = err instanceof KitError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`gpu-kit: ${message}\n`);
    process.exit(1);
  },
);
