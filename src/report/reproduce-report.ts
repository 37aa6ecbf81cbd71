/**
 * The outcome of `bnlenet reproduce`: the checks as console lines, and report.md, a Markdown
 * page with the measured figures beside the book's and the PyTorch reference's, pass or fail
 * per check, the speeds, and the curves (SVG files beside it, linked as images).
 */
import { CURVES_FILE } from './run-plots';
import { BATCHNORM_IMPLS } from '../model/impls';
import { COMPARE_SVG, differencesText, type Comparison } from './compare';
import {
  BOOK,
  DEFAULT_TOLERANCES,
  limitText,
  REFERENCE,
  TEST_ACC_WINDOW,
  type CheckResult,
  type Tolerances,
} from './reproduce-figures';

export const REPORT_FILE = 'report.md';

export interface Reproduction {
  comparison: Comparison;
  checks: CheckResult[];
  tolerances: Tolerances;
  /** Package name -> version, Node's included. */
  versions: Record<string, string>;
  /** ISO time the report was written. */
  date: string;
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

const tableRow = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  return [tableRow(header), tableRow(header.map(() => '---')), ...rows.map(tableRow)];
}

function recipe(c: Comparison): string {
  const examples = c.args.limit === undefined ? 'all training examples' : `the first ${c.args.limit} training examples`;
  return `${c.args.epochs} epochs, batch ${c.args.batchSize}, lr ${c.args.lr}, seed ${c.args.seed}, ${examples}`;
}

function toleranceNotes(t: Tolerances): string[] {
  const changed = (Object.keys(t) as (keyof Tolerances)[]).some((k) => t[k] !== DEFAULT_TOLERANCES[k]);
  return [
    `Tolerances: final loss ${limitText({ direction: 'max', limit: t.maxLoss })}, final train acc ` +
      `${limitText({ direction: 'min', limit: t.minTrainAcc })}, test acc (best of the last ${TEST_ACC_WINDOW} epochs, ` +
      `since at lr 1.0 it jumps between epochs) ${limitText({ direction: 'min', limit: t.minTestAcc })}` +
      (changed
        ? ` (set by flags; the defaults are ${DEFAULT_TOLERANCES.maxLoss}, ${DEFAULT_TOLERANCES.minTrainAcc} and ${DEFAULT_TOLERANCES.minTestAcc}).`
        : '.'),
    'The defaults are the PyTorch reference\'s figures with room for another framework\'s rounding ' +
      '(loss 0.269 + 0.03, train acc 0.901 - 0.02). ' +
      'Test accuracy (inference, moving statistics) jumps between epochs at lr 1.0 (the book\'s runs ' +
      'end at 0.807 and 0.708), so its limit is lower and only guards against broken moving statistics.',
  ];
}

/** report.md: verdict, recipe and device, checks, speed, per-epoch table, curves. */
export function reproduceMarkdown(r: Reproduction): string {
  const c = r.comparison;
  const failed = r.checks.filter((check) => !check.pass);
  const lines: string[] = [
    '# LeNet with BatchNorm on Fashion-MNIST: reproducing "Dive into Deep Learning" 7.5',
    '',
    failed.length === 0
      ? `**PASS**: all ${r.checks.length} checks within tolerance.`
      : `**FAIL**: ${failed.length} of ${r.checks.length} checks outside tolerance.`,
    '',
    `- recipe: ${recipe(c)}; both BatchNorm variants from the same initial weights and data order`,
    `- device: ${c.device}`,
    `- versions: ${Object.entries(r.versions).map(([name, version]) => `${name} ${version}`).join(', ')}`,
    `- date: ${r.date}`,
    '',
    '## Checks',
    '',
    ...table(
      ['variant', 'check', 'measured', 'book', 'PyTorch reference', 'tolerance', 'result'],
      r.checks.map((check) => [
        check.impl,
        check.label,
        fixed3(check.measured),
        fixed3(check.book),
        fixed3(check.reference),
        limitText(check),
        check.pass ? 'pass' : '**FAIL**',
      ]),
    ),
    '',
    ...toleranceNotes(r.tolerances),
    '',
    '## Speed',
    '',
    'Examples per second over all training epochs, evaluation excluded.',
    '',
    ...table(
      ['variant', 'measured', 'on', 'book', 'PyTorch reference'],
      BATCHNORM_IMPLS.map((impl) => [
        impl,
        c.runs[impl].examplesPerSec.toFixed(1),
        c.device,
        `${BOOK[impl].examplesPerSec} (${BOOK[impl].device})`,
        `${REFERENCE[impl].examplesPerSec} (${REFERENCE[impl].device})`,
      ]),
    ),
    '',
    `Speed ratio custom/builtin: ${c.speedRatio.toFixed(2)}.`,
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
