/**
 * Parsers for flag values. Each rejects a bad value with commander's InvalidArgumentError,
 * which commander prints as one line naming the flag and the value; main maps it to exit 2.
 */
import { InvalidArgumentError } from 'commander';

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
