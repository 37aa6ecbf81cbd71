/**
 * `bnlenet reproduce`: the book's recipe for both BatchNorm variants, checked against the
 * book's and the PyTorch reference's figures, with a Markdown report. Train's options make
 * it smaller (--epochs, --limit) for CI and tests; --max-loss, --min-train-acc and
 * --min-test-acc move the tolerances. TensorFlow.js is loaded only inside the action.
 */
import { Command } from 'commander';
import { BOOK, CHECKS, DEFAULT_TOLERANCES, GUIDE_REFERENCE, TEST_ACC_WINDOW } from '../../train/reproduce-checks';
import { BATCHNORM_IMPLS } from '../../model/impls';
import { recordedSetKernels } from '../../train/store/recorded-kernels';
import { defaultRunDir } from '../../train/store/run-dir';
import { fraction, positiveNumber } from '../flags';
import type { StopController } from '../stop-controller';
import { addDirOptions, addTrainOptions, validateTrainFlags, type TrainFlags } from '../train-options';
import { withExamples } from '../help';

interface ReproduceFlags extends TrainFlags {
  maxLoss: number;
  minTrainAcc: number;
  minTestAcc: number;
}

const checkTable = CHECKS.map(
  (c) => `  ${c.label(10).padEnd(36)} ${c.direction === 'max' ? '<=' : '>='} ${c.flag.padEnd(16)} (default ${DEFAULT_TOLERANCES[c.tolerance]})`,
).join('\n');
const { custom, builtin } = BOOK;
const ref = GUIDE_REFERENCE;

const HELP = `
Trains the custom and the built-in BatchNorm variant as \`bnlenet compare\` does (the book's
recipe by default: 10 epochs, batch 256, lr 1, all 60,000 training examples) into
<dir>/custom and <dir>/builtin, writes compare.json and compare.svg, then checks each run:

${checkTable}

The book reports loss ${custom.loss} / ${builtin.loss}, train acc ${custom.trainAcc} / ${builtin.trainAcc}, test acc ${custom.testAcc} / ${builtin.testAcc}
(custom / builtin); the PyTorch reference on a 2-core CPU (GUIDE.md): loss ${ref.loss}, train acc
${ref.trainAcc}, test acc ${ref.testAcc}. <dir>/report.md shows the measured figures beside them, pass or
fail per check, the examples/sec and the device, with the curves; <dir>/report.json holds the
same for CI (checks with measured, limit, book and reference values; the command line,
versions, git commit, machine and backend). With $GITHUB_STEP_SUMMARY set (GitHub Actions), a
short summary is appended to it. A recipe smaller than the book's (fewer epochs, --limit,
another batch size or lr) is labelled "not the book's recipe" wherever the verdict appears.

Ctrl-C stops the running variant at the next batch with a checkpoint (exit 130);
\`bnlenet reproduce --resume DIR\` continues, with the tolerances the reproduction started
with unless given again.

Exit status: 0 when every check is within its tolerance, 1 when one is not (one line each,
under the verdict), 2 for a usage error, 130 when interrupted.
`;

export function reproduceCommand(stop: StopController): Command {
  const command = new Command('reproduce')
    .summary("run the book's recipe for both variants and check the results")
    .description(
      "Reproduce the book's results: train both BatchNorm variants, check them against the book's " +
        "and the PyTorch reference's figures within tolerances, and write a Markdown report.",
    );
  addDirOptions(addTrainOptions(command, { impl: false }), 'reproduce dir', 'runs/<UTC time>-reproduce')
    .option('--max-loss <x>', 'largest final training loss that passes', positiveNumber, DEFAULT_TOLERANCES.maxLoss)
    .option('--min-train-acc <x>', 'smallest final training accuracy that passes', fraction, DEFAULT_TOLERANCES.minTrainAcc)
    .option(
      '--min-test-acc <x>',
      `smallest test accuracy (best of the last ${TEST_ACC_WINDOW} epochs) that passes`,
      fraction,
      DEFAULT_TOLERANCES.minTestAcc,
    )
    .addHelpText('after', HELP)
    .action(async (flags: ReproduceFlags, cmd: Command) => {
      validateTrainFlags(flags, cmd, BATCHNORM_IMPLS);
      const { selectBackend } = require('../../engine') as typeof import('../../engine');
      const { reproduceWithFlags } = require('../variant-set-action') as typeof import('../variant-set-action');
      // A resume starts the kernel build its runs recorded: read before the backend starts them.
      const recordedKernels = flags.resume ? await recordedSetKernels(flags.resume) : undefined;
      const backend = await selectBackend({ backend: flags.backend, gpu: flags.gpu === true, recordedKernels });
      const tolerances = { maxLoss: flags.maxLoss, minTrainAcc: flags.minTrainAcc, minTestAcc: flags.minTestAcc };
      const given = (Object.keys(tolerances) as (keyof typeof tolerances)[]).filter((k) => cmd.getOptionValueSource(k) === 'cli');
      const dir = flags.resume ?? flags.out ?? defaultRunDir('reproduce');
      await reproduceWithFlags(stop, flags, dir, tolerances, given, backend);
    });
  return withExamples(command, [
    ["the book's recipe for both BatchNorms, checked; report.md and report.json in the dir", 'bnlenet reproduce --out runs/repro'],
    [
      'a smoke test for CI: 1 epoch on 2048 images in batches of 64, with tolerances it meets (labelled "not the book\'s recipe")',
      'bnlenet reproduce --epochs 1 --limit 2048 --batch-size 64 --max-loss 2.1 --min-train-acc 0.3 --min-test-acc 0.4',
    ],
    ['continue after Ctrl-C or a cancelled job', 'bnlenet reproduce --resume runs/repro'],
  ]);
}
