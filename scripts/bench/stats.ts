/** The bench's arithmetic: medians, ratios and examples/sec over chosen epochs. Pure. */

/** One timed training epoch, as both the tfjs trainer and the PyTorch reference report it. */
export interface EpochTiming {
  epoch: number;
  examples: number;
  seconds: number;
}

/** A set of samples in brief: the median and the range; undefined fields when there were none. */
export interface Stat {
  median?: number;
  min?: number;
  max?: number;
  n: number;
}

/** The middle value (mean of the two middle ones for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** a / b, or undefined when either is missing or b is not a positive finite number. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return undefined;
  return a / b;
}

export function stat(values: readonly number[]): Stat {
  if (values.length === 0) return { n: 0 };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/**
 * Examples/sec over the warm-up epochs (the first `warmup`) or over the rest: all their
 * examples over all their seconds. Undefined when no epoch falls in that part.
 */
export function rateOf(epochs: readonly EpochTiming[], warmup: number, part: 'warmup' | 'steady'): number | undefined {
  const chosen = epochs.filter((e) => (part === 'warmup' ? e.epoch <= warmup : e.epoch > warmup));
  const seconds = chosen.reduce((sum, e) => sum + e.seconds, 0);
  return chosen.length === 0 ? undefined : ratio(chosen.reduce((sum, e) => sum + e.examples, 0), seconds);
}

/** The items rotated left by `by` places: the order of turns in the bench's repeat `by`. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = items.length === 0 ? 0 : ((by % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
