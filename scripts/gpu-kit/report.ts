/**
 * gpu-report.json: what one run of the GPU kit measured, and the check that a report is
 * complete and that WebGPU trained as wasm does. Pure: no I/O here; check-report.ts reads the
 * file, measure.ts writes it.
 */
import type { AdapterDescription } from '../../src/engine/webgpu-adapter';
import type { WebgpuCounts } from '../../src/engine/webgpu-counters';

export const REPORT_FORMAT = 'bnlenet-gpu-report/1';
export const REPORT_FILE = 'gpu-report.json';
/** WebGPU's losses and weights after the check's steps may differ from wasm's by this much. */
export const WASM_TOLERANCE = 1e-3;

export interface VariantResult {
  /** Training examples/sec over the epochs after the warm-up epoch. */
  examplesPerSec: number;
  /** The warm-up epoch's seconds beyond what its steps take at that rate: shader compilation. */
  warmupSeconds: number;
  /** The larger of the two below. */
  maxAbsDiffVsWasm: number;
  maxAbsLossDiffVsWasm: number;
  maxAbsWeightDiffVsWasm: number;
  /** Steps of the check against wasm. */
  checkSteps: number;
  warmupEpochSeconds: number;
  timedEpochs: number;
  stepsPerEpoch: number;
  perStep?: WebgpuCounts;
  perEpochEnd?: WebgpuCounts;
}

export interface RealDataResult {
  examples: number;
  loss: number;
  trainAcc: number;
  testAcc: number;
  examplesPerSec: number;
  device: string;
}

export interface PytorchResult {
  torch: string;
  device: string;
  /** Per variant: examples/sec over the epochs after the first, on the same synthetic sizes. */
  custom: { examplesPerSec: number; firstEpochSeconds: number };
  builtin: { examplesPerSec: number; firstEpochSeconds: number };
}

export interface GpuReport {
  format: typeof REPORT_FORMAT;
  date: string;
  quick: boolean;
  node: string;
  adapter: AdapterDescription;
  device: string;
  batchSize: number;
  custom: VariantResult;
  builtin: VariantResult;
  realData: RealDataResult | null;
  realDataReason?: string;
  pytorch: PytorchResult | null;
  pytorchReason?: string;
  wallSeconds: number;
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * What is wrong with a report: missing or non-numeric figures, WebGPU's results further from
 * wasm's than the tolerance, a null section without its reason. Empty when it is complete.
 */
export function reportProblems(report: unknown, tolerance = WASM_TOLERANCE): string[] {
  const problems: string[] = [];
  if (typeof report !== 'object' || report === null) return ['the report is not a JSON object'];
  const r = report as Partial<Record<keyof GpuReport, unknown>>;
  if (r.format !== REPORT_FORMAT) problems.push(`format is ${JSON.stringify(r.format)}, expected ${REPORT_FORMAT}`);
  const adapter = r.adapter as Partial<AdapterDescription> | null | undefined;
  if (typeof adapter !== 'object' || adapter === null || typeof adapter.isFallbackAdapter !== 'boolean') {
    problems.push('adapter is missing');
  }
  for (const impl of ['custom', 'builtin'] as const) {
    const v = r[impl] as Partial<VariantResult> | null | undefined;
    if (typeof v !== 'object' || v === null) {
      problems.push(`${impl} is missing`);
      continue;
    }
    if (!positive(v.examplesPerSec)) problems.push(`${impl}.examplesPerSec is ${JSON.stringify(v.examplesPerSec)}, not a positive number`);
    if (!finite(v.warmupSeconds) || v.warmupSeconds < 0) problems.push(`${impl}.warmupSeconds is ${JSON.stringify(v.warmupSeconds)}, not a number >= 0`);
    if (!finite(v.maxAbsDiffVsWasm)) problems.push(`${impl}.maxAbsDiffVsWasm is ${JSON.stringify(v.maxAbsDiffVsWasm)}, not a number`);
    else if (!(v.maxAbsDiffVsWasm <= tolerance)) problems.push(`${impl}: WebGPU differs from wasm by ${v.maxAbsDiffVsWasm}, more than ${tolerance}`);
  }
  for (const section of ['realData', 'pytorch'] as const) {
    const reason = r[`${section}Reason`];
    if (!(section in r)) problems.push(`${section} is missing`);
    else if (r[section] === null && (typeof reason !== 'string' || reason === '')) problems.push(`${section} is null without a reason`);
  }
  if (r.pytorch) {
    const p = r.pytorch as Partial<PytorchResult>;
    for (const impl of ['custom', 'builtin'] as const) {
      if (!positive(p[impl]?.examplesPerSec)) problems.push(`pytorch.${impl}.examplesPerSec is not a positive number`);
    }
  }
  if (r.realData) {
    const d = r.realData as Partial<RealDataResult>;
    if (!positive(d.examplesPerSec) || !finite(d.loss)) problems.push('realData lacks its loss or examplesPerSec');
  }
  return problems;
}
