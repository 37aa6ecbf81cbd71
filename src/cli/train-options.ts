/**
 * The options `train`, `compare` and `reproduce` share, their defaults and validation, and
 * the mapping from parsed flags to a run's arguments.
 */
import { Command, Option } from 'commander';
import { resolveDataDir, parseMirrorUrl } from '../data';
import { BACKEND_NAMES, backendConflict, type BackendName } from '../engine/backend';
import { UsageError } from '../errors';
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../model/impls';
import type { OutputMode } from '../report/train-reporter';
import { DEFINING_FIELDS, type RunArgs } from '../train/run-record';
import { pathValue, positiveNumber, wholeNumber } from './flags';

export interface TrainFlags {
  impl: BatchNormImpl;
  gpu?: boolean;
  backend: BackendName;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  limit?: number;
  dataDir?: string;
  mirror?: string[];
  out?: string;
  resume?: string;
  json?: boolean;
  quiet?: boolean;
}

export function addTrainOptions(command: Command, options: { impl: boolean }): Command {
  if (options.impl) {
    command.addOption(
      new Option('--impl <impl>', 'BatchNorm implementation: from scratch, or the built-in layer')
        .choices(BATCHNORM_IMPLS)
        .default('custom'),
    );
  }
  return command
    .option('--gpu', 'train on a GPU: CUDA through @tensorflow/tfjs-node-gpu if installed, else WebGPU (optional packages)')
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend; auto = tensorflow if installed, else wasm')
        .choices(BACKEND_NAMES)
        .default('auto'),
    )
    .option('--epochs <n>', 'training epochs', wholeNumber(1), 10)
    .option('--batch-size <n>', 'examples per batch', wholeNumber(1), 256)
    .option('--lr <rate>', 'SGD learning rate', positiveNumber, 1)
    .option('--seed <n>', 'seed for the initial weights and the shuffle', wholeNumber(0), 0)
    .option('--limit <n>', 'train on the first N training examples only', wholeNumber(1))
    .option('--data-dir <dir>', 'Fashion-MNIST files (default: $BNLENET_DATA_DIR, else ./data); missing ones are fetched', pathValue)
    .option(
      '--mirror <url>',
      'base URL to fetch missing data files from; repeatable',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), parseMirrorUrl(value, '--mirror')],
    )
    .addOption(new Option('--json', 'print JSON lines only').conflicts('quiet'))
    .option('--quiet', 'print only the final lines');
}

/** --out and --resume, with what each means for this command's dir. */
export function addDirOptions(command: Command, what: string, defaultDir: string): Command {
  return command
    .option('--out <dir>', `${what} to create (default: ${defaultDir})`, pathValue)
    .option('--resume <dir>', `continue an interrupted ${what} with its own arguments`, pathValue);
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Usage errors in a combination of flags: --gpu with a CPU backend; with --resume, --out or
 * any flag that defines the run (it continues with the values it started with).
 */
export function validateTrainFlags(flags: TrainFlags, command: Command): void {
  const conflict = backendConflict({ backend: flags.backend, gpu: flags.gpu === true });
  if (conflict) throw new UsageError(conflict, 'drop --gpu to train on the CPU, or drop --backend');
  if (!flags.resume) return;
  if (flags.out) throw new UsageError('--out cannot go with --resume: a resumed run stays in its own dir');
  for (const name of DEFINING_FIELDS) {
    if (command.getOptionValueSource(name) === 'cli') {
      throw new UsageError(
        `--${kebab(name)} cannot be changed when resuming: the run continues with the value it started with`,
        `drop --${kebab(name)}, or start a new run without --resume`,
      );
    }
  }
}

export function runArgsFromFlags(flags: TrainFlags, impl: BatchNormImpl): RunArgs {
  return {
    impl,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    lr: flags.lr,
    seed: flags.seed,
    limit: flags.limit,
    dataDir: resolveDataDir(flags.dataDir),
  };
}

export function outputMode(flags: TrainFlags): OutputMode {
  return flags.json ? 'json' : flags.quiet ? 'quiet' : 'text';
}
