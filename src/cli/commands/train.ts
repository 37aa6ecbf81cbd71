/**
 * `bnlenet train`: validates the flags, then selects the backend and trains one run (new, or
 * resumed from its dir). TensorFlow.js is loaded only inside the action, so `bnlenet --help`
 * stays fast.
 */
import { Command } from 'commander';
import { defaultRunDir } from '../../train/run-dir';
import type { StopController } from '../stop-controller';
import { addDirOptions, addTrainOptions, outputMode, runArgsFromFlags, validateTrainFlags, type TrainFlags } from '../train-options';

export function trainCommand(stop: StopController): Command {
  const command = new Command('train')
    .summary('train LeNet-BN on Fashion-MNIST and save the run')
    .description(
      'Train LeNet with batch normalization as the book does (SGD, lr 1.0, batch 256,\n10 epochs), ' +
        'print loss, train and test accuracy and examples/sec per epoch, and save the run dir.',
    );
  addDirOptions(addTrainOptions(command, { impl: true }), 'run dir', 'runs/<UTC time>-<impl>').action(
    async (flags: TrainFlags, cmd: Command) => {
      validateTrainFlags(flags, cmd, [flags.impl]);
      // Loaded here, not at the top: they pull in TensorFlow.js.
      const { selectBackend } = require('../../engine') as typeof import('../../engine');
      const { trainRun } = require('../train-action') as typeof import('../train-action');
      const backend = await selectBackend({ backend: flags.backend, gpu: flags.gpu === true });
      await trainRun(stop, backend, {
        runDir: flags.resume ?? flags.out ?? defaultRunDir(flags.impl),
        args: flags.resume ? undefined : runArgsFromFlags(flags, flags.impl),
        mode: outputMode(flags),
        mirrors: flags.mirror,
      });
    },
  );
  return command;
}
