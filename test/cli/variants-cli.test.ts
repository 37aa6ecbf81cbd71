/**
 * The chapter's exercises through the CLI's main in this process (the runs stopped with
 * Ctrl-C are processes of their own): impossible variants are usage errors (exit 2,
 * one line); a trained variant is recorded in run.json and summary.json, and evaluate,
 * inspect-params and --resume restore it as it was trained (an interrupted run with dropout
 * and BatchNorm settings of its own resumes to the very weights of a run never interrupted).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { assertOneLineError, runCli, runMain } from '../helpers/cli';
import { readJson, readMetrics } from '../helpers/run-files';
import { tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];
const SMALL = ['--limit', '256', '--epochs', '1', '--batch-size', '64', '--test-limit', '256', '--backend', 'wasm', ...DATA, '--quiet'];

test('each variant is saved as trained: run.json and summary.json name it, evaluate and inspect-params restore it', async (t) => {
  const dir = tempDir(t);
  const variants: { flags: string[]; args: object }[] = [
    { flags: ['--impl', 'none', '--dropout', '0.5', '--lr', '0.9'], args: { impl: 'none', bnLayers: [], noBias: false, freezeAffine: false, bnMode: 'full', dropout: 0.5 } },
    {
      flags: ['--impl', 'builtin', '--bn-layers', '4,3', '--no-bias', '--freeze-affine'],
      args: { impl: 'builtin', bnLayers: [3, 4], noBias: true, freezeAffine: true, bnMode: 'full', dropout: 0 },
    },
    { flags: ['--bn-mode', 'center', '--bn-layers', '1,2'], args: { impl: 'custom', bnLayers: [1, 2], noBias: false, freezeAffine: false, bnMode: 'center', dropout: 0 } },
  ];
  for (const [i, variant] of variants.entries()) {
    const out = path.join(dir, `run${i}`);
    const trained = await runMain(['train', ...SMALL, ...variant.flags, '--out', out]);
    assert.equal(trained.code, 0, trained.stderr);
    const variantOf = (args: Record<string, unknown>) => Object.fromEntries(Object.keys(variant.args).map((k) => [k, args[k]]));
    for (const file of ['run.json', 'summary.json']) assert.deepEqual(variantOf(readJson(path.join(out, file)).args), variant.args, file);
    const checkpointArgs = JSON.parse(readFileSync(path.join(out, 'checkpoint.json'), 'utf8')).args;
    assert.deepEqual(checkpointArgs, readJson(path.join(out, 'run.json')).args);

    // The loaded model is the trained one: it scores on the test set what the run's last epoch measured.
    const evaluated = await runMain(['evaluate', '--run', out, '--json', ...DATA]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.equal(JSON.parse(evaluated.stdout).testAcc, readMetrics(out).at(-1)!.testAcc, variant.flags.join(' '));
  }

  const none = await runMain(['inspect-params', '--run', path.join(dir, 'run0')]);
  assertOneLineError(none, 1, /run0 was trained without BatchNorm \(--impl none\): it has no gamma or beta to inspect/);

  const frozen = await runMain(['inspect-params', '--run', path.join(dir, 'run1'), '--layer', 'all', '--json']);
  assert.equal(frozen.code, 0, frozen.stderr);
  const layers = JSON.parse(frozen.stdout).layers;
  assert.deepEqual(layers.map((l: any) => [l.index, l.name]), [[3, 'bn3'], [4, 'bn4']]);
  for (const layer of layers) {
    assert.ok(layer.gamma.every((g: number) => g === 1) && layer.beta.every((b: number) => b === 0), 'frozen gamma and beta');
    assert.ok(layer.movingMean.some((m: number) => m !== 0), 'moving statistics followed the batches');
  }
  const first = await runMain(['inspect-params', '--run', path.join(dir, 'run1'), '--json']);
  assert.equal(JSON.parse(first.stdout).layers[0].name, 'bn3', "the default is the model's first BatchNorm");
  assertOneLineError(await runMain(['inspect-params', '--run', path.join(dir, 'run1'), '--layer', '1']), 2, /--layer 1: this model has BatchNorm at position 3, 4 only/);

  const lite = await runMain(['inspect-params', '--run', path.join(dir, 'run2')]);
  assert.match(lite.stdout, /\(LeNet-BN \(custom BatchNorm at 1,2; center only\), 1 epoch\)/);
});

/** A 2-epoch train run sent SIGINT once its first epoch's line is out. */
async function trainStoppedAfterEpoch1(argv: string[]) {
  let sent = false;
  return runCli(argv, {
    onStdout: (stdout, child) => {
      if (!sent && /^epoch 1\/2/m.test(stdout)) child.kill('SIGINT');
      sent ||= /^epoch 1\/2/m.test(stdout);
    },
  });
}

test('--resume restores the variant and its BatchNorm settings: an interrupted run with dropout and a momentum, eps and running variance of its own ends with the weights (moving statistics included) of one never interrupted', async (t) => {
  const dir = tempDir(t);
  const recipe = ['--limit', '512', '--epochs', '2', '--batch-size', '64', '--test-limit', '256', '--backend', 'wasm', ...DATA];
  const variant = ['--bn-layers', '2,3', '--no-bias', '--bn-mode', 'scale', '--dropout', '0.3', '--lr', '0.3'];
  const settings = ['--bn-momentum', '0.5', '--bn-eps', '1e-3', '--bn-running-var', 'unbiased'];
  const whole = path.join(dir, 'whole');
  const cut = path.join(dir, 'cut');
  assert.equal((await runMain(['train', ...recipe, ...variant, ...settings, '--quiet', '--out', whole])).code, 0);
  // Stopped in epoch 2 (Ctrl-C: a process of its own) and resumed.
  const stopped = await trainStoppedAfterEpoch1(['train', ...recipe, ...variant, ...settings, '--out', cut]);
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.ok(readMetrics(cut).length < 2, 'stopped before the end');
  const resumed = await runMain(['train', '--resume', cut]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /^training LeNet-BN \(custom BatchNorm at 2,3; no bias before BatchNorm; scale only; dropout 0\.3; momentum 0\.5; eps 0\.001; unbiased running variance\)/m);
  assert.deepEqual(readMetrics(cut).map((m) => [m.loss, m.trainAcc, m.testAcc]), readMetrics(whole).map((m) => [m.loss, m.trainAcc, m.testAcc]));
  // The moving statistics are in weights.bin: they end as those of the run never stopped.
  assert.ok(readFileSync(path.join(cut, 'weights.bin')).equals(readFileSync(path.join(whole, 'weights.bin'))), 'same weights and moving statistics, byte for byte');
});

test('compare trains both BatchNorms as the same variant, and says which', async (t) => {
  const out = path.join(tempDir(t), 'compare');
  const result = await runMain(['compare', ...SMALL.filter((a) => a !== '--quiet'), '--bn-layers', '1,2', '--no-bias', '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^comparing custom and builtin BatchNorm \(BatchNorm at 1,2; no bias before BatchNorm\) from the same/m);
  for (const impl of ['custom', 'builtin']) {
    const args = readJson(path.join(out, impl, 'run.json')).args;
    assert.deepEqual([args.impl, args.bnLayers, args.noBias], [impl, [1, 2], true]);
  }
  const [custom, builtin] = ['custom', 'builtin'].map((impl) => readMetrics(path.join(out, impl))[0]!);
  assert.ok(Math.abs(custom.loss - builtin.loss) < 1e-4, `the same function: ${custom.loss} vs ${builtin.loss}`);
});

/** Each BatchNorm layer's settings as model.json saved them (what evaluate and --resume load; tfjs writes the config's keys in snake_case). */
function savedBatchNorms(runDir: string): { className: string; momentum: number; epsilon: number; runningVariance?: string }[] {
  const topology = readJson(path.join(runDir, 'model.json')).modelTopology;
  const layers: any[] = (topology.model_config ?? topology).config.layers;
  return layers
    .filter((l) => /BatchNorm/i.test(l.class_name))
    .map((l) => ({ className: l.class_name, momentum: l.config.momentum, epsilon: l.config.epsilon, runningVariance: l.config.running_variance }));
}

test('the BatchNorm settings (--bn-momentum, --bn-eps, --bn-running-var) are recorded in run.json and the saved layers, restored by evaluate and inspect-params, and fixed for a resume', async (t) => {
  const dir = tempDir(t);
  const settings = ['--bn-momentum', '0.5', '--bn-eps', '1e-3', '--bn-running-var', 'unbiased'];
  const recipe = ['--limit', '512', '--epochs', '2', '--batch-size', '64', '--test-limit', '256', '--backend', 'wasm', ...DATA];
  const whole = path.join(dir, 'whole');
  assert.equal((await runMain(['train', ...recipe, ...settings, '--quiet', '--out', whole])).code, 0);
  const args = readJson(path.join(whole, 'run.json')).args;
  assert.deepEqual([args.bnMomentum, args.bnEps, args.bnRunningVar], [0.5, 1e-3, 'unbiased']);
  const layers = savedBatchNorms(whole);
  assert.equal(layers.length, 4);
  for (const layer of layers) assert.deepEqual(layer, { className: 'BnlenetBatchNorm', momentum: 0.5, epsilon: 1e-3, runningVariance: 'unbiased' });
  const evaluated = await runMain(['evaluate', '--run', whole, '--json', ...DATA]);
  assert.equal(JSON.parse(evaluated.stdout).testAcc, readMetrics(whole).at(-1)!.testAcc, 'evaluate loads the settings with the model');
  const shown = await runMain(['inspect-params', '--run', whole]);
  assert.match(shown.stdout, /\(LeNet-BN \(custom BatchNorm; momentum 0\.5; eps 0\.001; unbiased running variance\), 2 epochs\)/);
  // A resume cannot change them (and restores them: the interrupted run above).
  assertOneLineError(await runMain(['train', '--resume', whole, '--bn-momentum', '0.9']), 2, /--bn-momentum cannot be changed when resuming/);
});

test('compare trains both BatchNorms with the BatchNorm settings the built-in layer has; the built-in keeps a biased moving variance only', async (t) => {
  const out = path.join(tempDir(t), 'compare');
  const result = await runMain(['compare', ...SMALL, '--bn-momentum', '0.99', '--bn-eps', '1e-3', '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(savedBatchNorms(path.join(out, 'builtin')).map((l) => [l.momentum, l.epsilon]), Array(4).fill([0.99, 1e-3]));
  assert.deepEqual(savedBatchNorms(path.join(out, 'custom')).map((l) => [l.momentum, l.epsilon]), Array(4).fill([0.99, 1e-3]));
  const [custom, builtin] = ['custom', 'builtin'].map((impl) => readMetrics(path.join(out, impl))[0]!);
  assert.ok(Math.abs(custom.testAcc - builtin.testAcc) < 0.02, `the same moving averages: test acc ${custom.testAcc} vs ${builtin.testAcc}`);
  assertOneLineError(
    await runMain(['compare', '--bn-running-var', 'unbiased', '--out', path.join(out, 'never'), ...DATA]),
    2,
    /compare trains custom and builtin BatchNorm; --bn-running-var unbiased needs --impl custom: the built-in BatchNorm .* biased batch variance/,
  );
});
