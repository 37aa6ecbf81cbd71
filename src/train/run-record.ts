/**
 * run.json: the arguments that define a run, written when the run starts and read back by
 * --resume, evaluate, inspect-params and report. The file is validated field by field when
 * read, since a user may have edited it: a bad field is one line naming it.
 *
 * The model variant (model/variant.ts) is part of the arguments. Records written before the
 * variants existed lack those fields; they are the book's LeNet-BN, and read back as such.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { MODEL_IMPLS } from '../model/impls';
import { BN_MODES, BN_POSITIONS, bookVariant, isDropoutRate, isPositionList, VARIANT_FIELDS, variantConflict, type ModelVariant } from '../model/variant';
import { writeJsonAtomic } from '../util/atomic-file';

export const RUN_FILE = 'run.json';
const FORMAT = 'bnlenet-run/1';

/** The arguments that define a run (the model variant among them); resuming reuses them. */
export interface RunArgs extends ModelVariant {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Train on the first N training examples only; undefined for all. */
  limit?: number;
  /** Evaluate on the first N test images only (--test-limit); undefined for all. */
  testLimit?: number;
  dataDir: string;
}

export interface RunRecord {
  format: typeof FORMAT;
  createdAt: string;
  args: RunArgs;
}

/** The fields whose values define what a run trains (the data dir may move). */
export const DEFINING_FIELDS = [...VARIANT_FIELDS, 'epochs', 'batchSize', 'lr', 'seed', 'limit', 'testLimit'] as const satisfies readonly (keyof RunArgs)[];
export type DefiningField = (typeof DEFINING_FIELDS)[number];

const isWhole = (min: number) => (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

interface FieldRule {
  ok: (v: unknown) => boolean;
  expected: string;
  /** May be absent (undefined in the args). */
  optional?: boolean;
  /** May be absent from records older than the field; read back as the book's LeNet-BN. */
  variant?: true;
}

/** Each field's check and what it must be, as the error names it. */
const FIELD_RULES: Record<keyof RunArgs, FieldRule> = {
  impl: { ok: (v) => (MODEL_IMPLS as readonly unknown[]).includes(v), expected: `one of ${MODEL_IMPLS.join(', ')}` },
  bnLayers: { ok: isPositionList, expected: `ascending distinct positions from ${BN_POSITIONS.join(', ')}`, variant: true },
  noBias: { ok: (v) => typeof v === 'boolean', expected: 'true or false', variant: true },
  freezeAffine: { ok: (v) => typeof v === 'boolean', expected: 'true or false', variant: true },
  bnMode: { ok: (v) => (BN_MODES as readonly unknown[]).includes(v), expected: `one of ${BN_MODES.join(', ')}`, variant: true },
  dropout: { ok: isDropoutRate, expected: 'a number from 0 up to but not including 1', variant: true },
  epochs: { ok: isWhole(1), expected: 'a whole number >= 1' },
  batchSize: { ok: isWhole(1), expected: 'a whole number >= 1' },
  lr: { ok: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0, expected: 'a finite number > 0' },
  seed: { ok: isWhole(0), expected: 'a whole number >= 0' },
  limit: { ok: isWhole(1), expected: 'a whole number >= 1, or absent for all examples', optional: true },
  testLimit: { ok: isWhole(1), expected: 'a whole number >= 1, or absent for all test images', optional: true },
  dataDir: { ok: (v) => typeof v === 'string' && v !== '', expected: 'a directory path' },
};

/** The problem with a parsed run.json, or undefined when it is a valid record. */
export function runRecordProblem(value: unknown): string | undefined {
  const record = value as Partial<RunRecord> | null;
  if (typeof record !== 'object' || record === null) return 'is not a JSON object';
  if (record.format !== FORMAT) return `has format ${JSON.stringify(record.format)}, expected "${FORMAT}"`;
  const args = record.args as Record<string, unknown> | undefined;
  if (typeof args !== 'object' || args === null) return 'has no "args" object';
  for (const [field, rule] of Object.entries(FIELD_RULES)) {
    const v = args[field];
    if (v === undefined && (rule.optional || rule.variant)) continue;
    if (v === undefined) return `has no args.${field} (${rule.expected})`;
    if (!rule.ok(v)) return `has args.${field} = ${JSON.stringify(v)}, expected ${rule.expected}`;
  }
  const unknown = Object.keys(args).filter((k) => !(k in FIELD_RULES));
  if (unknown.length > 0) return `has unknown args ${unknown.join(', ')}`;
  const conflict = variantConflict(completeRunArgs(args as unknown as RunArgs));
  if (conflict) return `describes a model that cannot be built (${conflict})`;
  return undefined;
}

/**
 * The arguments with the variant fields that older records lack filled in as the book's
 * LeNet-BN. Apply to every RunArgs read from a file (run.json, a checkpoint, plan.json).
 */
export function completeRunArgs(args: RunArgs): RunArgs {
  const book = bookVariant(args.impl);
  const completed = { ...args } as Record<string, unknown>;
  for (const [field, rule] of Object.entries(FIELD_RULES)) {
    if (rule.variant && completed[field] === undefined) completed[field] = book[field as keyof ModelVariant];
  }
  return completed as unknown as RunArgs;
}

export async function readRunRecord(dir: string): Promise<RunRecord> {
  const file = path.join(dir, RUN_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DataError(`${file} is missing: that is not a bnlenet run dir`, 'pass a run dir made by `bnlenet train`');
    }
    throw new DataError(`${file} cannot be read (${(err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DataError(`${file} is corrupt (not valid JSON)`, 'restore it, or start a new run');
  }
  const problem = runRecordProblem(parsed);
  if (problem) throw new DataError(`${file} ${problem}`, 'restore the file as the run wrote it, or start a new run');
  const record = parsed as RunRecord;
  return { ...record, args: completeRunArgs(record.args) };
}

export async function writeRunRecord(dir: string, args: RunArgs): Promise<void> {
  const record: RunRecord = { format: FORMAT, createdAt: new Date().toISOString(), args };
  await writeJsonAtomic(path.join(dir, RUN_FILE), record);
}

/** The first defining field on which two runs' arguments differ, or undefined; records older than the variants count as the book's. */
export function differingField(a: RunArgs, b: RunArgs): DefiningField | undefined {
  const [x, y] = [completeRunArgs(a), completeRunArgs(b)];
  return DEFINING_FIELDS.find((field) => JSON.stringify(x[field]) !== JSON.stringify(y[field]));
}
