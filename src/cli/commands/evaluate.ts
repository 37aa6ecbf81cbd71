/** `bnlenet evaluate`: test loss and accuracy of a saved run's model. */
import { Command } from 'commander';
import { resolveDataDir } from '../../data';
import { pathValue } from '../flags';
import { withExamples } from '../help';

interface EvaluateFlags {
  run?: string;
  dataDir?: string;
  json?: boolean;
}

export function evaluateCommand(): Command {
  const command = new Command('evaluate')
    .summary("test loss and accuracy of a saved run's model")
    .description('Evaluate a saved model on the 10,000 test images, in inference mode (moving statistics).')
    .option('--run <dir>', 'run dir (default: the newest under ./runs)', pathValue)
    .option('--data-dir <dir>', 'Fashion-MNIST files (default: $BNLENET_DATA_DIR, else ./data)', pathValue)
    .option('--json', 'print one JSON object')
    .action(async (flags: EvaluateFlags) => {
      const { evaluateRun } = require('../inspect-actions') as typeof import('../inspect-actions');
      await evaluateRun(flags.run, resolveDataDir(flags.dataDir), flags.json === true);
    });
  return withExamples(command, [
    ['the newest run on the test set', 'bnlenet evaluate'],
    ['one run of a compare dir, as JSON', 'bnlenet evaluate --run runs/cmp/builtin --json'],
  ]);
}
