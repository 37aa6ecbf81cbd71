/**
 * `--backend webgpu` and `--gpu` as a user runs them. With the stack (in CI: Mesa's lavapipe,
 * about a second per step, and a minute or two per evaluation of the 10,000 test images): a
 * run interrupted with Ctrl-C and resumed, whose losses match the same run on wasm, evaluated,
 * inspected, and compared; no adapter (an empty Vulkan driver list) and --gpu on a machine
 * without a GPU, each one line and exit 1. Without the packages (a copy of the tool whose
 * node_modules lacks them): one line naming the npm install.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { WEBGPU_PACKAGES, webgpuInstallCommand } from '../../src/engine/webgpu-errors';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/cli';
import { jsonLines, readJson, readMetrics } from '../helpers/run-files';
import { listDir, tempDir } from '../helpers/temp-dir';
import { webgpuAdapterOrSkip } from '../helpers/webgpu-stack';

const DATA = ['--data-dir', '/usr/share/datasets/fashion-mnist'];
/** A run of 10 batches of 32: long enough to interrupt after the first, short on lavapipe. */
const RUN = ['--impl', 'custom', '--limit', '320', '--batch-size', '32', '--epochs', '1', '--seed', '2', ...DATA];
const SLOW = { timeoutMs: 600_000 };
/** A Vulkan driver list naming no driver: Dawn finds no adapter. */
const NO_VULKAN_DRIVER = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };

/** The tool's error: exit 1 and exactly one line on stderr (nothing of Dawn's around it). */
function assertOneLineError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 1, `exit status; stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${result.stderr}`);
  assert.match(lines[0]!, pattern);
}

function assertRelative(actual: number, expected: number, tol: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.abs(expected), `${label}: ${actual} vs ${expected}`);
}

test('WebGPU end to end: Ctrl-C, --resume, losses as on wasm, evaluate, inspect-params, compare', async (t) => {
  const adapter = await webgpuAdapterOrSkip(t);
  if (!adapter) return;
  const dir = tempDir(t);
  const cut = path.join(dir, 'cut');

  let signalled = false;
  const interrupted = await runCli(['train', '--backend', 'webgpu', ...RUN, '--out', cut], {
    ...SLOW,
    // Ctrl-C once training has begun (the run dir line is out).
    onStdout: (stdout, child) => {
      if (!signalled && /^run dir: /m.test(stdout)) signalled = child.kill('SIGINT');
    },
  });
  assert.equal(interrupted.code, 130, `signal ${interrupted.signal}; stdout: ${interrupted.stdout}; stderr: ${interrupted.stderr}`);
  // Dawn's own warnings may come first; the tool's lines (the error and its hint) come last.
  const lines = interrupted.stderr.trim().split('\n');
  const at = lines.findIndex((l) => /^bnlenet: interrupted in epoch 1\/1 after batch \d+\/10; checkpoint saved/.test(l));
  assert.ok(at >= 0, interrupted.stderr);
  assert.ok(lines.slice(at + 1).every((l) => l.startsWith('  ')), `nothing but the hint after the error: ${interrupted.stderr}`);
  const { position } = readJson(path.join(cut, 'checkpoint.json'));
  assert.ok(position.nextBatch > 0 && position.nextBatch < 10, `stopped mid-epoch at batch ${position.nextBatch}`);

  // The backend is not part of a run's definition: a run resumes where it is asked to.
  const resumed = await runCli(['train', '--resume', cut, '--backend', 'webgpu'], SLOW);
  assert.equal(resumed.code, 0, `exits by itself when done; stderr: ${resumed.stderr}`);
  assert.match(resumed.stdout, /resuming at epoch 1, batch \d+/);
  const deviceLine = resumed.stdout.trim().split('\n').find((l) => /examples\/sec on /.test(l) && !l.startsWith('epoch'));
  assert.match(deviceLine ?? '', /^\d+(\.\d+)? examples\/sec on webgpu \(.+\)$/);
  if (adapter.isFallbackAdapter) assert.match(deviceLine!, /, software fallback adapter\)$/);
  assert.doesNotMatch(resumed.stderr, /bnlenet:/, 'every line of the tool went to stdout');

  const ref = path.join(dir, 'wasm');
  const wasm = await runCli(['train', '--backend', 'wasm', ...RUN, '--quiet', '--out', ref]);
  assert.equal(wasm.code, 0, wasm.stderr);
  const [g] = readMetrics(cut);
  const [w] = readMetrics(ref);
  assertRelative(g!.loss, w!.loss, 1e-4, 'epoch loss, webgpu (interrupted and resumed) vs wasm');
  assert.equal(g!.trainAcc, w!.trainAcc, 'train acc');
  assert.ok(Math.abs(g!.testAcc - w!.testAcc) <= 0.002, `test acc ${g!.testAcc} vs ${w!.testAcc}`);
  const gpuSummary = readJson(path.join(cut, 'summary.json'));
  const wasmSummary = readJson(path.join(ref, 'summary.json'));
  assert.match(gpuSummary.backend.device, /^webgpu \(/);
  gpuSummary.batchNorm.forEach((layer: { gamma: number[]; movingVariance: number[] }, i: number) => {
    layer.gamma.forEach((v, c) => assertRelative(v, wasmSummary.batchNorm[i].gamma[c], 1e-4, `bn${i + 1} gamma[${c}]`));
    layer.movingVariance.forEach((v, c) =>
      assertRelative(v, wasmSummary.batchNorm[i].movingVariance[c], 1e-4, `bn${i + 1} moving variance[${c}]`),
    );
  });

  const evaluated = await runCli(['evaluate', '--run', cut, '--json', ...DATA]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.ok(Math.abs(jsonLines(evaluated.stdout)[0].testAcc - g!.testAcc) <= 0.002, 'the saved model evaluates as trained');
  const inspected = await runCli(['inspect-params', '--run', cut, '--json']);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.deepEqual(jsonLines(inspected.stdout)[0].layers[0].gamma, gpuSummary.batchNorm[0].gamma);

  const compared = await runCli(
    ['compare', '--backend', 'webgpu', '--limit', '64', '--batch-size', '32', '--epochs', '1', '--seed', '2', ...DATA, '--json', '--out', path.join(dir, 'cmp')],
    SLOW,
  );
  assert.equal(compared.code, 0, compared.stderr);
  const events = jsonLines(compared.stdout);
  assert.ok(events.filter((e) => e.event === 'end').every((e) => /^webgpu \(/.test(e.device)));
  const { runs } = events.at(-1)!;
  assert.ok(Math.abs(runs.custom.metrics[0].loss - runs.builtin.metrics[0].loss) < 1e-3, 'both BatchNorms take the same steps');
});

test('no WebGPU adapter (an empty Vulkan driver list): one line with Dawn\'s reason, exit 1, nothing written', async (t) => {
  if (!(await webgpuAdapterOrSkip(t))) return;
  if (process.platform !== 'linux') return t.skip('the Vulkan loader is Linux\'s');
  const cwd = tempDir(t);
  const result = await runCli(['train', '--backend', 'webgpu', ...DATA], { cwd, env: NO_VULKAN_DRIVER });
  assertOneLineError(result, /^bnlenet: --backend webgpu: Dawn found no WebGPU adapter \(.*Found no drivers!.*\); install your GPU's Vulkan driver.*--backend wasm/);
  assert.deepEqual(listDir(cwd), [], 'no runs/ or data/ created');
  const gpu = await runCli(['train', '--gpu', ...DATA], { cwd, env: NO_VULKAN_DRIVER });
  assertOneLineError(gpu, /^bnlenet: --gpu: no GPU to train on: CUDA needs @tensorflow\/tfjs-node-gpu, which is not installed .*; WebGPU found no adapter \(.*Found no drivers!/);
  assert.deepEqual(listDir(cwd), []);
});

test('--gpu with only a software adapter: one line naming both routes, exit 1', async (t) => {
  const adapter = await webgpuAdapterOrSkip(t);
  if (!adapter) return;
  if (!adapter.isFallbackAdapter) return t.skip(`this machine has a GPU adapter (${adapter.description}): --gpu trains on it`);
  const cwd = tempDir(t);
  const result = await runCli(['train', '--gpu', ...DATA], { cwd });
  assertOneLineError(
    result,
    /^bnlenet: --gpu: no GPU to train on: CUDA needs @tensorflow\/tfjs-node-gpu, which is not installed \(`npm install --no-save --save-peer @tensorflow\/tfjs-node-gpu@4\.22\.0`; Linux x86_64, an NVIDIA GPU, CUDA 11\.2, cuDNN 8\.1\); WebGPU found only a software adapter \(.+\), which is not a GPU; train on it anyway with `--backend webgpu` \(without --gpu\), or train on the CPU with `--backend wasm`$/,
  );
  const webgpuOnly = await runCli(['train', '--gpu', '--backend', 'webgpu', ...DATA], { cwd });
  assertOneLineError(webgpuOnly, /^bnlenet: --gpu: no GPU to train on: WebGPU found only a software adapter/);
  assert.deepEqual(listDir(cwd), []);
});

/**
 * A copy of the built tool (bin, dist/src, package.json) whose node_modules links every
 * package of this checkout except the WebGPU ones, which therefore cannot resolve from it.
 */
function copyWithoutWebgpu(dir: string): string {
  cpSync(path.join(REPO_ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'dist', 'src'), path.join(dir, 'dist', 'src'), { recursive: true });
  copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
  const link = (name: string) => {
    if ((WEBGPU_PACKAGES as readonly string[]).includes(name)) return;
    symlinkSync(path.join(REPO_ROOT, 'node_modules', name), path.join(dir, 'node_modules', name));
  };
  mkdirSync(path.join(dir, 'node_modules'));
  for (const entry of readdirSync(path.join(REPO_ROOT, 'node_modules'))) {
    if (!entry.startsWith('@')) {
      link(entry);
      continue;
    }
    mkdirSync(path.join(dir, 'node_modules', entry));
    for (const scoped of readdirSync(path.join(REPO_ROOT, 'node_modules', entry))) link(`${entry}/${scoped}`);
  }
  return path.join(dir, 'bin', 'bnlenet.js');
}

test('WebGPU packages missing: one line with the npm install to run and --backend wasm, exit 1', async (t) => {
  const bin = copyWithoutWebgpu(tempDir(t));
  assert.ok(!existsSync(path.join(path.dirname(bin), '..', 'node_modules', 'webgpu')));
  const cwd = tempDir(t);
  const install = webgpuInstallCommand().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const result = await runCli(['train', '--backend', 'webgpu', ...DATA], { bin, cwd });
  assertOneLineError(
    result,
    new RegExp(`^bnlenet: --backend webgpu: @tensorflow/tfjs-backend-webgpu and webgpu are not installed; install with \`${install}\`.*, or train without it with \`--backend wasm\`$`),
  );
  const gpu = await runCli(['train', '--gpu', ...DATA], { bin, cwd });
  assertOneLineError(gpu, new RegExp(`^bnlenet: --gpu: no GPU to train on: CUDA needs @tensorflow/tfjs-node-gpu, which is not installed .*; WebGPU needs @tensorflow/tfjs-backend-webgpu and webgpu \\(\`${install}\`\\)`));
  assert.deepEqual(listDir(cwd), [], 'no runs/ or data/ created');
  // The copy itself works: the same tool trains on wasm there.
  const wasm = await runCli(['train', '--backend', 'wasm', '--limit', '64', '--batch-size', '64', '--epochs', '1', '--quiet', ...DATA], { bin, cwd });
  assert.equal(wasm.code, 0, wasm.stderr);
  assert.match(wasm.stdout, /examples\/sec on cpu \(wasm/);
  assert.ok(!readFileSync(path.join(cwd, 'runs', readdirSync(path.join(cwd, 'runs'))[0]!, 'summary.json'), 'utf8').includes('webgpu'));
});
