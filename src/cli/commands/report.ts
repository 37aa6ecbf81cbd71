/** `bnlenet report`: one self-contained HTML page of a run, compare, reproduce or sweep dir. */
import { Command } from 'commander';
import { pathValue } from '../flags';
import { throwIfInterrupted } from '../../util/abort';
import { withExamples } from '../help';
import type { StopController } from '../stop-controller';

interface ReportFlags {
  run?: string;
  out?: string;
  dataDir?: string;
}

const HELP = `
A run dir: the training curves, gamma and beta of every BatchNorm layer over the epochs
(params.jsonl), the distribution of each BatchNorm's input and output over the epochs
(activations.jsonl), and the final moving averages against statistics recomputed with the
final weights over 10,000 training images, with the test accuracy of each (as
\`evaluate --recompute-stats\`; skipped, with a note, when the run's data is not at hand: the
report reads the data dir the run trained on, or --data-dir, and never downloads).
A compare or reproduce dir: its runs overlaid. A sweep dir (sweep.json): final accuracy
against learning rate.

The page carries its charts and Vega's runtime inline: it opens from disk, in any browser,
with no network.
`;

export function reportCommand(stop: StopController): Command {
  const command = new Command('report')
    .summary('write an HTML report of a run, compare or sweep dir')
    .description('Write one self-contained HTML page with the charts of a run, compare, reproduce or sweep dir.')
    .option('--run <dir>', 'run, compare, reproduce or sweep dir (default: the newest run under ./runs)', pathValue)
    .option('--out <file>', 'where to write the page (default: <dir>/report.html)', pathValue)
    .option('--data-dir <dir>', "Fashion-MNIST files for the recomputed statistics (default: the run's own data dir)", pathValue)
    .addHelpText('after', HELP.trimEnd())
    .action(async (flags: ReportFlags) => {
      const { writeReport } = require('../report-action') as typeof import('../report-action');
      // A stop before the page is written leaves no file; one during the write, the whole page
      // and this line saying so, then the stop.
      stop.abortOnStop();
      const file = await writeReport(flags.run, flags.out, flags.dataDir, stop.signal);
      process.stdout.write(`report written to ${file}\n`);
      throwIfInterrupted(stop.signal);
    });
  return withExamples(command, [
    ['the newest run, to <its dir>/report.html', 'bnlenet report'],
    ['a compare dir: both BatchNorms overlaid', 'bnlenet report --run runs/cmp'],
    ['a sweep dir, to a file of your choice', 'bnlenet report --run runs/lr --out sweep.html'],
  ]);
}
