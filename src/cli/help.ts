/**
 * The parts of --help that commander does not write: examples, one per line with what it
 * does above it, and the exit statuses of the top level.
 */
import type { Command } from 'commander';

/** [what it does, the command line] */
export type Example = readonly [string, string];

export const EXIT_STATUS = `
Exit status:
  0    done
  1    failed (bad data, a failed check, a diverged run, ...): one line says why
  2    usage error: a bad flag or value, one line naming it
  130  interrupted by Ctrl-C or SIGTERM (the run keeps a checkpoint; the line says how
       to continue)`;

export function examplesText(examples: readonly Example[]): string {
  return `\nExamples:\n${examples.map(([what, line]) => `  # ${what}\n  $ ${line}`).join('\n')}`;
}

/** Appends an Examples section to the command's --help. */
export function withExamples(command: Command, examples: readonly Example[]): Command {
  return command.addHelpText('after', examplesText(examples));
}
