/**
 * `bnlenet compare`: trains the custom and then the built-in BatchNorm variant with train's
 * options, from the same initial weights and data order, and compares them; --resume
 * continues an interrupted compare. TensorFlow.js is loaded only inside the action.
 */
import { Command } from 'commander';
import { BATCHNORM_IMPLS } from '../../model/impls';
import { recordedSetKernels } from '../../train/store/recorded-kernels';
import { defaultRunDir } from '../../train/store/run-dir';
import type { StopController } from '../stop-controller';
import { addDirOptions, addTrainOptions, validateTrainFlags, type TrainFlags } from '../train-options';
import { withExamples } from '../help';

const HELP = `
Writes <dir>/custom and <dir>/builtin (two ordinary run dirs: evaluate and inspect-params
take them with --run), plan.json (what --resume continues), compare.json (both runs' metrics,
the speed ratio and the BatchNorm differences) and compare.svg (both runs' curves on one
chart).

Prints both runs' loss, train and test accuracy and examples/sec per epoch side by side, the
speed ratio custom/builtin, and the largest |custom - builtin| of gamma, beta, moving mean and
moving variance over all BatchNorm layers at the end. Both BatchNorms compute the same
function, so these stay small; only floating-point rounding sets them apart.

Ctrl-C stops the running variant at the next batch with a checkpoint (exit 130);
\`bnlenet compare --resume DIR\` finishes it and trains the other.
`;

export function compareCommand(stop: StopController): Command {
  const command = new Command('compare')
    .summary('train custom and built-in BatchNorm from the same start and compare them')
    .description(
      'Train both BatchNorm variants (custom, then builtin) from the same initial weights, data ' +
        'order and seed, and show them side by side.',
    );
  addDirOptions(addTrainOptions(command, { impl: false }), 'compare dir', 'runs/<UTC time>-compare')
    .addHelpText('after', HELP)
    .action(async (flags: TrainFlags, cmd: Command) => {
      validateTrainFlags(flags, cmd, BATCHNORM_IMPLS);
      const { selectBackend } = require('../../engine') as typeof import('../../engine');
      const { openVariantSetWithFlags, trainAndCompare } = require('../variant-set-action') as typeof import('../variant-set-action');
      const dir = flags.resume ?? flags.out ?? defaultRunDir('compare');
      // A resume starts the kernel build its runs recorded: read before the backend starts them.
      const recordedKernels = flags.resume ? await recordedSetKernels(flags.resume) : undefined;
      const backend = await selectBackend({ backend: flags.backend, gpu: flags.gpu === true, recordedKernels });
      const plan = await openVariantSetWithFlags(flags, dir, 'compare', {});
      await trainAndCompare(stop, flags, dir, plan, backend);
    });
  return withExamples(command, [
    ["both BatchNorms, the book's recipe, side by side", 'bnlenet compare'],
    ['a quick comparison on 2048 images', 'bnlenet compare --epochs 2 --limit 2048 --out runs/cmp'],
    ['continue a compare stopped by Ctrl-C', 'bnlenet compare --resume runs/cmp'],
  ]);
}
