/**
 * The outcome of `bnlenet reproduce`, for people and for CI: the checks as console lines;
 * report.md, a Markdown page with the measured figures beside the book's and the PyTorch
 * reference's, pass or fail per check, the speeds and the curves; report.json, the same
 * facts for machines (its schema in reproduce-schema.ts); and a short Markdown summary for a
 * CI job's step summary. A pass on a recipe smaller than the book's is labelled as such
 * everywhere.
 */
import { CURVES_FILE } from './run-plots';
import { recipeText } from './train-lines';
import { REPRODUCE_JSON, REPRODUCE_MD } from '../train/store/layout';
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../model/impls';
import type { Comparison } from '../train/comparison';
import { COMPARE_SVG, differencesText } from './compare';
import { markdownTable as table } from './markdown';
import {
  BOOK,
  DEFAULT_TOLERANCES,
  GUIDE_REFERENCE,
  limitText,
  recipeDifferences,
  testAccLabel,
  type CheckResult,
  type Tolerances,
} from '../train/reproduce-checks';

export { REPRODUCE_MD as REPORT_FILE, REPRODUCE_JSON as REPORT_JSON };

/** Where, with what and how the reproduction ran (for report.json and report.md). */
export interface Provenance {
  /** The command line as typed, program name first. */
  command: string[];
  /** Package name -> version: bnlenet, node, TensorFlow.js packages. */
  versions: Record<string, string>;
  /** The git commit of the checkout bnlenet ran from, when it is one. */
  gitCommit?: string;
  machine: { cpu: string; cores: number; memoryGiB: number; platform: string };
  backend: { name: string; device: string };
}

export interface Reproduction {
  comparison: Comparison;
  checks: CheckResult[];
  tolerances: Tolerances;
  provenance: Provenance;
  /** ISO time the report was written. */
  date: string;
  /**
   * Test accuracy of each variant's final model with BatchNorm statistics recomputed over
   * `images` training images (evaluate --recompute-stats): an extra row, information only.
   */
  recomputed?: Partial<Record<BatchNormImpl, { images: number; testAcc: number }>>;
}

/** The extra rows of the checks table: figures shown beside the checks, judged by none. */
function recomputedRows(r: Reproduction): string[][] {
  return BATCHNORM_IMPLS.flatMap((impl) => {
    const row = r.recomputed?.[impl];
    if (!row) return [];
    return [[impl, `test acc, BatchNorm statistics recomputed over ${row.images} training images`, fixed3(row.testAcc), '-', '-', 'information, not a check', '-']];
  });
}

const fixed3 = (value: number) => (Number.isFinite(value) ? value.toFixed(3) : 'n/a');
const verdict = (pass: boolean) => (pass ? 'pass' : 'FAIL');

/** The checks as an aligned console table. */
export function checkLines(checks: readonly CheckResult[]): string[] {
  const header = ['', 'check', 'measured', 'limit', 'book', 'reference', ''];
  const rows = checks.map((c) => [c.impl, c.label, fixed3(c.measured), limitText(c), fixed3(c.book), fixed3(c.reference), verdict(c.pass)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const align = (cells: string[]) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [align(header), ...rows.map(align)];
}

/** "PASS", or "PASS (not the book's recipe: 2 epochs instead of 10)": the verdict as one label. */
export function verdictLabel(passed: boolean, differences: readonly string[]): string {
  const word = passed ? 'PASS' : 'FAIL';
  return differences.length === 0 ? word : `${word} (not the book's recipe: ${differences.join(', ')})`;
}

const recipe = (c: Comparison) => recipeText(c.args);

function toleranceNotes(t: Tolerances, epochs: number): string[] {
  const changed = (Object.keys(t) as (keyof Tolerances)[]).some((k) => t[k] !== DEFAULT_TOLERANCES[k]);
  return [
    `Tolerances: final loss ${limitText({ direction: 'max', limit: t.maxLoss })}, final train acc ` +
      `${limitText({ direction: 'min', limit: t.minTrainAcc })}, ${testAccLabel(epochs)} ` +
      `(at lr 1.0 it jumps between epochs) ${limitText({ direction: 'min', limit: t.minTestAcc })}` +
      (changed
        ? ` (set by flags; the defaults are ${DEFAULT_TOLERANCES.maxLoss}, ${DEFAULT_TOLERANCES.minTrainAcc} and ${DEFAULT_TOLERANCES.minTestAcc}).`
        : '.'),
    'The defaults are the PyTorch reference\'s figures with room for another framework\'s rounding ' +
      `(loss ${GUIDE_REFERENCE.loss} + 0.03, train acc ${GUIDE_REFERENCE.trainAcc} - 0.02). ` +
      'Test accuracy (inference, moving statistics) jumps between epochs at lr 1.0 (the book\'s runs ' +
      `end at ${BOOK.custom.testAcc} and ${BOOK.builtin.testAcc}), so its limit is lower and only guards against broken moving statistics.`,
  ];
}

/** The checks, and `extra` rows shown beside them (information that no check judges). */
function checksTable(checks: readonly CheckResult[], extra: readonly string[][] = []): string[] {
  return table(
    ['variant', 'check', 'measured', 'book', 'PyTorch reference', 'tolerance', 'result'],
    checks.map((check) => [
      check.impl,
      check.label,
      fixed3(check.measured),
      fixed3(check.book),
      fixed3(check.reference),
      limitText(check),
      check.pass ? 'pass' : '**FAIL**',
    ]).concat(extra),
  );
}

/** report.md: verdict, recipe and provenance, checks, speed, per-epoch table, curves. */
export function reproduceMarkdown(r: Reproduction): string {
  const c = r.comparison;
  const failed = r.checks.filter((check) => !check.pass);
  const differences = recipeDifferences(c.args);
  const p = r.provenance;
  const lines: string[] = [
    '# LeNet with BatchNorm on Fashion-MNIST: reproducing "Dive into Deep Learning" 7.5',
    '',
    `**${verdictLabel(failed.length === 0, differences)}**: ` +
      (failed.length === 0 ? `all ${r.checks.length} checks within tolerance.` : `${failed.length} of ${r.checks.length} checks outside tolerance.`),
    '',
    `- recipe: ${recipe(c)}; both BatchNorm variants from the same initial weights and data order` +
      (differences.length ? ` (not the book's recipe: ${differences.join(', ')})` : " (the book's recipe)"),
    `- device: ${c.device}`,
    `- command: \`${p.command.join(' ')}\``,
    `- versions: ${Object.entries(p.versions).map(([name, version]) => `${name} ${version}`).join(', ')}` +
      (p.gitCommit ? `; git commit ${p.gitCommit}` : ''),
    `- machine: ${p.machine.cpu}, ${p.machine.cores} cores, ${p.machine.memoryGiB} GiB, ${p.machine.platform}`,
    `- date: ${r.date}`,
    '',
    '## Checks',
    '',
    ...checksTable(r.checks, recomputedRows(r)),
    '',
    ...toleranceNotes(r.tolerances, r.comparison.args.epochs),
    `The PyTorch reference figures are those ${GUIDE_REFERENCE.source}.`,
    ...(r.recomputed
      ? [
          '',
          'The recomputed row evaluates each final model with every BatchNorm\'s mean and variance recomputed with ' +
            'the final weights ("precise BatchNorm", `bnlenet evaluate --recompute-stats`) instead of the moving ' +
            'averages: the gap to the last epoch\'s test acc is what the lag of the moving averages costs. It is not checked.',
        ]
      : []),
    '',
    '## Speed',
    '',
    'Examples per second over all training epochs, evaluation excluded.',
    '',
    ...table(
      ['variant', 'measured', 'on', 'book', 'PyTorch reference (GUIDE.md, not this machine)'],
      BATCHNORM_IMPLS.map((impl) => [
        impl,
        c.runs[impl].examplesPerSec.toFixed(1),
        c.device,
        `${BOOK[impl].examplesPerSec} (${BOOK[impl].device})`,
        `${GUIDE_REFERENCE.examplesPerSec[impl]} (2-core CPUs, OpenBLAS)`,
      ]),
    ),
    '',
    `Speed ratio custom/builtin: ${c.speedRatio.toFixed(2)}. For this machine's PyTorch speed beside bnlenet's, run \`npm run bench\`.`,
    '',
    '## Per epoch',
    '',
    ...table(
      ['epoch', ...BATCHNORM_IMPLS.flatMap((impl) => [`${impl} loss`, `${impl} train acc`, `${impl} test acc`, `${impl} examples/sec`])],
      c.runs.custom.metrics.map((m, i) => [
        m.epoch,
        ...BATCHNORM_IMPLS.flatMap((impl) => {
          const row = c.runs[impl].metrics[i];
          return row
            ? [fixed3(row.loss), fixed3(row.trainAcc), fixed3(row.testAcc), row.examplesPerSec.toFixed(1)]
            : ['-', '-', '-', '-'];
        }),
      ]),
    ),
    '',
    `Largest |custom - builtin| at the end, over every channel of all BatchNorm layers: ${differencesText(c.differences)}.`,
    '',
    '## Curves',
    '',
    `![custom and builtin BatchNorm](${COMPARE_SVG})`,
    '',
    ...BATCHNORM_IMPLS.flatMap((impl) => [`![${impl} BatchNorm](${impl}/${CURVES_FILE})`, '']),
    `Runs: ${BATCHNORM_IMPLS.map((impl) => `[${impl}](${impl}/)`).join(', ')} (evaluate and inspect-params take them with \`--run\`).`,
    '',
  ];
  return lines.join('\n');
}

/** report.json: the reproduction's facts for machines; reproduce-schema.ts describes it. */
export function reproduceJson(r: Reproduction): object {
  const c = r.comparison;
  const differences = recipeDifferences(c.args);
  const passed = r.checks.every((check) => check.pass);
  return {
    format: 'bnlenet-reproduce/1',
    passed,
    verdict: verdictLabel(passed, differences),
    bookRecipe: differences.length === 0,
    recipeDifferences: differences,
    recipe: c.args,
    tolerances: r.tolerances,
    checks: r.checks.map((check) => ({
      variant: check.impl,
      check: check.name,
      label: check.label,
      measured: Number.isFinite(check.measured) ? check.measured : null,
      direction: check.direction,
      limit: check.limit,
      flag: check.flag,
      book: check.book,
      reference: check.reference,
      pass: check.pass,
    })),
    speed: {
      device: c.device,
      examplesPerSec: Object.fromEntries(BATCHNORM_IMPLS.map((impl) => [impl, c.runs[impl].examplesPerSec])),
      ratioCustomToBuiltin: c.speedRatio,
    },
    reference: { source: GUIDE_REFERENCE.source, examplesPerSecOpenBlas: GUIDE_REFERENCE.examplesPerSec },
    ...r.provenance,
    date: r.date,
  };
}

/** A few lines for a CI job's summary page ($GITHUB_STEP_SUMMARY): verdict, recipe, checks. */
export function stepSummaryMarkdown(r: Reproduction, reportPath: string): string {
  const passed = r.checks.every((check) => check.pass);
  return [
    `### bnlenet reproduce: ${verdictLabel(passed, recipeDifferences(r.comparison.args))}`,
    '',
    `${recipe(r.comparison)} on ${r.comparison.device}; speed custom/builtin ${r.comparison.speedRatio.toFixed(2)}.`,
    '',
    ...checksTable(r.checks),
    '',
    `Full report: \`${reportPath}\`.`,
    '',
  ].join('\n');
}
