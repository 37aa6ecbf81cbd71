/** The TensorFlow.js side of `evaluate` and `inspect-params`, loaded lazily by the commands. */
import { prepareDataset } from '../data/prepare';
import { selectBackend } from '../engine';
import { UsageError } from '../errors';
import { readBatchNormParams } from '../model/batchnorm-inspect';
import { paramsTable } from '../report/params-table';
import { evaluateSplit } from '../train/evaluate';
import { newestRunDir } from '../train/run-dir';
import { openSavedRun } from '../train/saved-run';

export async function evaluateRun(runFlag: string | undefined, dataDir: string, json: boolean): Promise<void> {
  const dir = runFlag ?? (await newestRunDir());
  await selectBackend({ backend: 'auto', gpu: false });
  const run = await openSavedRun(dir);
  const data = await prepareDataset({ dataDir });
  const result = await evaluateSplit(run.model, data.test);
  if (json) {
    process.stdout.write(`${JSON.stringify({ run: dir, impl: run.record.args.impl, epochs: run.epochsDone, testLoss: result.loss, testAcc: result.accuracy })}\n`);
  } else {
    process.stdout.write(`run ${dir} (${run.record.args.impl} BatchNorm, ${run.epochsDone} epochs)\n`);
    process.stdout.write(`test loss ${result.loss.toFixed(3)}, test acc ${result.accuracy.toFixed(3)}\n`);
  }
}

export async function inspectRun(runFlag: string | undefined, layer: number | 'all', json: boolean): Promise<void> {
  const dir = runFlag ?? (await newestRunDir());
  // Reading weights needs no speed: the plain JavaScript backend loads fastest.
  await selectBackend({ backend: 'cpu', gpu: false });
  const run = await openSavedRun(dir);
  const all = readBatchNormParams(run.model);
  if (layer !== 'all' && layer > all.length) {
    throw new UsageError(`--layer ${layer}: this model has BatchNorm layers 1 to ${all.length}`, 'use --layer 1..' + all.length + ' or --layer all');
  }
  const chosen = layer === 'all' ? all : [all[layer - 1]!];
  if (json) {
    process.stdout.write(`${JSON.stringify({ run: dir, impl: run.record.args.impl, epochs: run.epochsDone, layers: chosen })}\n`);
  } else {
    process.stdout.write(`run ${dir} (${run.record.args.impl} BatchNorm, ${run.epochsDone} epochs)\n`);
    process.stdout.write(paramsTable(chosen));
  }
}
