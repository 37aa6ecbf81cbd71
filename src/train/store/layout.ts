/**
 * The run-dir layout: every file name bnlenet writes into a run, compare, reproduce or sweep
 * dir, spelled once. The store (this folder) owns how each is written and read; the report
 * layer renders some of them and names them from here.
 *
 *   run dir        run.json, checkpoint.json, model.json + weights.bin, metrics.jsonl,
 *                  params.jsonl, activations.jsonl, curves.svg, summary.json, report.html,
 *                  params.svg; outcome.json in a sweep's cell
 *   compare dir    plan.json, compare.json, compare.svg (reproduce adds report.md, report.json),
 *                  one run dir per variant
 *   sweep dir      plan.json, sweep.json, sweep.md, sweep.svg, one run dir per cell, and a
 *                  <cell>.lock while a process trains that cell
 */

/** The run's arguments, written when it starts. */
export const RUN_FILE = 'run.json';
/** The run's commit point: arguments, model, optimizer, position, metrics. */
export const CHECKPOINT_FILE = 'checkpoint.json';
/** The model in TensorFlow.js's layout, with its epoch and weights' hash. */
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
/** One line per finished epoch. */
export const METRICS_FILE = 'metrics.jsonl';
/** One line per epoch from epoch 0: BatchNorm parameters, and the probe batch's statistics. */
export const PARAMS_LOG = 'params.jsonl';
export const ACTIVATIONS_LOG = 'activations.jsonl';
export const EPOCH_LOGS = [PARAMS_LOG, ACTIVATIONS_LOG] as const;
export type EpochLogName = (typeof EPOCH_LOGS)[number];
/** Written when the run has finished every epoch. */
export const SUMMARY_FILE = 'summary.json';
/** The training curves, rewritten at each epoch end. */
export const CURVES_FILE = 'curves.svg';
/** A sweep cell's reason for stopping short of a summary (diverged, failed). */
export const OUTCOME_FILE = 'outcome.json';
/** A run set's (compare, reproduce, sweep) plan: what it was asked and each run's arguments. */
export const PLAN_FILE = 'plan.json';
export const COMPARE_JSON = 'compare.json';
export const COMPARE_SVG = 'compare.svg';
export const SWEEP_JSON = 'sweep.json';
export const SWEEP_MD = 'sweep.md';
export const SWEEP_SVG = 'sweep.svg';
/** reproduce's verdict, as Markdown and as JSON for CI. */
export const REPRODUCE_MD = 'report.md';
export const REPRODUCE_JSON = 'report.json';
/** `bnlenet report`'s page, and `inspect-params --plot`'s chart. */
export const REPORT_HTML = 'report.html';
export const PARAMS_SVG = 'params.svg';
/** Held by the process training a sweep's cell: `<cell>.lock` beside the cell's dir. */
export const CELL_LOCK_SUFFIX = '.lock';
