/**
 * `bnlenet train`: validates the flags, then wires the engine (backend), the data layer
 * (verified dataset), the training run and the reporter together. TensorFlow.js is loaded
 * only inside the action, so `bnlenet --help` stays fast.
 */
import { Command } from 'commander';
import { UsageError } from '../../errors';
import {
  addTrainOptions,
  outputMode,
  RUN_DEFINING_FLAGS,
  runArgsFromFlags,
  validateTrainFlags,
  type TrainFlags,
} from '../train-options';

interface TrainCommandFlags extends TrainFlags {
  out?: string;
  resume?: string;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function validateResume(flags: TrainCommandFlags, command: Command): void {
  if (!flags.resume) return;
  if (flags.out) throw new UsageError('--out cannot go with --resume: a resumed run stays in its own dir');
  for (const name of RUN_DEFINING_FLAGS) {
    if (command.getOptionValueSource(name) === 'cli') {
      throw new UsageError(
        `--${kebab(name)} cannot be changed when resuming: the run continues with the value it started with`,
        `drop --${kebab(name)}, or start a new run without --resume`,
      );
    }
  }
}

export function trainCommand(): Command {
  const command = new Command('train')
    .summary('train LeNet-BN on Fashion-MNIST and save the run')
    .description(
      'Train LeNet with batch normalization as the book does (SGD, lr 1.0, batch 256,\n10 epochs), ' +
        'print loss, train and test accuracy and examples/sec per epoch, and save the run dir.',
    );
  addTrainOptions(command, { impl: true })
    .option('--out <dir>', 'run dir to create (default: runs/<UTC time>-<impl>)')
    .option('--resume <dir>', 'continue an interrupted run from its checkpoint, with its own arguments')
    .action(async (flags: TrainCommandFlags, cmd: Command) => {
      validateTrainFlags(flags);
      validateResume(flags, cmd);
      // Loaded here, not at the top: they pull in TensorFlow.js.
      const { trainWithFlags } = require('../train-action') as typeof import('../train-action');
      await trainWithFlags(flags, {
        runDir: flags.resume ?? flags.out,
        resume: Boolean(flags.resume),
        impl: flags.impl,
        mode: outputMode(flags),
        args: runArgsFromFlags(flags, flags.impl),
      });
    });
  return command;
}
