/**
 * `bnlenet train`: validates the flags, then selects the backend and trains one run (new, or
 * resumed from its dir). TensorFlow.js is loaded only inside the action, so `bnlenet --help`
 * stays fast.
 */
import { Command } from 'commander';
import { recordedRunKernels } from '../../train/store/recorded-kernels';
import { defaultRunDir } from '../../train/store/run-dir';
import { withExamples } from '../help';
import type { StopController } from '../stop-controller';
import { addDirOptions, addTrainOptions, outputMode, runArgsFromFlags, validateTrainFlags, type TrainFlags } from '../train-options';

const RUN_DIR_HELP = `
The run dir (--out, else runs/<UTC time>-<impl>) holds run.json (the arguments),
checkpoint.json, model.json and weights.bin (the model after the last epoch), metrics.jsonl
(one line per epoch), params.jsonl and activations.jsonl (each BatchNorm's gamma and beta, and
what it receives and gives, from epoch 0), curves.svg and, at the end, summary.json. evaluate and inspect-params
read it with --run (default: the newest run). Ctrl-C saves a checkpoint after the batch in
flight and exits 130; --resume DIR continues with the run's own arguments.`;

export function trainCommand(stop: StopController): Command {
  const command = new Command('train')
    .summary('train LeNet-BN on Fashion-MNIST and save the run')
    .description(
      'Train LeNet with batch normalization as the book does (SGD, lr 1.0, batch 256, 10 epochs), ' +
        'print loss, train and test accuracy and examples/sec per epoch, and save the run dir.',
    );
  addDirOptions(addTrainOptions(command, { impl: true }), 'run dir', 'runs/<UTC time>-<impl>').addHelpText('after', RUN_DIR_HELP);
  withExamples(command, [
    ["the book's recipe (10 epochs, batch 256, lr 1) with the from-scratch BatchNorm", 'bnlenet train'],
    ['the built-in BatchNorm layer, into a dir of your choice', 'bnlenet train --impl builtin --out runs/builtin'],
    ['a quick check: 2 epochs on the first 2048 images', 'bnlenet train --epochs 2 --limit 2048'],
    ['on a GPU (CUDA through tfjs-node-gpu, else WebGPU)', 'bnlenet train --gpu'],
    ['WebGPU on any adapter Dawn finds, a software one included', 'bnlenet train --backend webgpu --epochs 1 --limit 2048'],
    ["the chapter's exercises: the plain LeNet, without BatchNorm", 'bnlenet train --impl none --lr 0.3'],
    ['BatchNorm after the convolutions only, without the biases before it', 'bnlenet train --bn-layers 1,2 --no-bias'],
    ['gamma and beta frozen at 1 and 0; a lite BatchNorm that only centres', 'bnlenet train --freeze-affine --bn-mode center'],
    ['dropout after the dense layers instead of BatchNorm', 'bnlenet train --impl none --dropout 0.5 --lr 0.3'],
    ['continue a run stopped by Ctrl-C (here the one in runs/builtin)', 'bnlenet train --resume runs/builtin'],
    ['JSON lines for a pipeline', `bnlenet train --json | jq -c 'select(.event == "epoch")'`],
  ]);
  command.action(
    async (flags: TrainFlags, cmd: Command) => {
      validateTrainFlags(flags, cmd, [flags.impl]);
      // Loaded here, not at the top: they pull in TensorFlow.js.
      const { selectBackend } = require('../../engine') as typeof import('../../engine');
      const { trainRun } = require('../reported-run') as typeof import('../reported-run');
      // A resume starts the kernel build its run recorded: read before the backend starts them.
      const recordedKernels = flags.resume ? await recordedRunKernels(flags.resume) : undefined;
      const backend = await selectBackend({ backend: flags.backend, gpu: flags.gpu === true, recordedKernels });
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
