/** `bnlenet evaluate`: test loss and accuracy of a saved run's model. */
import { Command } from 'commander';
import { resolveDataDir } from '../../data';
import { pathValue, wholeNumber } from '../flags';
import { withExamples } from '../help';
import type { StopController } from '../stop-controller';
import { backendOption, gpuOption, validateBackendFlags } from '../train-options';
import type { BackendName } from '../../engine/backend';

interface EvaluateFlags {
  run?: string;
  dataDir?: string;
  json?: boolean;
  /** true when given without a count. */
  recomputeStats?: number | true;
  backend: BackendName;
  gpu?: boolean;
}

const HELP = `
--recompute-stats is "precise BatchNorm" (Wu and Johnson 2021): each BatchNorm's mean and
variance are recomputed with the final weights as true averages over N training images (the
first N of the run's training examples, in batches of its batch size, BatchNorm on batch
statistics as in training), and the test set is evaluated with them as well as with the
moving averages that training kept. The moving averages mix statistics of earlier weights;
at lr 1.0 the two results can differ by several points of accuracy. The run is not changed.
`;

export function evaluateCommand(stop: StopController): Command {
  const command = new Command('evaluate')
    .summary("test loss and accuracy of a saved run's model")
    .description('Evaluate a saved model on the 10,000 test images, in inference mode (moving statistics).')
    .option('--run <dir>', 'run dir (default: the newest under ./runs)', pathValue)
    .option('--data-dir <dir>', 'Fashion-MNIST files (default: $BNLENET_DATA_DIR, else ./data)', pathValue)
    .option(
      '--recompute-stats [n]',
      'also evaluate with BatchNorm statistics recomputed over n training images (default 10000)',
      wholeNumber(1),
    )
    .addOption(gpuOption('evaluate'))
    .addOption(backendOption())
    .option('--json', 'print one JSON object (with --recompute-stats: testLossRecomputed and testAccRecomputed too)')
    .addHelpText('after', HELP.trimEnd())
    .action(async (flags: EvaluateFlags) => {
      validateBackendFlags(flags);
      const { evaluateRun } = require('../inspect-actions') as typeof import('../inspect-actions');
      const backend = { backend: flags.backend, gpu: flags.gpu === true };
      // Nothing to save: a stop ends the evaluation at the next batch, with one line.
      stop.abortOnStop();
      await evaluateRun(flags.run, resolveDataDir(flags.dataDir), flags.json === true, flags.recomputeStats, backend, stop.signal);
    });
  return withExamples(command, [
    ['the newest run on the test set', 'bnlenet evaluate'],
    ['one run of a compare dir, as JSON', 'bnlenet evaluate --run runs/cmp/builtin --json'],
    ['also with BatchNorm statistics recomputed over 10,000 training images', 'bnlenet evaluate --recompute-stats'],
    ['on WebGPU (any run evaluates on any backend)', 'bnlenet evaluate --backend webgpu'],
  ]);
}
