/**
 * The options `train`, `compare`, `reproduce` and `sweep` share, their defaults and
 * validation, and the mapping from parsed flags to a run's arguments. `sweep` takes five of
 * them (its axes, SWEEP_AXES) as comma-separated lists.
 */
import { Command, Option } from 'commander';
import { resolveDataDir, parseMirrorUrl } from '../data';
import { BACKEND_NAMES, backendConflict, type BackendName } from '../engine/backend';
import { UsageError } from '../errors';
import { hasBatchNorm, MODEL_IMPLS, type ModelImpl } from '../model/impls';
import { BN_MODES, BN_POSITIONS, variantConflict, type BnMode, type BnPosition, type ModelVariant } from '../model/variant';
import type { OutputMode } from '../report/train-reporter';
import { DEFINING_FIELDS, type DefiningField, type RunArgs } from '../train/run-record';
import type { SweepAxis } from '../train/sweep';
import { commaList, dropoutRate, oneOf, pathValue, positiveNumber, wholeNumber } from './flags';

export interface TrainFlags {
  /** Absent in compare and reproduce, which train both BatchNorms. */
  impl: ModelImpl;
  /** Absent for every position (or none with --impl none). */
  bnLayers?: BnPosition[];
  /** False with --no-bias (commander names a --no-X flag's value X). */
  bias: boolean;
  freezeAffine?: boolean;
  bnMode: BnMode;
  dropout: number;
  gpu?: boolean;
  backend: BackendName;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  limit?: number;
  testLimit?: number;
  dataDir?: string;
  mirror?: string[];
  out?: string;
  resume?: string;
  json?: boolean;
  quiet?: boolean;
}

/** The flags `sweep` takes as comma-separated lists, one cell per combination: the sweep's axes. */
export type ListFlag = SweepAxis;
/** sweep's flags: train's, with a list of values for each of the sweep's axes. */
export type SweepFlags = Omit<TrainFlags, ListFlag> & { [K in ListFlag]: TrainFlags[K][] };

/** "1,2" -> [1, 2]: BatchNorm positions, ascending. */
function positionList(value: string): BnPosition[] {
  const positions = commaList(oneOf(BN_POSITIONS.map(String)))(value).map(Number) as BnPosition[];
  return positions.sort((a, b) => a - b);
}

/** commander's name for a defining field's flag (--no-bias sets `bias`). */
const ATTRIBUTE: Partial<Record<DefiningField, string>> = { noBias: 'bias' };
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Adds train's options to `command`: `impl` adds --impl (train, sweep; compare and reproduce
 * train both BatchNorms); `lists` makes the sweep's axes comma-separated lists (sweep).
 */
export function addTrainOptions(command: Command, options: { impl: boolean; lists?: boolean }): Command {
  const lists = options.lists === true;
  /** A flag of the sweep's axes: one value, or with `lists` a comma list of them. */
  const value = <T>(flags: string, description: string, parse: (v: string) => T, fallback: T) =>
    lists
      ? new Option(flags.replace(/<(\w+)>/, '<$1,...>'), `${description}; a comma-separated list`).argParser(commaList(parse)).default([fallback], String(fallback))
      : new Option(flags, description).argParser(parse).default(fallback);
  if (options.impl) {
    const impl = lists
      ? value('--impl <impl>', `model: ${MODEL_IMPLS.join(', ')}`, oneOf(MODEL_IMPLS), 'custom')
      : new Option('--impl <impl>', 'BatchNorm from scratch, the built-in layer, or none (the plain LeNet of section 6.6)')
          .choices(MODEL_IMPLS)
          .default('custom');
    command.addOption(impl);
  }
  return command
    .addOption(
      new Option('--bn-layers <list>', 'BatchNorm positions, comma-separated: 1 after conv1, 2 after conv2, 3 after dense1, 4 after dense2 (default: all)').argParser(
        positionList,
      ),
    )
    .option('--no-bias', 'drop the bias of each conv/dense layer that feeds a BatchNorm')
    .option('--freeze-affine', 'keep gamma at 1 and beta at 0 (not trained)')
    .addOption(
      new Option('--bn-mode <mode>', 'full: subtract the mean and divide by the std; center: only subtract; scale: only divide')
        .choices(BN_MODES)
        .default('full'),
    )
    .addOption(value('--dropout <p>', 'dropout rate after the sigmoids of dense1 and dense2', dropoutRate, 0))
    .addOption(gpuOption('train'))
    .addOption(backendOption())
    .option('--epochs <n>', 'training epochs', wholeNumber(1), 10)
    .addOption(value('--batch-size <n>', 'examples per batch', wholeNumber(1), 256))
    .addOption(value('--lr <rate>', 'SGD learning rate', positiveNumber, 1))
    .addOption(value('--seed <n>', 'seed for the initial weights, the shuffle and dropout', wholeNumber(0), 0))
    .option('--limit <n>', 'train on the first N training examples only', wholeNumber(1))
    .option('--test-limit <n>', 'measure test accuracy on the first N test images only (default: all 10,000)', wholeNumber(1))
    .option('--data-dir <dir>', 'Fashion-MNIST files (default: $BNLENET_DATA_DIR, else ./data); missing ones are fetched', pathValue)
    .option(
      '--mirror <url>',
      'base URL to fetch missing data files from; repeatable',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), parseMirrorUrl(value, '--mirror')],
    )
    .addOption(new Option('--json', 'print JSON lines only').conflicts('quiet'))
    .option('--quiet', 'print only the final lines');
}

/** --gpu, for a command that trains or evaluates (`verb`). */
export function gpuOption(verb: string): Option {
  return new Option('--gpu', `${verb} on a GPU: CUDA through @tensorflow/tfjs-node-gpu if installed, else WebGPU (optional packages)`);
}

export function backendOption(): Option {
  return new Option('--backend <name>', 'TensorFlow.js backend; auto = tensorflow if installed, else wasm').choices(BACKEND_NAMES).default('auto');
}

/** --out and --resume, with what each means for this command's dir. */
export function addDirOptions(command: Command, what: string, defaultDir: string): Command {
  return command
    .option('--out <dir>', `${what} to create (default: ${defaultDir})`, pathValue)
    .option('--resume <dir>', `continue an interrupted ${what} with its own arguments`, pathValue);
}

/** --gpu with a CPU backend is a usage error. */
export function validateBackendFlags(flags: Pick<TrainFlags, 'backend' | 'gpu'>): void {
  const conflict = backendConflict({ backend: flags.backend, gpu: flags.gpu === true });
  if (conflict) throw new UsageError(conflict, 'drop --gpu to train on the CPU, or drop --backend');
}

/** Whether the user gave this defining field's flag on the command line. */
export function givenOnCommandLine(command: Command, field: DefiningField): boolean {
  return command.getOptionValueSource(ATTRIBUTE[field] ?? field) === 'cli';
}

/**
 * Usage errors in a combination of flags: --gpu with a CPU backend; with --resume, --out or
 * any flag that defines the run (it continues with the values it started with); a model
 * variant that cannot be built with one of `impls`, the models the command trains.
 */
export function validateTrainFlags(flags: TrainFlags, command: Command, impls: readonly ModelImpl[]): void {
  validateBackendFlags(flags);
  if (!flags.resume) {
    for (const impl of impls) {
      const problem = variantConflict(variantFromFlags(flags, impl));
      // compare and reproduce have no --impl: say why an impl is involved at all.
      const context = flags.impl === undefined ? `${command.name()} trains ${impls.join(' and ')} BatchNorm; ` : '';
      if (problem) throw new UsageError(`${context}${problem}`);
    }
    return;
  }
  if (flags.out) throw new UsageError('--out cannot go with --resume: a resumed run stays in its own dir');
  for (const name of DEFINING_FIELDS) {
    if (givenOnCommandLine(command, name)) {
      throw new UsageError(
        `--${kebab(name)} cannot be changed when resuming: the run continues with the value it started with`,
        `drop --${kebab(name)}, or start a new run without --resume`,
      );
    }
  }
}

/** The model variant the flags ask for with this impl (BatchNorm at every position unless --bn-layers says otherwise). */
export function variantFromFlags(flags: Omit<TrainFlags, 'impl'>, impl: ModelImpl): ModelVariant {
  return {
    impl,
    bnLayers: flags.bnLayers ?? (hasBatchNorm(impl) ? [...BN_POSITIONS] : []),
    noBias: flags.bias === false,
    freezeAffine: flags.freezeAffine === true,
    bnMode: flags.bnMode,
    dropout: flags.dropout,
  };
}

export function runArgsFromFlags(flags: TrainFlags, impl: ModelImpl): RunArgs {
  return {
    ...variantFromFlags(flags, impl),
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    lr: flags.lr,
    seed: flags.seed,
    limit: flags.limit,
    testLimit: flags.testLimit,
    dataDir: resolveDataDir(flags.dataDir),
  };
}

export function outputMode(flags: Pick<TrainFlags, 'json' | 'quiet'>): OutputMode {
  return flags.json ? 'json' : flags.quiet ? 'quiet' : 'text';
}
