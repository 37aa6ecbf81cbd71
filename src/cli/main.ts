/**
 * The command-line entry point: builds the commander program, runs it, and maps errors to
 * exit codes (0 done, 1 failed, 2 usage error, 130 interrupted). Commands only wire options
 * to the layers below; nothing here computes anything.
 */
import { Command, CommanderError } from 'commander';
import { BnlenetError, InterruptedError } from '../errors';
import { fileSystemError, fsErrorCode } from '../util/fs-errors';
import { fitLines, outputWidth } from '../report/terminal-width';
import { throwIfInterrupted } from '../util/abort';
import { EXIT_STATUS, withExamples } from './help';
import { VERSION } from './provenance';
import { StopController } from './stop-controller';
import { compareCommand } from './commands/compare';
import { downloadCommand } from './commands/download';
import { evaluateCommand } from './commands/evaluate';
import { inspectParamsCommand } from './commands/inspect-params';
import { reportCommand } from './commands/report';
import { reproduceCommand } from './commands/reproduce';
import { sweepCommand } from './commands/sweep';
import { trainCommand } from './commands/train';


/**
 * Commander's own errors get the same "bnlenet: " prefix as the project's. Help is laid out
 * for the terminal's width (or $COLUMNS), and every line of it, the examples and prose after
 * the options included, wrapped there at word boundaries.
 */
const OUTPUT = {
  outputError: (text: string, write: (s: string) => void) => write(text.replace(/^error: /, 'bnlenet: ')),
  writeOut: (text: string) => process.stdout.write(fitLines(text, outputWidth(process.stdout))),
  getOutHelpWidth: () => outputWidth(process.stdout) ?? 80, // commander's own default
};

function buildProgram(stop: StopController): Command {
  const program = new Command('bnlenet')
    .description(
      'LeNet with batch normalization on Fashion-MNIST, as in "Dive into Deep Learning" 7.5, on TensorFlow.js',
    )
    .version(VERSION, '-V, --version', 'print the version and exit')
    .option('--verbose', 'show stack traces for errors')
    .exitOverride()
    .configureOutput(OUTPUT)
    .addHelpText('after', EXIT_STATUS);
  withExamples(program, [
    ["the book's run: fetch the data if needed, train LeNet-BN with the from-scratch BatchNorm", 'bnlenet train'],
    ['the same with the built-in BatchNorm layer', 'bnlenet train --impl builtin'],
    ['on a GPU', 'bnlenet train --impl custom --gpu'],
    ['the learned gamma and beta of the newest run', 'bnlenet inspect-params'],
    ["both BatchNorms checked against the book's figures, with a report", 'bnlenet reproduce'],
    ["an exercise of the chapter: learning rates with and without BatchNorm", 'bnlenet sweep --impl custom,none --lr 0.1,1,10'],
    ["a command's own options and examples", 'bnlenet train --help'],
  ]);
  for (const command of [
    downloadCommand(stop),
    trainCommand(stop),
    compareCommand(stop),
    evaluateCommand(stop),
    inspectParamsCommand(),
    reproduceCommand(stop),
    reportCommand(stop),
    sweepCommand(stop),
  ]) {
    // addCommand does not copy these settings to subcommands, so each gets them here.
    command.exitOverride().configureOutput(OUTPUT);
    program.addCommand(command);
  }
  return program;
}

function isVerbose(argv: string[]): boolean {
  return argv.includes('--verbose');
}

export async function main(argv: string[]): Promise<number> {
  // One listener for Ctrl-C and SIGTERM from the start to the end of the command.
  const stop = new StopController().install();
  const program = buildProgram(stop);
  try {
    await program.parseAsync(argv, { from: 'user' });
    await stop.flushOutput();
    // A stop asked for after the command's last check (while it wrote its last files or
    // lines): the work is complete, and the exit status still says it was interrupted.
    throwIfInterrupted(stop.signal);
    return 0;
  } catch (err) {
    if (err instanceof InterruptedError && stop.stopAlreadySaid) return 130;
    return reportError(err, isVerbose(argv));
  } finally {
    stop.dispose();
  }
}

function reportError(err: unknown, verbose: boolean): number {
  if (err instanceof CommanderError) {
    // Help and version exit through here with code 0; commander already printed its line.
    if (err.exitCode === 0) return 0;
    return 2;
  }
  if (err instanceof BnlenetError) {
    process.stderr.write(`bnlenet: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  ${err.hint}\n`);
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const path = (err as NodeJS.ErrnoException | undefined)?.path;
  if (fsErrorCode(err) && path) return reportError(fileSystemError(err, 'use', path), verbose);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`bnlenet: unexpected error: ${message}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('  run again with --verbose for the stack trace\n');
  return 1;
}

/** Called by bin/bnlenet.js. Sets the exit code rather than exiting, so output is flushed. */
export function run(): void {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
