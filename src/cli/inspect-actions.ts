/** The TensorFlow.js side of `evaluate` and `inspect-params`, loaded lazily by the commands. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { prepareDataset } from '../data';
import { selectBackend, type BackendRequest } from '../engine';
import { BnlenetError, UsageError } from '../errors';
import { describeVariant } from '../model/run-args';
import { readBatchNormParams } from '../model/batchnorm-inspect';
import { paramsTable } from '../report/params-table';
import { formatFigure, plural } from '../report/train-lines';
import { shellCommand } from '../util/shell-quote';
import { renderParamsSvg } from '../report/plots';
import { type Evaluation } from '../train/evaluate';
import { evaluateSavedRun } from '../train/evaluate-saved';
import { DEFAULT_RECOMPUTE_IMAGES } from '../train/recompute-stats';
import { PARAMS_SVG } from '../train/store/layout';
import { newestRunDir } from '../train/store/run-dir';
import { openSavedRun } from '../train/store/saved-run';
import { writeFileAtomic } from '../util/atomic-file';


/** `evaluate`: `recompute` true asks for the default number of images. */
export async function evaluateRun(
  runFlag: string | undefined,
  dataDir: string,
  json: boolean,
  recompute: number | true | undefined,
  backend: BackendRequest,
  signal?: AbortSignal,
): Promise<void> {
  const dir = runFlag ?? (await newestRunDir());
  await selectBackend(backend);
  const data = await prepareDataset({ dataDir, signal });
  const images = recompute === true ? DEFAULT_RECOMPUTE_IMAGES : recompute;
  const { args, epochsDone, result, precise } = await evaluateSavedRun(dir, data, images, signal);
  if (json) {
    const recomputed = precise && {
      testLossRecomputed: precise.evaluation.loss,
      testAccRecomputed: precise.evaluation.accuracy,
      recomputedOver: precise.images,
      batchNormLayers: precise.statistics.length,
    };
    const testLimit = args.testLimit === undefined ? {} : { testLimit: args.testLimit };
    const line = { run: dir, impl: args.impl, epochs: epochsDone, ...testLimit, testLoss: result.loss, testAcc: result.accuracy, ...recomputed };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return;
  }
  const testImages = args.testLimit === undefined ? '' : `; its test set: the first ${args.testLimit} test images (--test-limit)`;
  process.stdout.write(`run ${dir} (${describeVariant(args)}, ${plural(epochsDone, 'epoch')}${testImages})\n`);
  const figures = (e: Evaluation) => `test loss ${formatFigure(e.loss)}, test acc ${formatFigure(e.accuracy)}`;
  if (!precise) {
    process.stdout.write(`${figures(result)}\n`);
  } else if (precise.statistics.length === 0) {
    process.stdout.write(`${figures(result)}\nthis model has no BatchNorm layer: there are no statistics to recompute\n`);
  } else {
    process.stdout.write(`${figures(result)} (moving statistics, as trained)\n`);
    process.stdout.write(`${figures(precise.evaluation)} (BatchNorm statistics recomputed over ${precise.images} training images)\n`);
  }
}

/**
 * Prints the chosen layers' parameters (`layer` is a BatchNorm position; by default the
 * first the model has); with `plot` (true: <run dir>/params.svg, or a file) also draws their
 * gamma and beta per channel as SVG.
 */
export async function inspectRun(
  runFlag: string | undefined,
  layer: number | 'all' | undefined,
  json: boolean,
  plot?: string | true,
  allChannels = false,
): Promise<void> {
  const dir = runFlag ?? (await newestRunDir());
  // Reading weights needs no speed: the plain JavaScript backend loads fastest.
  await selectBackend({ backend: 'cpu', gpu: false });
  const run = await openSavedRun(dir);
  const all = await readBatchNormParams(run.model);
  if (all.length === 0) {
    throw new BnlenetError(`${dir} was trained without BatchNorm (--impl none): it has no gamma or beta to inspect`, 1);
  }
  const positions = all.map((p) => p.index);
  const picked = layer === undefined ? all[0] : all.find((p) => p.index === layer);
  if (layer !== 'all' && !picked) {
    throw new UsageError(`--layer ${layer}: this model has BatchNorm at position ${positions.join(', ')} only`, `use --layer ${positions.join(', --layer ')} or --layer all`);
  }
  const chosen = layer === 'all' ? all : [picked!];
  const plotFile = plot === undefined ? undefined : plot === true ? path.join(dir, PARAMS_SVG) : plot;
  if (plotFile) {
    const title = `BatchNorm gamma and beta per channel (${describeVariant(run.record.args)}, ${plural(run.epochsDone, 'epoch')})`;
    await fs.mkdir(path.dirname(plotFile), { recursive: true });
    await writeFileAtomic(plotFile, await renderParamsSvg(chosen, { title }));
  }
  const impl = run.record.args.impl;
  if (json) {
    const plotted = plotFile ? { plot: plotFile } : {};
    process.stdout.write(`${JSON.stringify({ run: dir, impl, epochs: run.epochsDone, layers: chosen, ...plotted })}\n`);
  } else {
    process.stdout.write(`run ${dir} (${describeVariant(run.record.args)}, ${plural(run.epochsDone, 'epoch')})\n`);
    const again = ['bnlenet', 'inspect-params', '--run', dir, '--layer', layer === undefined ? String(chosen[0]!.index) : String(layer), '--all-channels'];
    process.stdout.write(paramsTable(chosen, { allChannels, allChannelsHint: `\`${shellCommand(...again)}\`` }));
    if (plotFile) process.stdout.write(`\ngamma and beta plotted to ${plotFile}\n`);
  }
}
