/**
 * params.jsonl and activations.jsonl: one line per epoch from epoch 0 (the initial weights),
 * what the report draws of BatchNorm over a run.
 *
 *   params.jsonl       {"epoch": E, "layers": [{"name", "gamma", "beta", "movingMean", "movingVariance"}]}
 *   activations.jsonl  {"epoch": E, "layers": [{"position", "name", "pre": {...}, "post": {...}}]}
 *
 * Unlike the other derived files these hold history that the checkpoint does not (earlier
 * epochs' weights), so each file is its own record, and the checkpoint keeps a digest of each
 * of its lines (run-store.ts writes an epoch's lines after its checkpoint). A resume checks
 * each log against the checkpoint (`checkEpochLog`): lines beyond the checkpoint's epoch or
 * repeated are dropped, a cut last line is dropped, and a missing last epoch is measured again
 * from the checkpoint's model; a gap, a line that is not what the run wrote (its digest
 * differs) or a line of another variant is refused, since no file keeps those epochs' weights.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { DataError } from '../../errors';
import { hasBatchNorm } from '../../model/impls';
import type { ModelVariant } from '../../model/run-args';
import { readJsonLinesFile, type JsonLine } from './json-lines';
import { PARAMS_LOG, type EpochLogName } from './layout';

export interface LayerParams {
  name: string;
  gamma: number[];
  beta: number[];
  movingMean: number[];
  movingVariance: number[];
}

/** One line of params.jsonl. */
export interface ParamsRecord {
  epoch: number;
  layers: LayerParams[];
}

/** A line's digest, as the checkpoint keeps it. */
export const lineDigest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

/** The BatchNorm layers a line of `log` holds, or undefined when the line is not an epoch record of that log. */
function batchNormLayers(log: EpochLogName, value: unknown): number | undefined {
  const record = value as { epoch?: unknown; layers?: unknown } | null;
  if (typeof record !== 'object' || record === null || !Number.isSafeInteger(record.epoch) || !Array.isArray(record.layers)) return undefined;
  const layers = record.layers as ({ post?: unknown } | null)[];
  if (layers.some((layer) => typeof layer !== 'object' || layer === null)) return undefined;
  return log === PARAMS_LOG ? layers.length : layers.filter((layer) => layer!.post !== undefined).length;
}

const variantLayers = (v: ModelVariant) => (hasBatchNorm(v.impl) ? v.bnLayers.length : 0);

/** Checks one line's shape against the run's variant; the line's epoch when it is fine. */
function epochOf(file: string, log: EpochLogName, line: JsonLine, variant: ModelVariant, hint: string): number {
  const layers = batchNormLayers(log, line.value);
  if (layers === undefined) throw new DataError(`${file} line ${line.number} is not an epoch record`, hint);
  if (layers !== variantLayers(variant)) {
    throw new DataError(
      `${file} line ${line.number} has ${layers} BatchNorm layers, but the run's model has ${variantLayers(variant)}: the file is another run's`,
      hint,
    );
  }
  return (line.value as { epoch: number }).epoch;
}

/**
 * A log as readers take it (report): its records, checked line by line (epochs 0, 1, 2, ... in
 * order, each of the run's variant). `resumeHint` says how to repair a log a crash left behind.
 */
export async function readEpochLog<T extends { epoch: number }>(dir: string, log: EpochLogName, variant: ModelVariant, resumeHint: string): Promise<T[]> {
  const file = path.join(dir, log);
  const { lines, cutLast } = await readJsonLinesFile(file);
  const hint = 'restore the file as the run wrote it';
  if (cutLast) throw new DataError(`${file} line ${cutLast.number}, its last, is cut short (not JSON)`, resumeHint);
  for (const [i, line] of lines.entries()) {
    const epoch = epochOf(file, log, line, variant, hint);
    if (epoch !== i) throw new DataError(`${file} line ${line.number} is epoch ${epoch}, expected epoch ${i}`, `${resumeHint}, which drops repeated lines; or ${hint}`);
  }
  return lines.map((line) => line.value as T);
}

/** A log checked against its run's checkpoint, as a resume rewrites it. */
export interface CheckedLog {
  log: EpochLogName;
  /** The lines the run wrote, as text, epochs 0 up to the checkpoint's (or the one before it). */
  kept: string[];
  /** What the check dropped, one sentence each, for the user. */
  dropped: string[];
}

/**
 * Checks a log against a checkpoint that has finished `epochs` epochs (and, where it keeps
 * them, the digests of the lines the run wrote). Refuses, with one line naming the file and
 * what to do, a log that cannot be brought back to what the run wrote. The checkpoint's own
 * epoch may be missing only when the checkpoint is at that epoch's end (`atEpochEnd`): its
 * model is then that epoch's, and measures the line again.
 */
export async function checkEpochLog(
  dir: string,
  log: EpochLogName,
  epochs: number,
  atEpochEnd: boolean,
  variant: ModelVariant,
  digests: readonly string[] | undefined,
): Promise<CheckedLog> {
  const file = path.join(dir, log);
  const hint = `restore ${file} as the run wrote it, or start a new run: the earlier epochs' weights it records are kept nowhere else`;
  const { lines, cutLast } = await readJsonLinesFile(file);
  const dropped: string[] = [];
  if (cutLast) dropped.push(`line ${cutLast.number}, cut short`);
  const kept: string[] = [];
  const beyond: number[] = [];
  const repeated: number[] = [];
  for (const line of lines) {
    const epoch = epochOf(file, log, line, variant, hint);
    if (epoch > epochs) beyond.push(line.number);
    else if (epoch < kept.length) {
      if (line.text !== kept[epoch]) throw new DataError(`${file} line ${line.number} repeats epoch ${epoch} with other values`, hint);
      repeated.push(line.number);
    } else if (epoch > kept.length) {
      throw new DataError(`${file} has no line for epoch ${kept.length} (line ${line.number} is epoch ${epoch})`, hint);
    } else {
      const digest = digests?.[epoch];
      if (digest !== undefined && lineDigest(line.text) !== digest) {
        throw new DataError(`${file} line ${line.number} (epoch ${epoch}) is not what the run wrote: it was edited, or is another run's`, hint);
      }
      kept.push(line.text);
    }
  }
  if (repeated.length > 0) dropped.push(`line${repeated.length > 1 ? 's' : ''} ${repeated.join(', ')}, repeating an epoch`);
  if (beyond.length > 0) dropped.push(`line${beyond.length > 1 ? 's' : ''} ${beyond.join(', ')}, beyond the checkpoint's epoch ${epochs}`);
  if (kept.length < (atEpochEnd ? epochs : epochs + 1)) {
    const has = kept.length === 0 ? 'no line' : `lines for epochs 0 to ${kept.length - 1} only`;
    throw new DataError(`${file} has ${has}, but the run's checkpoint has finished epoch ${epochs}`, hint);
  }
  return { log, kept, dropped };
}
