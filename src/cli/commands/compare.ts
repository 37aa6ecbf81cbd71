/**
 * `bnlenet compare`: trains the custom and then the built-in BatchNorm variant with train's
 * options, from the same initial weights and data order, and compares them. TensorFlow.js is
 * loaded only inside the action.
 */
import { Command } from 'commander';
import { defaultRunDir } from '../../train/run-dir';
import { addTrainOptions, validateTrainFlags, type TrainFlags } from '../train-options';

const HELP = `
Writes <dir>/custom and <dir>/builtin (two ordinary run dirs: evaluate and inspect-params
take them with --run), compare.json (both runs' metrics, the speed ratio and the BatchNorm
differences) and compare.svg (both runs' curves on one chart).

Prints both runs' loss, train and test accuracy and examples/sec per epoch side by side, the
speed ratio custom/builtin, and the largest |custom - builtin| of gamma, beta, moving mean and
moving variance over all BatchNorm layers at the end. Both BatchNorms compute the same
function, so these stay small; only floating-point rounding sets them apart.
`;

export function compareCommand(): Command {
  const command = new Command('compare')
    .summary('train custom and built-in BatchNorm from the same start and compare them')
    .description(
      'Train both BatchNorm variants (custom, then builtin) from the same initial weights, data ' +
        'order and seed, and show them side by side.',
    );
  addTrainOptions(command, { impl: false })
    .option('--out <dir>', 'compare dir to create (default: runs/<UTC time>-compare)')
    .addHelpText('after', HELP)
    .action(async (flags: TrainFlags) => {
      validateTrainFlags(flags);
      const { trainAndCompare } = require('../compare-action') as typeof import('../compare-action');
      await trainAndCompare(flags, flags.out ?? defaultRunDir('compare'));
    });
  return command;
}
