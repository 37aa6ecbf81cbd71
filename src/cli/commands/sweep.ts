/**
 * `bnlenet sweep`: train's options, where the table's sweep axes (model/run-args.ts: --impl,
 * --batch-size, --dropout, the BatchNorm settings, --seed, --lr) take comma-separated lists;
 * one run (a cell) per combination, in --out. Flags are checked here, each cell by the one
 * validation train uses, before TensorFlow.js loads; the work is in ../sweep-action.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../../errors';
import { differingField, RUN_ARG_NAMES, RUN_ARGS, runArgsProblem, SWEEP_AXES } from '../../model/run-args';
import { recordedSetKernels } from '../../train/store/recorded-kernels';
import { defaultRunDir } from '../../train/store/run-dir';
import { CHANCE_ACCURACY, NO_LEARNING_BELOW } from '../../train/no-learning';
import type { PlannedRun } from '../../train/store/run-set';
import { cellLabel, type Shard } from '../../train/sweep';
import { pathValue } from '../flags';
import { withExamples } from '../help';
import type { StopController } from '../stop-controller';
import { addTrainOptions, flagsGiven, validateBackendFlags, type SweepFlags } from '../train-options';

interface SweepCommandFlags extends SweepFlags {
  shard?: Shard;
  collect?: boolean;
}

function shardValue(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const [index, of] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || of < 1 || index < 1 || index > of) throw new InvalidArgumentError('Expected I/N with 1 <= I <= N, e.g. 2/4.');
  return { index, of };
}

const LISTED = SWEEP_AXES.map((axis) => RUN_ARGS[axis].flag);
const BATCHNORM_ONLY = RUN_ARG_NAMES.filter((name) => RUN_ARGS[name].batchNormOnly).map((name) => RUN_ARGS[name].flag);

/** Fills lines up to `width` word by word (the lists above make this paragraph's length vary with the table). */
function fill(text: string, width: number): string {
  const lines = [''];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (lines[last] !== '' && lines[last]!.length + 1 + word.length > width) lines.push(word);
    else lines[last] = lines[last] === '' ? word : `${lines[last]} ${word}`;
  }
  return lines.join('\n');
}

const LISTS_HELP = fill(
  `Trains every combination of the list values (${LISTED.join(', ')}; the last varying fastest) as a cell: ` +
    'an ordinary run dir in <dir>, named after its values, e.g. <dir>/03-impl=none,lr=3 (evaluate and ' +
    `inspect-params take it with --run). The other flags apply to every cell; ${BATCHNORM_ONLY.join(', ')} ` +
    'only to the cells with BatchNorm (an --impl none cell is the plain LeNet). Each cell is checked as train ' +
    'checks a run: what train refuses, sweep refuses (exit 2), and so is a list that would make two cells the ' +
    'same run. A flag given twice is refused (give a list instead). --collect takes no run arguments: it ' +
    'trains nothing, so they are refused rather than ignored.',
  90,
);

const HELP = `
${LISTS_HELP}

Each cell ends as one of:
  ok           trained every epoch; final train accuracy >= ${NO_LEARNING_BELOW}
  no-learning  trained every epoch; final train accuracy below ${NO_LEARNING_BELOW} (chance is ${CHANCE_ACCURACY})
  diverged     the loss or the weights became NaN or infinite (a result, not an error)
  failed       an error stopped it (its message is kept); a rerun tries it again
  pending      not trained yet, or interrupted

Writes sweep.json (every cell's arguments, dir, status and final loss and accuracies),
sweep.md (the table and, per variant, the highest learning rate at which every seed learned)
and sweep.svg (final train and test accuracy against the learning rate), from the cells
present, after the cells are trained.

Rerunning with the same --out skips finished cells and resumes an interrupted one; the lists
may be left out then (the dir's plan.json has them). Ctrl-C stops the running cell at the
next batch with a checkpoint (exit 130).

Beyond one machine: --shard I/N trains only cells I, I+N, I+2N, ... (the cells are numbered
from 1), so N machines can each run one shard into their own copy of --out; copy the cell
dirs into one dir and run --collect there: it trains nothing and writes the summary.
.github/workflows/sweep.yml does this on GitHub Actions.

Exit status: 0 when none of the cells this command was to train failed or is pending
(diverged and no-learning cells are results), 1 otherwise, naming them; 2 for a usage error;
130 when interrupted.`;

/**
 * Each cell is checked as train checks its run (runArgsProblem, the one validation): a problem
 * every cell has is train's line as it is; one that only some cells have names the first.
 * Two cells that would train the same run (a BatchNorm setting listed with --impl none, which
 * has no BatchNorm) are refused too.
 */
function validateCells(cells: readonly PlannedRun[]): void {
  const problems = cells.map((cell) => runArgsProblem(cell.args));
  const index = problems.findIndex((problem) => problem !== undefined);
  if (index >= 0) {
    const shared = problems.every((problem) => problem === problems[index]);
    throw new UsageError(shared ? problems[index]! : `cell ${cellLabel(cells[index]!.args, SWEEP_AXES)}: ${problems[index]}`);
  }
  for (const [i, cell] of cells.entries()) {
    const twin = cells.slice(0, i).find((other) => differingField(other.args, cell.args) === undefined);
    if (twin) {
      throw new UsageError(
        `cells ${twin.name} and ${cell.name} would train the same run: --impl none has no BatchNorm, so the BatchNorm settings that tell them apart do not apply`,
        'sweep --impl none in a sweep of its own',
      );
    }
  }
}

export function sweepCommand(stop: StopController): Command {
  const command = new Command('sweep')
    .summary('train every combination of several learning rates, models, seeds, batch sizes or dropouts')
    .description(
      `Train one run per combination of the list values (train's options, where ${LISTED.join(', ')} ` +
        'take comma-separated lists) and summarize which learned.',
    );
  addTrainOptions(command, { impl: true, lists: true })
    .option('--out <dir>', 'sweep dir to create, or to continue (default: runs/<UTC time>-sweep)', pathValue)
    .addOption(new Option('--shard <i/n>', 'train only cells i, i+n, i+2n, ... (1-based)').argParser(shardValue).conflicts('collect'))
    .option('--collect', 'train nothing; write the summary from the cells in --out')
    .addHelpText('after', HELP)
    .action(async (flags: SweepCommandFlags, cmd: Command) => {
      validateBackendFlags(flags);
      if (flags.collect && !flags.out) throw new UsageError('--collect needs --out: the sweep dir to summarize');
      const [ignored] = flags.collect ? flagsGiven(cmd) : [];
      if (ignored) {
        throw new UsageError(
          `${ignored} cannot go with --collect: --collect trains nothing, it summarizes the cells in --out as they were trained`,
          `drop ${ignored}; to train cells with it, run the sweep without --collect`,
        );
      }
      const { requestedCells, runSweep } = require('../sweep-action') as typeof import('../sweep-action');
      validateCells(requestedCells(flags));
      const { selectBackend } = require('../../engine') as typeof import('../../engine');
      const dir = flags.out ?? defaultRunDir('sweep');
      await runSweep(stop, {
        flags,
        command: cmd,
        dir,
        shard: flags.shard,
        collect: flags.collect === true,
        // A sweep continued in its dir starts the kernel build its cells recorded.
        backend: async () => selectBackend({ backend: flags.backend, gpu: flags.gpu === true, recordedKernels: await recordedSetKernels(dir) }),
      });
    });
  return withExamples(command, [
    ['learning rates with and without BatchNorm: 6 cells of 5 epochs on 10,000 images', 'bnlenet sweep --impl custom,none --lr 0.1,1,10 --epochs 5 --limit 10000 --out runs/lr'],
    [
      'the same sweep spread over 4 machines (a CI matrix job): this one trains cells 2 and 6 of the 6',
      'bnlenet sweep --impl custom,none --lr 0.1,1,10 --epochs 5 --limit 10000 --shard 2/4 --out runs/lr',
    ],
    ["the summary of the shards' cells, once copied into one dir", 'bnlenet sweep --collect --out runs/lr'],
    ['continue a sweep stopped by Ctrl-C (its lists come from the dir)', 'bnlenet sweep --out runs/lr'],
    ['dropout in the plain LeNet against BatchNorm', 'bnlenet sweep --impl none,custom --dropout 0,0.5 --out runs/dropout'],
  ]);
}
