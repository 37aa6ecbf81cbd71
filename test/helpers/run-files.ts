/** For CLI tests that train: the small recipe, and reading back what a run dir holds. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EpochMetrics } from '../../src/train/epoch-metrics';
import { byRole, parseSvgDocument } from '../report/plots/svg-dom';
import { FIXTURE_DIR } from './fixture-data';

/** Trains in about a second per epoch on wasm; the system copy of the data verifies in place. */
export const SMALL_RUN = ['--limit', '512', '--epochs', '2', '--backend', 'wasm', '--data-dir', FIXTURE_DIR];

/** A recipe with one flag's value replaced (a flag given twice is refused, so a test cannot just add it again). */
export function withFlag(recipe: readonly string[], flag: string, value: string): string[] {
  const at = recipe.indexOf(flag);
  return at < 0 ? [...recipe, flag, value] : recipe.map((arg, i) => (i === at + 1 ? value : arg));
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function readMetrics(runDir: string): EpochMetrics[] {
  return readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as EpochMetrics);
}

/** Every stdout line parsed as JSON (failing the test on any other line). */
export function jsonLines(stdout: string): any[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

/**
 * The points of a curves chart (curves.svg, compare.svg), parsed from their aria-labels:
 * `epoch: 1; loss / accuracy: 2.58907699585; metric: train loss[; run: custom]`.
 */
export function chartPoints(svgFile: string): { epoch: number; value: number; metric: string; run?: string }[] {
  const root = parseSvgDocument(readFileSync(svgFile, 'utf8'));
  return byRole(root, 'point').map((p) => {
    const fields = Object.fromEntries(p.attrs['aria-label']!.split('; ').map((kv) => kv.split(': ') as [string, string]));
    const value = Number(fields['loss / accuracy']!.replace('\u2212', '-'));
    return { epoch: Number(fields.epoch), value, metric: fields.metric!, ...(fields.run ? { run: fields.run } : {}) };
  });
}

/** What a run's metrics should put on its chart: one point per epoch and curve. */
export function expectedPoints(rows: readonly EpochMetrics[], run?: string) {
  return rows.flatMap((m) =>
    (
      [
        ['train loss', m.loss],
        ['train acc', m.trainAcc],
        ['test acc', m.testAcc],
      ] as const
    ).map(([metric, value]) => ({ epoch: m.epoch, value, metric, ...(run ? { run } : {}) })),
  );
}

/** The chart's points equal the expected ones, values to vega's 12 significant digits. */
export function assertSamePoints(actual: ReturnType<typeof chartPoints>, expected: ReturnType<typeof expectedPoints>): void {
  const key = (p: { epoch: number; metric: string; run?: string }) => `${p.run ?? ''}/${p.epoch}/${p.metric}`;
  assert.deepEqual(actual.map(key).sort(), expected.map(key).sort());
  const want = new Map(expected.map((p) => [key(p), p.value]));
  for (const p of actual) {
    const value = want.get(key(p))!;
    assert.ok(Math.abs(p.value - value) <= 1e-9 * Math.max(1, Math.abs(value)), `${key(p)}: ${p.value} on the chart, ${value} in metrics`);
  }
}
