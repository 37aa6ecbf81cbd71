/**
 * The check check.sh applies to the GPU kit's gpu-report.json: a complete report passes; a
 * missing figure, WebGPU further from wasm than 1e-3, or a section left null without its
 * reason fails, each with a line naming it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPORT_FORMAT, reportProblems, type GpuReport, type VariantResult } from '../../scripts/gpu-kit/report';

function variant(diff: number): VariantResult {
  return {
    examplesPerSec: 40,
    warmupSeconds: 3.5,
    maxAbsDiffVsWasm: diff,
    maxAbsLossDiffVsWasm: diff / 2,
    maxAbsWeightDiffVsWasm: diff,
    checkSteps: 2,
    warmupEpochSeconds: 16,
    timedEpochs: 1,
    stepsPerEpoch: 2,
  };
}

function report(): GpuReport {
  return {
    format: REPORT_FORMAT,
    date: '2026-12-05T17:00:00.000Z',
    quick: true,
    node: 'v20.20.2',
    adapter: { description: 'llvmpipe', vendor: 'mesa', architecture: 'software', device: '', isFallbackAdapter: true },
    device: 'webgpu (llvmpipe, software fallback adapter)',
    batchSize: 256,
    custom: variant(1.7e-6),
    builtin: variant(1.4e-6),
    realData: null,
    realDataReason: 'the kit holds no data',
    pytorch: null,
    pytorchReason: "python3's torch 2.6.0 sees no CUDA device",
    wallSeconds: 190,
  };
}

test('a complete report with WebGPU within 1e-3 of wasm has no problem', () => {
  assert.deepEqual(reportProblems(report()), []);
});

test('WebGPU further from wasm than the tolerance is a problem', () => {
  const r = report();
  r.builtin = variant(2e-3);
  assert.deepEqual(reportProblems(r), ['builtin: WebGPU differs from wasm by 0.002, more than 0.001']);
});

test('a missing figure, a missing variant and a null section without its reason are each named', () => {
  const r = report() as unknown as Record<string, unknown>;
  delete (r.custom as Record<string, unknown>).examplesPerSec;
  delete r.builtin;
  delete r.pytorchReason;
  assert.deepEqual(reportProblems(r), [
    'custom.examplesPerSec is undefined, not a positive number',
    'builtin is missing',
    'pytorch is null without a reason',
  ]);
});

test('a NaN difference (a run that diverged) does not pass as within the tolerance', () => {
  const r = report();
  r.custom = variant(NaN);
  assert.deepEqual(reportProblems(r), ['custom.maxAbsDiffVsWasm is null, not a number']);
});
