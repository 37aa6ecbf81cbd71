/**
 * The options `train` and `compare` share, their defaults and validation, and the mapping
 * from parsed flags to the run's arguments.
 */
import { Command, Option } from 'commander';
import { resolveDataDir } from '../data/data-dir';
import { parseMirrorUrl } from '../data/sources';
import { BACKEND_NAMES, backendConflict, type BackendName } from '../engine/backend';
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../model/impls';
import { UsageError } from '../errors';
import type { RunArgs } from '../train/run-dir';
import { positiveNumber, wholeNumber } from './flags';

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
  mirror: string[];
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Flags that define a run: on --resume they come from the run dir and may not be changed. */
export const RUN_DEFINING_FLAGS = ['impl', 'epochs', 'batchSize', 'lr', 'seed', 'limit'] as const;

export function addTrainOptions(command: Command, options: { impl: boolean }): Command {
  if (options.impl) {
    command.addOption(
      new Option('--impl <impl>', 'BatchNorm implementation: from scratch, or the built-in layer')
        .choices(BATCHNORM_IMPLS)
        .default('custom'),
    );
  }
  return command
    .option('--gpu', 'train on CUDA through @tensorflow/tfjs-node-gpu (an optional package)')
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
    .option('--data-dir <dir>', 'Fashion-MNIST files (default: $BNLENET_DATA_DIR, else ./data); missing ones are fetched')
    .option(
      '--mirror <url>',
      'base URL to fetch missing data files from; repeatable',
      (value: string, previous: string[]) => [...previous, parseMirrorUrl(value, '--mirror')],
      [],
    )
    .addOption(new Option('--json', 'print JSON lines only').conflicts('quiet'))
    .option('--quiet', 'print only the final lines');
}

export function validateTrainFlags(flags: TrainFlags): void {
  const conflict = backendConflict({ backend: flags.backend, gpu: flags.gpu === true });
  if (conflict) throw new UsageError(conflict, 'drop --gpu to train on the CPU, or drop --backend');
}

export function runArgsFromFlags(flags: TrainFlags, impl: RunArgs['impl']): RunArgs {
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

export function outputMode(flags: TrainFlags): 'json' | 'quiet' | 'text' {
  return flags.json ? 'json' : flags.quiet ? 'quiet' : 'text';
}
