/**
 * Parsers for flag values. Each rejects a bad value with commander's InvalidArgumentError,
 * which commander prints as one line naming the flag and the value; main maps it to exit 2.
 */
import { InvalidArgumentError } from 'commander';
import { isDropoutRate } from '../model/variant';

export function wholeNumber(min: number): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed)) {
      throw new InvalidArgumentError(`Expected a whole number >= ${min}.`);
    }
    if (parsed < min) throw new InvalidArgumentError(`Expected a whole number >= ${min}.`);
    return parsed;
  };
}

export function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new InvalidArgumentError('Expected a finite number > 0.');
  }
  return parsed;
}

/** A fraction such as an accuracy: a number from 0 to 1. */
export function fraction(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
    throw new InvalidArgumentError('Expected a number from 0 to 1.');
  }
  return parsed;
}

/** A file or directory path: anything but the empty string (which names no place at all). */
export function pathValue(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('Expected a path, not an empty string.');
  return value;
}

/** A value from a fixed set (for list flags, where commander's .choices() cannot check each item). */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`Expected one of ${choices.join(', ')}.`);
    return value as T;
  };
}

/** A dropout rate: from 0 up to but not including 1 (at 1 nothing would pass). */
export function dropoutRate(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !isDropoutRate(parsed)) {
    throw new InvalidArgumentError('Expected a dropout rate from 0 up to but not including 1.');
  }
  return parsed;
}

/**
 * A comma-separated list of values, each read by `parse`: "0.1,1,10". Empty items and repeated
 * values are refused (a repeated value would train the same thing twice).
 */
export function commaList<T>(parse: (value: string) => T): (value: string) => T[] {
  return (value: string) => {
    const items = value.split(',').map((item) => item.trim());
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
