/**
 * The options `train`, `compare`, `reproduce` and `sweep` share, built from the table of run
 * arguments (model/run-args.ts), and the mapping from parsed flags to a run's arguments. `sweep`
 * takes the table's sweep axes as comma-separated lists. Nothing here names a run argument:
 * a new entry in the table is a new flag of all four commands.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseMirrorUrl } from '../data';
import { BACKEND_NAMES, backendConflict, type BackendName } from '../engine/backend';
import { UsageError } from '../errors';
import type { ModelImpl } from '../model/impls';
import {
  ArgValueError,
  DEFINING_FIELDS,
  RUN_ARG_NAMES,
  RUN_ARGS,
  runArgsProblem,
  SWEEP_AXES,
  type DefiningField,
  type RunArgName,
  type RunArgs,
  type RunArgSpec,
} from '../model/run-args';
import type { OutputMode } from '../report/train-reporter';
import { commaList, pathValue } from './flags';

/** The options that are not run arguments, and the run arguments under commander's names for their flags (read them with runArgsFromFlags). */
interface CommonFlags {
  gpu?: boolean;
  backend: BackendName;
  mirror?: string[];
  out?: string;
  resume?: string;
  json?: boolean;
  quiet?: boolean;
  [runArgument: string]: unknown;
}

/** train's flags (compare and reproduce have no --impl: they train both BatchNorms). */
export type TrainFlags = CommonFlags & { impl: ModelImpl };
/** sweep's flags: train's, with a list of values for each of the sweep's axes. */
export type SweepFlags = CommonFlags & { impl: ModelImpl[] };

const spec = (name: RunArgName) => RUN_ARGS[name] as RunArgSpec<unknown>;

/** commander's name for an argument's flag (--no-bias sets `bias`, --bn-layers `bnLayers`). */
export function attributeOf(name: RunArgName): string {
  return new Option(spec(name).flag).attributeName();
}

/** The table's reader as a commander parser: ArgValueError becomes commander's one-line InvalidArgumentError. */
function commanderParser<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (err) {
      if (err instanceof ArgValueError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

/** The option of one run argument; with `list`, a comma-separated list of values (a sweep axis). */
function runArgOption(command: Command, name: RunArgName, list: boolean): Option {
  const entry = spec(name);
  if (!entry.parse) return new Option(entry.flag, entry.help);
  const option = new Option(`${entry.flag} <${entry.valueName}${list ? ',...' : ''}>`, list ? `${entry.help}; a comma-separated list` : entry.help);
  const read = list ? commaList(commanderParser(entry.parse)) : commanderParser(entry.parse);
  const attribute = attributeOf(name);
  option.argParser((text: string) => {
    // A second --lr would silently replace the first: refuse it (sweep takes a list instead).
    if (command.getOptionValueSource(attribute) === 'cli') {
      throw new InvalidArgumentError(`Expected ${entry.flag} once; it is given more than once.${SWEEP_AXES.includes(name) && !list ? ' (bnlenet sweep takes a comma-separated list.)' : ''}`);
    }
    // A single value of a fixed set: commander's wording, as --help lists them.
    if (entry.choices && !list && !entry.choices.includes(text)) throw new InvalidArgumentError(`Allowed choices are ${entry.choices.join(', ')}.`);
    return read(text);
  });
  if (entry.choices && !list) option.argChoices = [...entry.choices];
  if (entry.shownDefault !== undefined) {
    const fallback = entry.fallback('custom');
    option.default(list ? [fallback] : fallback, entry.shownDefault);
  }
  return option;
}

/**
 * Adds train's options to `command`: `impl` adds --impl (train, sweep; compare and reproduce
 * train both BatchNorms); `lists` makes the sweep's axes comma-separated lists (sweep).
 */
export function addTrainOptions(command: Command, options: { impl: boolean; lists?: boolean }): Command {
  for (const name of RUN_ARG_NAMES) {
    if (name === 'impl' && !options.impl) continue;
    command.addOption(runArgOption(command, name, options.lists === true && SWEEP_AXES.includes(name)));
  }
  return command
    .addOption(gpuOption('train'))
    .addOption(backendOption())
    .option(
      '--mirror <url>',
      'base URL to fetch missing data files from; repeatable',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), parseMirrorUrl(value, '--mirror')],
    )
    .addOption(new Option('--json', 'print JSON lines only').conflicts('quiet'))
    .option('--quiet', 'print only the final lines');
}

/** --gpu, for a command that trains or evaluates (`verb`). */
export function gpuOption(verb: string): Option {
  return new Option('--gpu', `${verb} on a GPU: CUDA through @tensorflow/tfjs-node-gpu if installed, else WebGPU (optional packages)`);
}

export function backendOption(): Option {
  return new Option('--backend <name>', 'TensorFlow.js backend; auto = tensorflow if installed, else wasm').choices(BACKEND_NAMES).default('auto');
}

/** --out and --resume, with what each means for this command's dir. */
export function addDirOptions(command: Command, what: string, defaultDir: string): Command {
  return command
    .option('--out <dir>', `${what} to create (default: ${defaultDir})`, pathValue)
    .option('--resume <dir>', `continue an interrupted ${what} with its own arguments`, pathValue);
}

/** --gpu with a CPU backend is a usage error. */
export function validateBackendFlags(flags: Pick<CommonFlags, 'backend' | 'gpu'>): void {
  const conflict = backendConflict({ backend: flags.backend, gpu: flags.gpu === true });
  if (conflict) throw new UsageError(conflict, 'drop --gpu to train on the CPU, or drop --backend');
}

/** Whether the user gave this argument's flag on the command line. */
export function givenOnCommandLine(command: Command, name: RunArgName): boolean {
  return command.getOptionValueSource(attributeOf(name)) === 'cli';
}

/** The run arguments whose flags the user gave on the command line, as they are written there. */
export function flagsGiven(command: Command, names: readonly RunArgName[] = RUN_ARG_NAMES): string[] {
  return names.filter((name) => givenOnCommandLine(command, name)).map((name) => spec(name).flag);
}

/**
 * Usage errors in a combination of flags: --gpu with a CPU backend; with --resume, --out or
 * any flag that defines the run (it continues with the values it started with); arguments
 * that cannot make a run with one of `impls`, the models the command trains.
 */
export function validateTrainFlags(flags: TrainFlags, command: Command, impls: readonly ModelImpl[]): void {
  validateBackendFlags(flags);
  if (!flags.resume) {
    for (const impl of impls) {
      const problem = runArgsProblem(runArgsFromFlags(flags, impl));
      // compare and reproduce have no --impl: say why an impl is involved at all.
      const context = flags.impl === undefined ? `${command.name()} trains ${impls.join(' and ')} BatchNorm; ` : '';
      if (problem) throw new UsageError(`${context}${problem}`);
    }
    return;
  }
  if (flags.out) throw new UsageError('--out cannot go with --resume: a resumed run stays in its own dir');
  const [changed] = flagsGiven(command, DEFINING_FIELDS as DefiningField[]);
  if (changed) {
    throw new UsageError(
      `${changed} cannot be changed when resuming: the run continues with the value it started with`,
      `drop ${changed}, or start a new run without --resume`,
    );
  }
}

/** The value of one argument from the parsed flags: the flag's, or the table's fallback for this impl. */
function argValue(flags: CommonFlags, name: RunArgName, impl: ModelImpl): unknown {
  const entry = spec(name);
  const given = flags[attributeOf(name)];
  // A switch: commander sets --no-X's attribute X to false, and --x's to true.
  if (!entry.parse) return entry.flag.startsWith('--no-') ? given === false : given === true;
  return given === undefined ? entry.fallback(impl) : given;
}

/** The run arguments the flags ask for with this impl (a sweep cell's flags hold one value per axis). */
export function runArgsFromFlags(flags: CommonFlags, impl: ModelImpl): RunArgs {
  return Object.fromEntries(RUN_ARG_NAMES.map((name) => [name, name === 'impl' ? impl : argValue(flags, name, impl)])) as unknown as RunArgs;
}

export function outputMode(flags: Pick<CommonFlags, 'json' | 'quiet'>): OutputMode {
  return flags.json ? 'json' : flags.quiet ? 'quiet' : 'text';
}
