/** `bnlenet inspect-params`: the learned gamma and beta (and moving statistics) of a run. */
import { Command, InvalidArgumentError } from 'commander';
import { pathValue, wholeNumber } from '../flags';
import { withExamples } from '../help';

interface InspectFlags {
  run?: string;
  /** A BatchNorm position; absent for the first the model has. */
  layer?: number | 'all';
  json?: boolean;
  plot?: string | true;
  allChannels?: boolean;
}

function layerChoice(value: string): number | 'all' {
  if (value === 'all') return 'all';
  try {
    return wholeNumber(1)(value);
  } catch {
    throw new InvalidArgumentError('Expected a BatchNorm position (1 after conv1 .. 4 after dense2) or "all".');
  }
}

export function inspectParamsCommand(): Command {
  const command = new Command('inspect-params')
    .summary('show the learned gamma and beta of the BatchNorm layers')
    .description(
      "Show gamma, beta and the moving statistics of a run's BatchNorm layers: the first layer " +
        '(6 channels, as the book prints) by default, or --layer N, or --layer all.',
    )
    .option('--run <dir>', 'run dir (default: the newest under ./runs)', pathValue)
    .option('--layer <n|all>', 'BatchNorm at position 1..4 (1 after conv1, 4 after dense2), or all (default: the first)', layerChoice)
    .option('--json', 'print JSON: per layer, gamma, beta, movingMean and movingVariance arrays')
    .option('--all-channels', 'print every channel of the dense layers too (default: their first 6, then min, mean and max)')
    .option('--plot [file]', "also draw the layers' gamma and beta per channel as SVG (default file: <run dir>/params.svg)")
    .action(async (flags: InspectFlags) => {
      const { inspectRun } = require('../inspect-actions') as typeof import('../inspect-actions');
      await inspectRun(flags.run, flags.layer, flags.json === true, flags.plot, flags.allChannels === true);
    });
  return withExamples(command, [
    ["the first BatchNorm layer's gamma and beta of the newest run, as the book prints them", 'bnlenet inspect-params'],
    ['every layer as JSON', 'bnlenet inspect-params --layer all --json'],
    ['a chart of them', 'bnlenet inspect-params --run runs/cmp/custom --layer all --plot params.svg'],
  ]);
}
