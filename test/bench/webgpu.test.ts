/** The bench's WebGPU line: the figures with their ratio to PyTorch, the adapter, and what it is. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webgpuLines, type WebgpuBench } from '../../scripts/bench/webgpu';

const LAVAPIPE = 'webgpu (llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1, software fallback adapter)';

test('a software adapter is called an emulation, with each variant beside its PyTorch median', () => {
  const bench: WebgpuBench = {
    batchSize: 256,
    warmupSteps: 2,
    timedSteps: 5,
    device: LAVAPIPE,
    software: true,
    samples: [
      { impl: 'custom', examplesPerSec: 120, seconds: 10.7 },
      { impl: 'builtin', examplesPerSec: 100, seconds: 12.8 },
    ],
  };
  const line = webgpuLines(bench, { train: { 'pytorch-openblas custom': { median: 12_000, n: 3 } } });
  assert.equal(
    line,
    `WebGPU: custom 120 ex/s (0.01x PyTorch+OpenBLAS custom), builtin 100 ex/s; batch 256, 5 steps after 2 warm-up, one run each, ` +
      `on ${LAVAPIPE}: a software emulation on the CPU (no GPU here), not a GPU figure\n`,
  );
});

test('a failed child: not measured, and why', () => {
  const bench: WebgpuBench = { batchSize: 256, warmupSteps: 2, timedSteps: 5, samples: [{ impl: 'custom', error: '--backend webgpu: webgpu is not installed; ...' }] };
  assert.equal(webgpuLines(bench, { train: {} }), 'WebGPU: not measured: --backend webgpu: webgpu is not installed; ...\n');
});

test('each variant carries its per-step traffic when the child counted it', () => {
  const perStep = { dispatches: 255, uploads: 40, uploadBytes: 2048, uniformWrites: 255, readbacks: 0 };
  const bench: WebgpuBench = {
    batchSize: 256,
    warmupSteps: 2,
    timedSteps: 6,
    device: LAVAPIPE,
    software: true,
    samples: [{ impl: 'custom', examplesPerSec: 40, seconds: 38, perStep }],
  };
  assert.match(webgpuLines(bench, { train: {} }), /^WebGPU: custom 40 ex\/s; per step 255 dispatches, 40 uploads \(2 KiB\), 255 uniform writes, 0 readbacks; batch 256/);
});
