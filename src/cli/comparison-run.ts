/**
 * The TensorFlow.js side of `compare` (and the training half of `reproduce`), loaded lazily:
 * the variant set is trained by train/variant-set.ts, each run shown by its own labelled
 * reporter; this prints the comparison and has the store write compare.json and compare.svg.
 */
import type { BackendInfo } from '../engine/backend';
import { compareSvg, COMPARE_JSON, COMPARE_SVG, sideBySideLines, summaryLines } from '../report/compare';
import { outputWidth, wrapText } from '../report/terminal-width';
import type { OutputMode } from '../report/train-reporter';
import { variantChanges } from '../model/run-args';
import { writeCompareFiles } from '../train/store/set-files';
import type { RunSetPlan } from '../train/store/run-set';
import { openVariantSet, trainVariantSet, type TrainedComparison } from '../train/variant-set';
import { trainRun } from './reported-run';
import type { StopController } from './stop-controller';
import { outputMode, runArgsFromFlags, type TrainFlags } from './train-options';
import { shellCommand } from '../util/shell-quote';

/** The set of a new compare (or reproduce) run, or the one --resume continues. */
export function openVariantSetWithFlags<S extends object>(flags: TrainFlags, dir: string, kind: string, settings: S): Promise<RunSetPlan<S>> {
  return openVariantSet(dir, kind, Boolean(flags.resume), (impl) => runArgsFromFlags(flags, impl), settings);
}

/** Trains both variants, writes compare.json and compare.svg, and prints the comparison. */
export async function trainAndCompare(
  stop: StopController,
  flags: TrainFlags,
  dir: string,
  plan: RunSetPlan,
  backend: BackendInfo,
): Promise<TrainedComparison> {
  const mode = outputMode(flags);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const seed = plan.runs[0]!.args.seed;
  if (mode === 'text') {
    const verb = flags.resume ? 'continuing the comparison of' : 'comparing';
    const changes = variantChanges(plan.runs[0]!.args);
    const variant = changes.length > 0 ? ` (${changes.join('; ')})` : '';
    const text = `${verb} custom and builtin BatchNorm${variant} from the same initial weights and data order (seed ${seed}) in ${dir}`;
    for (const line of wrapText(text, outputWidth(process.stdout))) out(line);
  }
  // Each run shows its own lines, labelled; under --quiet only the comparison speaks.
  const runMode: OutputMode = mode === 'quiet' ? 'none' : mode;
  const trained = await trainVariantSet(dir, plan, stop.signal, (run, args) =>
    trainRun(stop, backend, {
      runDir: run.runDir,
      args,
      mode: runMode,
      mirrors: flags.mirror,
      reporter: { label: run.planned.name, showChart: false },
      plan: { index: run.index, count: run.of },
      resumeCommand: shellCommand('bnlenet', plan.kind, '--resume', dir),
    }),
  );
  const { comparison } = trained;
  await writeCompareFiles(dir, comparison, await compareSvg(comparison));
  if (mode === 'json') {
    out(JSON.stringify({ event: 'compare', dir, ...comparison }));
    return trained;
  }
  if (mode === 'text') out(['', ...sideBySideLines(comparison, outputWidth(process.stdout)), ''].join('\n'));
  const width = mode === 'text' ? outputWidth(process.stdout) : undefined;
  for (const line of summaryLines(comparison).flatMap((l) => wrapText(l, width))) out(line);
  if (mode === 'text') for (const line of wrapText(`saved ${COMPARE_JSON} and ${COMPARE_SVG} in ${dir}`, width)) out(line);
  return trained;
}
