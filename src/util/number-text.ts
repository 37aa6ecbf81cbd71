/**
 * Numbers read from text (flags, list items): the one strict reader. Only a plain decimal
 * literal is a number here: "1", "-2", "0.5", ".5", "1e-5". JavaScript's Number() also takes
 * "0x10", "0b1", " 0.5 ", "" (as 0) and "Infinity"; a flag value like those is far more often
 * a typo than a wish, so they are refused.
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The finite number `text` spells as a decimal literal, or undefined. */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** The whole number `text` spells (digits, an optional sign; no exponent), when it is a safe integer. */
export function parseWhole(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
