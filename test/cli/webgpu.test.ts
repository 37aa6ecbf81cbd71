/**
 * `--backend webgpu` and `--gpu` as a user runs them. With the stack (in CI: Mesa's lavapipe,
 * a second or more per step, and minutes per evaluation of the 10,000 test images): train and
 * compare stopped with Ctrl-C and resumed, with losses as on wasm, evaluated and inspected; no
 * adapter (an empty Vulkan driver list) and --gpu on a machine without a GPU, each one line
 * and exit 1. Without the packages (a copy of the tool whose
 * node_modules lacks them): one line naming the npm install.
 */
import { test } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import * as assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { WEBGPU_PACKAGES, webgpuInstallCommand } from '../../src/engine/webgpu-errors';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/cli';
import { jsonLines, readJson, readMetrics } from '../helpers/run-files';
import { listDir, tempDir } from '../helpers/temp-dir';
import { webgpuAdapterOrSkip } from '../helpers/webgpu-stack';
import { FIXTURE_DIR } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];
/**
 * A run of 10 batches of 32: long enough to interrupt after the first, short on lavapipe; its
 * test accuracy over TEST_IMAGES test images (--test-limit), so the epoch end's evaluation is one batch
 * of the training batches' shape (lavapipe compiles each new shape's shaders for seconds).
 */
const TEST_IMAGES = 32;
const RUN = ['--impl', 'custom', '--limit', '320', '--batch-size', '32', '--epochs', '1', '--seed', '2', '--test-limit', String(TEST_IMAGES), ...DATA];
/** Test accuracies may differ by one image that a float's difference tips the other way. */
const TEST_ACC_TOLERANCE = 1 / TEST_IMAGES + 1e-9;
const SLOW = { timeoutMs: 300_000 };
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

/** Two runs of the same arguments: epoch loss within 1e-4 relative, the same train accuracy,
 * test accuracy within one image, gamma and moving variance within 1e-4 relative. */
function assertRunsClose(runDir: string, refDir: string, label: string): void {
  const [a] = readMetrics(runDir);
  const [b] = readMetrics(refDir);
  assertRelative(a!.loss, b!.loss, 1e-4, `${label}: epoch loss`);
  assert.equal(a!.trainAcc, b!.trainAcc, `${label}: train acc`);
  assert.ok(Math.abs(a!.testAcc - b!.testAcc) <= TEST_ACC_TOLERANCE, `${label}: test acc ${a!.testAcc} vs ${b!.testAcc}`);
  const ref = readJson(path.join(refDir, 'summary.json')).batchNorm;
  const layers = readJson(path.join(runDir, 'summary.json')).batchNorm;
  assert.equal(layers.length, ref.length, `${label}: BatchNorm layers`);
  assert.ok(layers.length > 0, `${label}: the run has BatchNorm layers to compare`);
  layers.forEach((layer: { gamma: number[]; movingVariance: number[] }, i: number) => {
    layer.gamma.forEach((v, c) => assertRelative(v, ref[i].gamma[c], 1e-4, `${label}: bn${i + 1} gamma[${c}]`));
    layer.movingVariance.forEach((v, c) => assertRelative(v, ref[i].movingVariance[c], 1e-4, `${label}: bn${i + 1} moving variance[${c}]`));
  });
}

/** Sends Ctrl-C once `ready` matches the output: training has begun. */
function ctrlCWhen(ready: RegExp) {
  let sent = false;
  return (stdout: string, child: ChildProcess) => {
    if (!sent && ready.test(stdout)) sent = child.kill('SIGINT');
  };
}

// The train run is stopped before its epoch end and finished on wasm: a checkpoint resumes on
// any backend.
test('WebGPU end to end: train and Ctrl-C, compare with Ctrl-C and --resume, losses as on wasm, evaluate, inspect-params', async (t) => {
  const adapter = await webgpuAdapterOrSkip(t);
  if (!adapter) return;
  const dir = tempDir(t);
  const device = adapter.isFallbackAdapter ? /^webgpu \(.+, software fallback adapter\)$/ : /^webgpu \(.+\)$/;

  const cut = path.join(dir, 'cut');
  const interrupted = await runCli(['train', '--backend', 'webgpu', ...RUN, '--out', cut], { ...SLOW, onStdout: ctrlCWhen(/^run dir: /m) });
  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.match(interrupted.stdout, /^training LeNet-BN .* on webgpu \(.+\)$/m);
  // Dawn's own warnings may come first; the tool's lines (the error and its hint) come last.
  const lines = interrupted.stderr.trim().split('\n');
  const at = lines.findIndex((l) => /^bnlenet: interrupted in epoch 1\/1 after batch \d+\/10; checkpoint saved/.test(l));
  assert.ok(at >= 0, interrupted.stderr);
  assert.ok(lines.slice(at + 1).every((l) => l.startsWith('  ')), `nothing but the hint after the error: ${interrupted.stderr}`);
  const { position } = readJson(path.join(cut, 'checkpoint.json'));
  assert.ok(position.nextBatch > 0 && position.nextBatch < 10, `stopped mid-epoch at batch ${position.nextBatch}`);
  const finished = await runCli(['train', '--resume', cut, '--backend', 'wasm', '--quiet']);
  assert.equal(finished.code, 0, finished.stderr);
  const ref = path.join(dir, 'wasm');
  const wasm = await runCli(['train', '--backend', 'wasm', ...RUN, '--quiet', '--out', ref]);
  assert.equal(wasm.code, 0, wasm.stderr);
  assertRunsClose(cut, ref, 'train: batches on webgpu, the rest on wasm, vs all on wasm');

  // compare on WebGPU: Ctrl-C in its first run, then --resume on WebGPU finishes both.
  const cmp = path.join(dir, 'cmp');
  const small = ['--limit', '64', '--batch-size', '32', '--epochs', '1', '--seed', '2', '--test-limit', String(TEST_IMAGES), ...DATA];
  const stopped = await runCli(['compare', '--backend', 'webgpu', ...small, '--json', '--out', cmp], { ...SLOW, onStdout: ctrlCWhen(/"event":"start"/) });
  assert.equal(stopped.code, 130, stopped.stderr);
  const resumed = await runCli(['compare', '--resume', cmp, '--backend', 'webgpu', '--json'], SLOW);
  assert.equal(resumed.code, 0, `exits by itself when done; stderr: ${resumed.stderr}`);
  assert.doesNotMatch(resumed.stderr, /bnlenet:/, 'every line of the tool went to stdout');
  const events = jsonLines(resumed.stdout);
  const ends = events.filter((e) => e.event === 'end');
  assert.equal(ends.length, 2);
  for (const end of ends) assert.match(end.device, device);
  const { runs } = events.at(-1)!;
  assert.ok(Math.abs(runs.custom.metrics[0].loss - runs.builtin.metrics[0].loss) < 1e-3, 'both BatchNorms take the same steps');
  const custom = path.join(cmp, 'custom');
  const customRef = path.join(dir, 'wasm-custom');
  const wasmCustom = await runCli(['train', '--backend', 'wasm', '--impl', 'custom', ...small, '--quiet', '--out', customRef]);
  assert.equal(wasmCustom.code, 0, wasmCustom.stderr);
  assertRunsClose(custom, customRef, 'compare\'s custom run on webgpu (interrupted, resumed) vs wasm');

  // Evaluated on WebGPU too: a saved run evaluates on any backend, as trained.
  const evaluated = await runCli(['evaluate', '--run', custom, '--json', '--backend', 'webgpu', ...DATA]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const [trained] = readMetrics(custom);
  assert.ok(Math.abs(jsonLines(evaluated.stdout)[0].testAcc - trained!.testAcc) <= TEST_ACC_TOLERANCE, 'the saved model evaluates on webgpu as trained');
  const inspected = await runCli(['inspect-params', '--run', custom, '--json']);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.deepEqual(jsonLines(inspected.stdout)[0].layers[0].gamma, readJson(path.join(custom, 'summary.json')).batchNorm[0].gamma);
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
    new RegExp(`^bnlenet: --backend webgpu: @tensorflow/tfjs-backend-webgpu and webgpu are not installed; install with \`${install}\`.*, or run without it with \`--backend wasm\`$`),
  );
  const gpu = await runCli(['train', '--gpu', ...DATA], { bin, cwd });
  assertOneLineError(gpu, new RegExp(`^bnlenet: --gpu: no GPU to train on: CUDA needs @tensorflow/tfjs-node-gpu, which is not installed .*; WebGPU needs @tensorflow/tfjs-backend-webgpu and webgpu \\(\`${install}\`\\)`));
  assert.deepEqual(listDir(cwd), [], 'no runs/ or data/ created');
  // The copy itself works: the same tool trains on wasm there.
  const wasm = await runCli(['train', '--backend', 'wasm', '--limit', '64', '--batch-size', '64', '--epochs', '1', '--quiet', ...DATA], { bin, cwd });
  assert.equal(wasm.code, 0, wasm.stderr);
  assert.match(wasm.stdout, /examples\/sec on cpu \(wasm/);
  assert.ok(!readFileSync(path.join(cwd, 'runs', readdirSync(path.join(cwd, 'runs'))[0]!, 'summary.json'), 'utf8').includes('webgpu'));
  // evaluate names the same packages, and a way to evaluate without them (not "train").
  const evaluate = await runCli(['evaluate', '--backend', 'webgpu'], { bin, cwd });
  assertOneLineError(evaluate, /^bnlenet: --backend webgpu: .* are not installed; .*, or run without it with `--backend wasm`$/);
});
