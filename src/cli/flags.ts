/**
 * Parsers for flag values. Each rejects a bad value with commander's InvalidArgumentError,
 * which commander prints as one line naming the flag and the value; main maps it to exit 2.
 * Numbers are read by ../util/number-text.ts, strictly ("0x10", " 5", "" refused), the one
 * reader of numbers in text; the run arguments' flags are read by the table's readers
 * (../model/run-args.ts), which use it too.
 */
import { InvalidArgumentError } from 'commander';
import { ArgValueError, readPath } from '../model/run-args';
import { parseDecimal, parseWhole } from '../util/number-text';

export function wholeNumber(min: number): (value: string) => number {
  return (value: string) => {
    const parsed = parseWhole(value);
    if (parsed === undefined || parsed < min) throw new InvalidArgumentError(`Expected a whole number >= ${min}.`);
    return parsed;
  };
}

export function positiveNumber(value: string): number {
  const parsed = parseDecimal(value);
  if (parsed === undefined || parsed <= 0) throw new InvalidArgumentError('Expected a finite number > 0.');
  return parsed;
}

/** A fraction such as an accuracy: a number from 0 to 1. */
export function fraction(value: string): number {
  const parsed = parseDecimal(value);
  if (parsed === undefined || parsed < 0 || parsed > 1) throw new InvalidArgumentError('Expected a number from 0 to 1.');
  return parsed;
}

/** A file or directory path: anything but the empty string (which names no place at all). */
export function pathValue(value: string): string {
  try {
    return readPath(value);
  } catch (err) {
    throw err instanceof ArgValueError ? new InvalidArgumentError(err.message) : err;
  }
}

/**
 * A comma-separated list of values, each read by `parse`: "0.1,1,10". Empty items and repeated
 * values are refused (a repeated value would train the same thing twice); so is space around
 * an item, as in a single value.
 */
export function commaList<T>(parse: (value: string) => T): (value: string) => T[] {
  return (value: string) => {
    const items = value.split(',');
    if (items.some((item) => item === '')) throw new InvalidArgumentError('Expected a comma-separated list without empty items.');
    const parsed = items.map((item) => {
      try {
        return parse(item);
      } catch (err) {
        throw new InvalidArgumentError(`${JSON.stringify(item)}: ${(err as Error).message}`);
      }
    });
    const repeated = parsed.find((v, i) => parsed.indexOf(v) !== i);
    if (repeated !== undefined) throw new InvalidArgumentError(`${JSON.stringify(String(repeated))} is given twice.`);
    return parsed;
  };
}
