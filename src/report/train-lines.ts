/** The lines a training run prints, in the book's format (GUIDE.md's CLI contract). */
import type { EpochMetrics } from '../train/epoch-metrics';
import type { RunArgs } from '../model/run-args';

/**
 * A loss or an accuracy as printed: 3 decimals; a diverging loss too large for that in
 * exponent form with 3 significant digits ("6.50e+30", not 31 digits), NaN and Infinity as such.
 */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) < 1e6 ? value.toFixed(3) : value.toExponential(2);
}

const fixed3 = formatFigure;

/** `epoch N/M: loss X, train acc Y, test acc Z, R examples/sec` */
export function epochLine(m: EpochMetrics): string {
  return (
    `epoch ${m.epoch}/${m.epochs}: loss ${fixed3(m.loss)}, train acc ${fixed3(m.trainAcc)}, ` +
    `test acc ${fixed3(m.testAcc)}, ${m.examplesPerSec.toFixed(1)} examples/sec`
  );
}

/** The book's two closing lines: `loss X, train acc Y, test acc Z` and `R examples/sec on DEVICE`. */
export function finalLines(last: EpochMetrics, examplesPerSec: number, device: string): [string, string] {
  return [
    `loss ${fixed3(last.loss)}, train acc ${fixed3(last.trainAcc)}, test acc ${fixed3(last.testAcc)}`,
    `${examplesPerSec.toFixed(1)} examples/sec on ${device}`,
  ];
}

/** "1 epoch", "3 epochs". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** "10 epochs, batch 256, lr 1, seed 0, all training examples": what a run trained. */
export function recipeText(args: Pick<RunArgs, 'epochs' | 'batchSize' | 'lr' | 'seed' | 'limit' | 'testLimit'>): string {
  const examples = args.limit === undefined ? 'all training examples' : `the first ${args.limit} training examples`;
  return `${plural(args.epochs, 'epoch')}, batch ${args.batchSize}, lr ${args.lr}, seed ${args.seed}, ${examples}${testLimitText(args)}`;
}

/** ", test acc on the first N test images" when --test-limit shrank the test set; else nothing. */
export function testLimitText(args: Pick<RunArgs, 'testLimit'>): string {
  return args.testLimit === undefined ? '' : `, test acc on the first ${args.testLimit} test images`;
}
