/**
 * The run arguments: the one table that says, for each argument of a run, its flag, how its
 * text is read, its default, its --help line, whether it is part of the model variant,
 * whether it needs BatchNorm, whether sweep may take a list of it, how run.json stores and
 * checks it, and whether changing it on --resume is refused. (In the spirit of npm's config
 * definitions.) Everything else is derived from it: the commander options of train, compare,
 * reproduce and sweep (cli/train-options.ts), run.json's checks (train/run-record.ts),
 * report.json's schema, a sweep's axes, cell names and summary text, describeVariant, and
 * runArgsProblem, the one validation every command that starts runs calls.
 *
 * Plain data and functions: no commander and no TensorFlow.js, so the CLI reads it while
 * answering --help, and layers below the CLI check stored arguments with it.
 *
 * To add an argument: a field in RunArgs (and in ModelVariant if the model reads it), an entry
 * in RUN_ARGS, and the model code that uses it. Nothing else.
 */
import { resolveDataDir } from '../data';
import { parseDecimal, parseWhole } from '../util/number-text';
import { hasBatchNorm, MODEL_IMPLS, type ModelImpl } from './impls';
import { BN_MODES, BN_POSITIONS, BN_RUNNING_VARIANCES, isDropoutRate, isPositionList, type BnMode, type BnPosition, type BnRunningVariance } from './variant';

/** Which network the LeNet builder makes (the chapter's exercises and the BatchNorm settings); lenet.ts reads it. */
export interface ModelVariant {
  impl: ModelImpl;
  /** BatchNorm positions, ascending; empty exactly when impl is 'none'. */
  bnLayers: BnPosition[];
  /** Drop the bias of each conv/dense layer that feeds a BatchNorm (its beta does that job). */
  noBias: boolean;
  /** Keep gamma at 1 and beta at 0: the BatchNorm layers are not trainable (their moving statistics still follow the batches). */
  freezeAffine: boolean;
  bnMode: BnMode;
  /** Dropout rate after the sigmoids of dense1 and dense2 (positions 3 and 4); 0 for none. */
  dropout: number;
  /** Weight of the old value in the moving averages' update (the book's convention: PyTorch's 0.1 is 0.9 here). */
  bnMomentum: number;
  /** Added to the variance before the square root. */
  bnEps: number;
  /** The batch variance the moving variance follows: biased (the book's) or times n/(n-1) (PyTorch's). */
  bnRunningVar: BnRunningVariance;
}

/** The arguments of a run (the model variant among them); run.json holds them, resuming reuses them. */
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

/** A flag's text that is not a value of its argument; the message says what is expected ("Expected a finite number > 0."). */
export class ArgValueError extends Error {}

export interface RunArgSpec<T> {
  /** The command-line flag. A switch ('--freeze-affine', '--no-bias') takes no value: true when given. */
  flag: string;
  /** The value's name in --help ('<rate>'); absent for a switch. */
  valueName?: string;
  /** Reads one value's text strictly; throws ArgValueError. Absent for a switch. */
  parse?: (text: string) => T;
  /** The fixed set of values, for --help and commander's own check of a single value. */
  choices?: readonly string[];
  /** The value when the flag is not given (and in a stored record that predates the argument), for a run of this impl. */
  fallback: (impl: ModelImpl) => T;
  /** The default as --help shows it; absent when the help text says it or there is none. */
  shownDefault?: string;
  help: string;
  /** Part of ModelVariant: the model builder reads it. */
  variant: boolean;
  /** Needs BatchNorm: with --impl none it must keep its fallback; the refusal ends with `because`. */
  batchNormOnly?: { because: string };
  /** sweep takes a comma-separated list of it; the number orders the sweep's loops (lower: outer; lr is innermost). */
  sweepOrder?: number;
  /** sweep.md's column header when the column is always shown; an axis without one has a column only when it varies. */
  sweepColumn?: string;
  /** Defines what the run trains: refused on --resume, and compared between run.json, the checkpoint and a set's plan. */
  defining: boolean;
  /** run.json: the check of a stored value, what it must be, and what a missing value means. */
  stored: {
    ok: (value: unknown) => boolean;
    expected: string;
    /** 'fallback': a record older than the argument, read back as the fallback; 'undefined': the argument is optional; 'refused'. */
    absent: 'fallback' | 'undefined' | 'refused';
  };
  /** Why this value cannot go with the rest of the arguments (beyond `batchNormOnly`). */
  conflict?: (args: RunArgs) => string | undefined;
  /** A value other than the fallback described for people ("momentum 0.99"): describeVariant, compare's and sweep's headers. */
  describe?: (value: T) => string;
  /** The value in a JSON Schema (report.json's recipe). */
  schema: Record<string, unknown>;
}

/** The table's type: one entry per RunArgs field. */
export type RunArgTable = { [K in keyof RunArgs]-?: RunArgSpec<RunArgs[K]> };

// --- strict value readers (numbers through ../util/number-text.ts, the one place) ---

function decimal(expected: string, ok: (v: number) => boolean): (text: string) => number {
  return (text) => {
    const value = parseDecimal(text);
    if (value === undefined || !ok(value)) throw new ArgValueError(`Expected ${expected}.`);
    return value;
  };
}

function whole(min: number): (text: string) => number {
  return (text) => {
    const value = parseWhole(text);
    if (value === undefined || value < min) throw new ArgValueError(`Expected a whole number >= ${min}.`);
    return value;
  };
}

function choice<T extends string>(choices: readonly T[]): (text: string) => T {
  return (text) => {
    if (!(choices as readonly string[]).includes(text)) throw new ArgValueError(`Expected one of ${choices.join(', ')}.`);
    return text as T;
  };
}

/** "1,2" -> [1, 2]: BatchNorm positions, ascending, each once. */
function positions(text: string): BnPosition[] {
  const items = text.split(',');
  const read = items.map((item) => Number(choice(BN_POSITIONS.map(String))(item)) as BnPosition);
  const twice = read.find((p, i) => read.indexOf(p) !== i);
  if (twice !== undefined) throw new ArgValueError(`"${twice}" is given twice.`);
  return read.sort((a, b) => a - b);
}

/** A file or directory path: anything but the empty string (which names no place at all). */
export function readPath(text: string): string {
  if (text.trim() === '') throw new ArgValueError('Expected a path, not an empty string.');
  return text;
}

const isWhole = (min: number) => (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
const isBoolean = (v: unknown) => typeof v === 'boolean';
const oneOf = (values: readonly unknown[]) => (v: unknown) => values.includes(v);
const isPositive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isMomentum = (v: unknown) => typeof v === 'number' && v >= 0 && v < 1;

const WITHOUT = 'LeNet without BatchNorm (--impl none) has no BatchNorm';
const NUMBER = { type: 'number' } as const;
const BOOLEAN = { type: 'boolean' } as const;
const book = <T>(value: T) => () => value;

/**
 * The table. Its order is the order of --help, of run.json's fields and of the sweep's cell
 * labels; `sweepOrder` orders the sweep's loops.
 */
export const RUN_ARGS: RunArgTable = {
  impl: {
    flag: '--impl',
    sweepColumn: 'impl',
    valueName: 'impl',
    parse: choice(MODEL_IMPLS),
    choices: MODEL_IMPLS,
    fallback: book('custom'),
    shownDefault: 'custom',
    help: 'BatchNorm from scratch, the built-in layer, or none (the plain LeNet of section 6.6)',
    variant: true,
    sweepOrder: 10,
    defining: true,
    stored: { ok: oneOf(MODEL_IMPLS), expected: `one of ${MODEL_IMPLS.join(', ')}`, absent: 'refused' },
    schema: { enum: [...MODEL_IMPLS] },
  },
  bnLayers: {
    flag: '--bn-layers',
    valueName: 'list',
    parse: positions,
    fallback: (impl) => (hasBatchNorm(impl) ? [...BN_POSITIONS] : []),
    help: 'BatchNorm positions, comma-separated: 1 after conv1, 2 after conv2, 3 after dense1, 4 after dense2 (default: all)',
    variant: true,
    batchNormOnly: { because: `${WITHOUT} to place` },
    defining: true,
    stored: { ok: isPositionList, expected: `ascending distinct positions from ${BN_POSITIONS.join(', ')}`, absent: 'fallback' },
    conflict: (args) =>
      hasBatchNorm(args.impl) && args.bnLayers.length === 0
        ? '--bn-layers needs at least one position; for LeNet without BatchNorm use --impl none'
        : undefined,
    describe: (v) => `BatchNorm at ${v.join(',')}`,
    schema: { type: 'array', items: { enum: [...BN_POSITIONS] } },
  },
  noBias: {
    flag: '--no-bias',
    fallback: book(false),
    help: 'drop the bias of each conv/dense layer that feeds a BatchNorm',
    variant: true,
    batchNormOnly: { because: `it drops the bias before a BatchNorm, and ${WITHOUT}` },
    defining: true,
    stored: { ok: isBoolean, expected: 'true or false', absent: 'fallback' },
    describe: () => 'no bias before BatchNorm',
    schema: BOOLEAN,
  },
  freezeAffine: {
    flag: '--freeze-affine',
    fallback: book(false),
    help: 'keep gamma at 1 and beta at 0 (not trained)',
    variant: true,
    batchNormOnly: { because: `${WITHOUT} gamma or beta to freeze` },
    defining: true,
    stored: { ok: isBoolean, expected: 'true or false', absent: 'fallback' },
    describe: () => 'gamma and beta frozen',
    schema: BOOLEAN,
  },
  bnMode: {
    flag: '--bn-mode',
    valueName: 'mode',
    parse: choice(BN_MODES),
    choices: BN_MODES,
    fallback: book('full'),
    shownDefault: 'full',
    help: 'full: subtract the mean and divide by the std; center: only subtract; scale: only divide',
    variant: true,
    batchNormOnly: { because: `${WITHOUT} to make lite` },
    defining: true,
    stored: { ok: oneOf(BN_MODES), expected: `one of ${BN_MODES.join(', ')}`, absent: 'fallback' },
    conflict: (args) =>
      args.impl === 'builtin' && args.bnMode !== 'full'
        ? `--bn-mode ${args.bnMode} needs --impl custom: the built-in BatchNorm (tfjs-layers' batchNormalization) always ` +
          'subtracts the mean and divides by the standard deviation (its center and scale options only drop beta and gamma)'
        : undefined,
    describe: (v) => `${v} only`,
    schema: { enum: [...BN_MODES] },
  },
  dropout: {
    flag: '--dropout',
    sweepColumn: 'dropout',
    valueName: 'p',
    parse: decimal('a dropout rate from 0 up to but not including 1', isDropoutRate),
    fallback: book(0),
    shownDefault: '0',
    help: 'dropout rate after the sigmoids of dense1 and dense2',
    variant: true,
    sweepOrder: 30,
    defining: true,
    stored: { ok: isDropoutRate, expected: 'a number from 0 up to but not including 1', absent: 'fallback' },
    describe: (v) => `dropout ${v}`,
    schema: NUMBER,
  },
  bnMomentum: {
    flag: '--bn-momentum',
    valueName: 'm',
    parse: decimal('a momentum from 0 up to but not including 1 (the weight of the old value; PyTorch\'s 0.1 is 0.9 here)', isMomentum),
    fallback: book(0.9),
    shownDefault: '0.9',
    help: "BatchNorm's moving averages: new = m * old + (1 - m) * batch (PyTorch's momentum 0.1 is 0.9 here)",
    variant: true,
    batchNormOnly: { because: `${WITHOUT} moving averages to keep` },
    sweepOrder: 34,
    defining: true,
    stored: { ok: isMomentum, expected: 'a number from 0 up to but not including 1', absent: 'fallback' },
    describe: (v) => `momentum ${v}`,
    schema: NUMBER,
  },
  bnEps: {
    flag: '--bn-eps',
    valueName: 'e',
    parse: decimal('a finite number > 0', (v) => v > 0),
    fallback: book(1e-5),
    shownDefault: '1e-5',
    help: "BatchNorm's epsilon, added to the variance before the square root",
    variant: true,
    batchNormOnly: { because: `${WITHOUT} variance to add it to` },
    sweepOrder: 35,
    defining: true,
    stored: { ok: isPositive, expected: 'a finite number > 0', absent: 'fallback' },
    describe: (v) => `eps ${v}`,
    schema: NUMBER,
  },
  bnRunningVar: {
    flag: '--bn-running-var',
    valueName: 'kind',
    parse: choice(BN_RUNNING_VARIANCES),
    choices: BN_RUNNING_VARIANCES,
    fallback: book('biased'),
    shownDefault: 'biased',
    help: "the batch variance BatchNorm's moving variance follows: biased (the book's) or unbiased, times n/(n-1) (PyTorch's)",
    variant: true,
    batchNormOnly: { because: `${WITHOUT} moving variance to keep` },
    sweepOrder: 36,
    defining: true,
    stored: { ok: oneOf(BN_RUNNING_VARIANCES), expected: `one of ${BN_RUNNING_VARIANCES.join(', ')}`, absent: 'fallback' },
    conflict: (args) =>
      args.impl === 'builtin' && args.bnRunningVar !== 'biased'
        ? `--bn-running-var ${args.bnRunningVar} needs --impl custom: the built-in BatchNorm (tfjs-layers' batchNormalization) ` +
          'always updates its moving variance with the biased batch variance'
        : undefined,
    describe: (v) => `${v} running variance`,
    schema: { enum: [...BN_RUNNING_VARIANCES] },
  },
  epochs: {
    flag: '--epochs',
    valueName: 'n',
    parse: whole(1),
    fallback: book(10),
    shownDefault: '10',
    help: 'training epochs',
    variant: false,
    defining: true,
    stored: { ok: isWhole(1), expected: 'a whole number >= 1', absent: 'refused' },
    schema: NUMBER,
  },
  batchSize: {
    flag: '--batch-size',
    sweepColumn: 'batch',
    valueName: 'n',
    parse: whole(1),
    fallback: book(256),
    shownDefault: '256',
    help: 'examples per batch',
    variant: false,
    sweepOrder: 20,
    defining: true,
    stored: { ok: isWhole(1), expected: 'a whole number >= 1', absent: 'refused' },
    schema: NUMBER,
  },
  lr: {
    flag: '--lr',
    sweepColumn: 'lr',
    valueName: 'rate',
    parse: decimal('a finite number > 0', (v) => v > 0),
    fallback: book(1),
    shownDefault: '1',
    help: 'SGD learning rate',
    variant: false,
    sweepOrder: 60,
    defining: true,
    stored: { ok: isPositive, expected: 'a finite number > 0', absent: 'refused' },
    schema: NUMBER,
  },
  seed: {
    flag: '--seed',
    sweepColumn: 'seed',
    valueName: 'n',
    parse: whole(0),
    fallback: book(0),
    shownDefault: '0',
    help: 'seed for the initial weights, the shuffle and dropout',
    variant: false,
    sweepOrder: 50,
    defining: true,
    stored: { ok: isWhole(0), expected: 'a whole number >= 0', absent: 'refused' },
    schema: NUMBER,
  },
  limit: {
    flag: '--limit',
    valueName: 'n',
    parse: whole(1),
    fallback: () => undefined,
    help: 'train on the first N training examples only',
    variant: false,
    defining: true,
    stored: { ok: isWhole(1), expected: 'a whole number >= 1, or absent for all examples', absent: 'undefined' },
    schema: NUMBER,
  },
  testLimit: {
    flag: '--test-limit',
    valueName: 'n',
    parse: whole(1),
    fallback: () => undefined,
    help: 'measure test accuracy on the first N test images only (default: all 10,000)',
    variant: false,
    defining: true,
    stored: { ok: isWhole(1), expected: 'a whole number >= 1, or absent for all test images', absent: 'undefined' },
    schema: NUMBER,
  },
  dataDir: {
    flag: '--data-dir',
    valueName: 'dir',
    parse: (text) => resolveDataDir(readPath(text)),
    fallback: () => resolveDataDir(undefined),
    help: 'Fashion-MNIST files (default: $BNLENET_DATA_DIR, else ./data); missing ones are fetched',
    variant: false,
    // The data may move: a run resumes from wherever its files are now.
    defining: false,
    stored: { ok: (v) => typeof v === 'string' && v !== '', expected: 'a directory path', absent: 'refused' },
    schema: { type: 'string' },
  },
};

export type RunArgName = keyof RunArgs;
/** The table's entries in its order. */
export const RUN_ARG_NAMES = Object.keys(RUN_ARGS) as RunArgName[];

const spec = (name: RunArgName) => RUN_ARGS[name] as RunArgSpec<unknown>;

/** The fields of the model variant, in the table's order. */
export const VARIANT_FIELDS = RUN_ARG_NAMES.filter((name) => spec(name).variant) as (keyof ModelVariant)[];

/** The fields whose values define what a run trains (the data dir may move). */
export const DEFINING_FIELDS = RUN_ARG_NAMES.filter((name) => spec(name).defining);
export type DefiningField = RunArgName;

/** The arguments sweep takes lists of, from its outermost loop to its innermost (lr). */
export const SWEEP_AXES = RUN_ARG_NAMES.filter((name) => spec(name).sweepOrder !== undefined).sort(
  (a, b) => spec(a).sweepOrder! - spec(b).sweepOrder!,
);

/** The flag's name without dashes: "batch-size", the sweep's cell labels' spelling. */
export function flagName(name: RunArgName): string {
  return spec(name).flag.slice(2);
}

/** The variant's value of every field when its flag is not given: the book's LeNet-BN with this impl (LeNet with `none`). */
export function bookVariant(impl: ModelImpl): ModelVariant {
  const variant = Object.fromEntries(VARIANT_FIELDS.map((name) => [name, spec(name).fallback(impl)]));
  return { ...variant, impl } as ModelVariant;
}

/** The arguments with every BatchNorm-only argument at its value without BatchNorm (a sweep's --impl none cell). */
export function withoutBatchNorm(args: RunArgs): RunArgs {
  const plain = { ...args } as Record<string, unknown>;
  for (const name of RUN_ARG_NAMES) if (spec(name).batchNormOnly) plain[name] = spec(name).fallback('none');
  return plain as unknown as RunArgs;
}

/** How `value` of this argument reads in a message: "--no-bias", "--bn-mode center"; a list by its flag alone ("--bn-layers"). */
function flagText(name: RunArgName, value: unknown): string {
  const entry = spec(name);
  if (!entry.parse || Array.isArray(value)) return entry.flag;
  return `${entry.flag} ${String(value)}`;
}

/**
 * Why these arguments cannot make a run, in the CLI's terms (the flag at fault first), or
 * undefined when they can. The one validation: train, compare, reproduce, every sweep cell,
 * run.json's reader and the model builder all ask it.
 */
export function runArgsProblem(args: ModelVariant & Partial<RunArgs>): string | undefined {
  if (!isDropoutRate(args.dropout)) return `--dropout ${args.dropout}: a dropout rate is from 0 up to but not including 1`;
  const full = args as RunArgs;
  for (const name of RUN_ARG_NAMES) {
    const entry = spec(name);
    if (entry.batchNormOnly && !hasBatchNorm(args.impl) && JSON.stringify(full[name]) !== JSON.stringify(entry.fallback('none'))) {
      return `${flagText(name, full[name])} cannot go with --impl none: ${entry.batchNormOnly.because}`;
    }
  }
  for (const name of RUN_ARG_NAMES) {
    const problem = spec(name).conflict?.(full);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * How a variant differs from the book's LeNet-BN (or, with impl none, from LeNet), in the
 * table's order: ["BatchNorm at 1,2", "no bias before BatchNorm", "momentum 0.5", ...].
 */
export function variantChanges(v: ModelVariant, except: readonly RunArgName[] = []): string[] {
  return VARIANT_FIELDS.flatMap((name) => {
    const entry = spec(name);
    const changed = name !== 'impl' && !except.includes(name) && entry.describe && JSON.stringify(v[name]) !== JSON.stringify(entry.fallback(v.impl));
    return changed ? [entry.describe!(v[name])] : [];
  });
}

/** "LeNet-BN (custom BatchNorm)", "LeNet (no BatchNorm, dropout 0.5)", "LeNet-BN (builtin BatchNorm at 1,2; no bias before BatchNorm)". */
export function describeVariant(v: ModelVariant): string {
  const changes = variantChanges(v);
  if (!hasBatchNorm(v.impl)) return `LeNet (no BatchNorm${changes.map((e) => `, ${e}`).join('')})`;
  const where = changes[0]?.startsWith('BatchNorm at') ? ` ${changes.shift()!.slice('BatchNorm '.length)}` : '';
  return `LeNet-BN (${v.impl} BatchNorm${where}${changes.map((e) => `; ${e}`).join('')})`;
}

/**
 * The arguments with the variant fields that older records lack filled in as the book's
 * LeNet-BN. Apply to every RunArgs read from a file (run.json, a checkpoint, plan.json).
 */
export function completeRunArgs(args: RunArgs): RunArgs {
  const completed = { ...args } as Record<string, unknown>;
  for (const name of RUN_ARG_NAMES) {
    if (spec(name).stored.absent === 'fallback' && completed[name] === undefined) completed[name] = spec(name).fallback(args.impl);
  }
  return completed as unknown as RunArgs;
}

/** The problem with stored arguments (run.json's "args", a plan's run), as "has args.lr = ..., expected ..."; undefined when valid. */
export function storedArgsProblem(args: Record<string, unknown>): string | undefined {
  for (const name of RUN_ARG_NAMES) {
    const { stored } = spec(name);
    const v = args[name];
    if (v === undefined && stored.absent !== 'refused') continue;
    if (v === undefined) return `has no args.${name} (${stored.expected})`;
    if (!stored.ok(v)) return `has args.${name} = ${JSON.stringify(v)}, expected ${stored.expected}`;
  }
  const unknown = Object.keys(args).filter((k) => !(k in RUN_ARGS));
  if (unknown.length > 0) return `has unknown args ${unknown.join(', ')}`;
  const conflict = runArgsProblem(completeRunArgs(args as unknown as RunArgs));
  if (conflict) return `describes a model that cannot be built (${conflict})`;
  return undefined;
}

/** The first defining field on which two runs' arguments differ, or undefined; records older than an argument count as the book's. */
export function differingField(a: RunArgs, b: RunArgs): DefiningField | undefined {
  const [x, y] = [completeRunArgs(a), completeRunArgs(b)];
  return DEFINING_FIELDS.find((field) => JSON.stringify(x[field]) !== JSON.stringify(y[field]));
}

/** The recipe's properties in report.json's JSON Schema: every argument but impl (a reproduction trains both). */
export function recipeSchemaProperties(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(RUN_ARG_NAMES.filter((name) => name !== 'impl').map((name) => [name, spec(name).schema]));
}

/** The recipe's required properties: those every record holds. */
export function recipeSchemaRequired(): string[] {
  return RUN_ARG_NAMES.filter((name) => name !== 'impl' && !spec(name).variant && spec(name).stored.absent === 'refused');
}
