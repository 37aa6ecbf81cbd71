/**
 * What `report` reads: a run dir's files as the report layer's plain data, and, where the
 * run has a model and its data is at hand, the test set evaluated with recomputed BatchNorm
 * statistics. The report never fetches data: it uses the copy the run trained on (or
 * --data-dir), and says so in the page when that is not there.
 */
import { promises as fs } from 'node:fs';
import { prepareDataset, type FashionMnist } from '../data';
import { selectBackend } from '../engine';
import { BnlenetError } from '../errors';
import { hasBatchNorm } from '../model/impls';
import type { RecomputedComparison, RunReportData } from '../report/html/report-data';
import type { ActivationsRecord } from '../train/activation-probe';
import { readEpochLog, type ParamsRecord } from '../train/store/epoch-logs';
import { ACTIVATIONS_LOG, PARAMS_LOG } from '../train/store/layout';
import { readMetrics } from '../train/store/metrics-file';
import { DEFAULT_RECOMPUTE_IMAGES } from '../train/recompute-stats';
import { readRunRecord } from '../train/store/run-record-file';
import { readSummary } from '../train/store/run-set';
import { evaluateSavedRun } from '../train/evaluate-saved';
import { shellCommand } from '../util/shell-quote';

/** Sources off: only the data dir itself is read, nothing is copied or downloaded. */
const NO_FETCH_ENV = { ...process.env, BNLENET_SYSTEM_DATA_DIR: '', BNLENET_PUBLIC_MIRRORS: '' };


/** Loads a data dir for the recomputed statistics, once per report: a compare dir's runs share it. */
export type ReportDataLoader = (dataDir: string) => Promise<FashionMnist>;

export function reportDataLoader(signal?: AbortSignal): ReportDataLoader {
  const loaded = new Map<string, Promise<FashionMnist>>();
  return (dataDir) => {
    let data = loaded.get(dataDir);
    if (!data) {
      data = selectBackend({ backend: 'auto', gpu: false }).then(() => prepareDataset({ dataDir, env: NO_FETCH_ENV, signal }));
      loaded.set(dataDir, data);
    }
    return data;
  };
}

/** The run's files; `dataDir` (else the run's own) for the recomputed statistics. */
export async function readRunForReport(
  dir: string,
  dataDir: string | undefined,
  load: ReportDataLoader,
  label?: string,
  signal?: AbortSignal,
): Promise<RunReportData> {
  const { args } = await readRunRecord(dir);
  const repair = `repair it with \`${shellCommand('bnlenet', 'train', '--resume', dir)}\``;
  const summary = await readSummary(dir);
  const data: RunReportData = {
    dir,
    label,
    args,
    metrics: await readMetrics(dir),
    params: await readEpochLog<ParamsRecord>(dir, PARAMS_LOG, args, repair),
    activations: await readEpochLog<ActivationsRecord>(dir, ACTIVATIONS_LOG, args, repair),
    device: summary?.backend.device,
    examplesPerSec: summary?.examplesPerSec,
  };
  if (hasBatchNorm(args.impl)) data.recomputed = await recompute(dir, dataDir ?? args.dataDir, load, signal);
  return data;
}

/** Evaluates the run's model both ways, or says why it could not. */
async function recompute(dir: string, dataDir: string, load: ReportDataLoader, signal?: AbortSignal): Promise<RecomputedComparison | { skipped: string }> {
  const isDir = await fs.stat(dataDir).then((stat) => stat.isDirectory(), () => false);
  if (!isDir) return { skipped: `the data dir ${dataDir} does not exist (pass the Fashion-MNIST files with --data-dir)` };
  try {
    const data = await load(dataDir);
    const { result, precise, batchNorm } = await evaluateSavedRun(dir, data, DEFAULT_RECOMPUTE_IMAGES, signal);
    return {
      images: precise!.images,
      moving: result,
      recomputed: precise!.evaluation,
      layers: precise!.statistics.map((s) => {
        const layer = batchNorm.find((p) => p.name === s.name)!;
        return { name: s.name, movingMean: layer.movingMean, movingVariance: layer.movingVariance, mean: s.mean, variance: s.variance };
      }),
    };
  } catch (err) {
    // A run without a model yet, or data moved away: the report is drawn without this part.
    if (err instanceof BnlenetError && err.exitCode === 1) return { skipped: err.hint ? `${err.message} (${err.hint})` : err.message };
    throw err;
  }
}
