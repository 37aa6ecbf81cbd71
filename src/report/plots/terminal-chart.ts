/**
 * The training curves as plain text for the end of a run on a terminal: per metric, `height`
 * rows of block characters (eighths, so one row is a sparkline), `width` columns stretched
 * over the epochs, each metric on its own scale with its max and min printed beside it.
 *
 *   train loss ▇▄▃▂▂▁▁▁▁▁  max 0.712
 *                          min 0.273
 *   ...
 *              1       10  epoch
 *
 * ANSI colour only when asked for; a non-finite value (a diverged loss) shows as '×'.
 */
import type { EpochMetrics } from '../../train/epoch-metrics';
import { METRICS } from './series';

export interface TerminalChartOptions {
  /** Plot columns; the epochs are stretched or sampled to fill them. Default: 40. */
  width?: number;
  /** Rows per metric; 1 gives a sparkline. Default: 1. */
  height?: number;
  /** Colour each metric's blocks with ANSI escapes. Default: false. */
  color?: boolean;
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const NOT_FINITE = '×';
/** ANSI foreground colours close to the SVG chart's: blue, magenta, green. */
const ANSI_COLORS = ['\x1b[34m', '\x1b[35m', '\x1b[32m'];
const ANSI_RESET = '\x1b[0m';

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function formatValue(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : 'n/a';
}

/**
 * The metric's columns as block heights in eighths of a row, 1..8*height (the minimum still
 * shows a sliver), or undefined for a non-finite value.
 */
function levels(
  values: readonly number[],
  height: number,
): { levels: (number | undefined)[]; min: number; max: number } {
  const finite = values.filter(Number.isFinite);
  const min = finite.length ? Math.min(...finite) : NaN;
  const max = finite.length ? Math.max(...finite) : NaN;
  const top = 8 * height;
  const level = (v: number): number | undefined => {
    if (!Number.isFinite(v)) return undefined;
    // A flat series (one epoch, or no change) sits at mid-height.
    if (max === min) return Math.ceil(top / 2);
    return 1 + Math.round(((v - min) / (max - min)) * (top - 1));
  };
  return { levels: values.map(level), min, max };
}

/** The character for one cell, `row` counted from the bottom. */
function cell(level: number | undefined, row: number): string {
  if (level === undefined) return row === 0 ? NOT_FINITE : ' ';
  const eighths = Math.min(8, Math.max(0, level - 8 * row));
  return eighths === 0 ? ' ' : BLOCKS[eighths - 1];
}

/** `line` with its characters from `start` to `end` (clipped to the line) in an ANSI colour. */
function colorSpan(line: string, start: number, end: number, color: string): string {
  const stop = Math.min(end, line.length);
  if (stop <= start) return line;
  return line.slice(0, start) + color + line.slice(start, stop) + ANSI_RESET + line.slice(stop);
}

/** What a metric's row `row` (from the bottom) says of its scale: both ends, or the top or bottom. */
function rangeLabel(row: number, height: number, { min, max }: { min: number; max: number }): string {
  if (height === 1) return `min ${formatValue(min)}  max ${formatValue(max)}`;
  if (row === height - 1) return `max ${formatValue(max)}`;
  return row === 0 ? `min ${formatValue(min)}` : '';
}

/** The three curves as text lines joined by '\n' (no trailing newline); '' for no epochs. */
export function terminalChart(rows: readonly EpochMetrics[], options: TerminalChartOptions = {}): string {
  const width = positiveInt(options.width, 40, 'width');
  const height = positiveInt(options.height, 1, 'height');
  if (rows.length === 0) return '';
  // Fewer epochs than columns: each epoch spans a run of columns. More: columns sample the
  // epochs evenly, first and last included.
  const n = rows.length;
  const epochAt = Array.from({ length: width }, (_, c) =>
    n <= width ? Math.floor((c * n) / width) : Math.round((c * (n - 1)) / Math.max(1, width - 1)),
  );
  const nameWidth = Math.max(...METRICS.map((m) => m.name.length));
  const indent = ' '.repeat(nameWidth + 1);
  const lines: string[] = [];
  METRICS.forEach(({ name, key }, m) => {
    const values = rows.map((row) => row[key]);
    const scaled = levels(values, height);
    for (let r = height - 1; r >= 0; r--) {
      const plot = epochAt.map((e) => cell(scaled.levels[e], r)).join('');
      const label = r === height - 1 ? name.padEnd(nameWidth) + ' ' : indent;
      const range = rangeLabel(r, height, scaled);
      const line = (label + plot + (range ? '  ' + range : '')).trimEnd();
      lines.push(options.color ? colorSpan(line, label.length, label.length + plot.length, ANSI_COLORS[m]) : line);
    }
  });
  const first = String(rows[0].epoch);
  const last = String(rows[n - 1].epoch);
  const axis = n === 1 || first.length + last.length + 1 > width ? first : first + last.padStart(width - first.length);
  lines.push(`${indent}${axis.padEnd(width)}  epoch`);
  return lines.join('\n');
}
