/**
 * Commands the tool suggests ("continue it with `bnlenet train --resume DIR`") are meant to be
 * pasted into a shell, so every word in them is quoted the way a POSIX shell reads it back:
 * a word of plain characters as it is, anything else in single quotes (a ' inside becomes
 * '\''). The one place that quotes; every suggested command is built with `shellCommand`.
 */

/** Characters no POSIX shell treats specially anywhere in a word. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `word` as a shell reads it back to the same string. */
export function shellQuote(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from its words, each quoted: `shellCommand('bnlenet', 'train', '--resume', dir)`. */
export function shellCommand(...words: string[]): string {
  return words.map(shellQuote).join(' ');
}
