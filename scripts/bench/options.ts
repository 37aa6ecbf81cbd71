/** The bench's flags, their defaults, and the environment variables that override defaults. */
import * as path from 'node:path';
import { Command } from 'commander';
import { wholeNumber } from '../../src/cli/flags';
import { REPO_ROOT } from './measures';

export interface BenchOptions {
  repeats: number;
  epochs: number;
  warmup: number;
  limit: number;
  batchSize: number;
  dataDir?: string;
  reference: string;
  python: string;
  skipReference: boolean;
  skipRss: boolean;
  loadRuns: number;
  helpRuns: number;
  /** Minutes one child may run before it is killed. */
  childTimeout: number;
  out?: string;
}

export const DEFAULT_REFERENCE = path.resolve(REPO_ROOT, '..', 'shared', 'reference', 'd2l_lenet_bn.py');
export const DEFAULT_PYTHON = '/usr/bin/python3';

export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const program = new Command('npm run bench --')
    .description(
      'Time LeNet-BN training (custom and builtin BatchNorm) on the default CPU backend against the ' +
        'PyTorch reference on the same data subset, plus inference, data loading, peak RSS of a ' +
        'full-data epoch and `bnlenet --help`. Prints a table and writes runs/bench-<UTC time>.json.',
    )
    .option('--repeats <n>', 'training runs per variant, interleaved', wholeNumber(1), 3)
    .option('--epochs <n>', 'epochs per training run', wholeNumber(1), 3)
    .option('--warmup <n>', 'first epochs of each run left out of examples/sec', wholeNumber(0), 1)
    .option('--limit <n>', 'train on the first N training images', wholeNumber(1), 10_000)
    .option('--batch-size <n>', 'examples per batch', wholeNumber(1), 256)
    .option('--data-dir <dir>', 'Fashion-MNIST files (default: $BNLENET_DATA_DIR, else ./data); missing ones are fetched')
    .option('--reference <script>', 'the PyTorch reference script (default: $BNLENET_REFERENCE, else ../shared/reference/d2l_lenet_bn.py)')
    .option('--python <exe>', 'python with torch for the reference (default: $BNLENET_PYTHON, else /usr/bin/python3)')
    .option('--skip-reference', 'do not run the PyTorch reference')
    .option('--skip-rss', 'do not measure the peak RSS of a full-data epoch')
    .option('--load-runs <n>', 'dataset loads to time', wholeNumber(1), 5)
    .option('--help-runs <n>', '`bnlenet --help` spawns to time', wholeNumber(1), 10)
    .option('--child-timeout <minutes>', 'minutes one child process may run', wholeNumber(1), 30)
    .option('--out <file>', 'JSON report path (default: runs/bench-<UTC time>.json)')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  program.parse(argv, { from: 'user' });
  const flags = program.opts<Omit<BenchOptions, 'reference' | 'python' | 'skipReference' | 'skipRss'> & {
    reference?: string;
    python?: string;
    skipReference?: boolean;
    skipRss?: boolean;
  }>();
  return {
    ...flags,
    reference: path.resolve(flags.reference ?? (env.BNLENET_REFERENCE || DEFAULT_REFERENCE)),
    python: flags.python ?? (env.BNLENET_PYTHON || DEFAULT_PYTHON),
    skipReference: flags.skipReference === true,
    skipRss: flags.skipRss === true,
  };
}
