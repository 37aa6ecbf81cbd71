/**
 * `bnlenet report` as a user runs it, and its page opened in a real headless Chromium: for a
 * run, a compare dir and a sweep dir, every chart is drawn and not empty, the console stays
 * free of errors and the page makes no request; the figures on the page are the run's. Bad
 * dirs and outputs are one line each, and leave nothing half-written.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runMain, type CliResult } from '../helpers/cli';
import { browserAvailable, withReportPage } from '../helpers/browser';
import { readMetrics } from '../helpers/run-files';
import { listDir, tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];
const EPOCHS = 2;

let root: string;
let compareDir: string;
let compareOutput: CliResult;

// The runs trained for these tests live in one temporary dir, removed when the file ends.
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'bnlenet-report-'));
  compareDir = path.join(root, 'cmp');
  compareOutput = await runMain(['compare', '--limit', '512', '--epochs', String(EPOCHS), '--backend', 'wasm', '--seed', '3', ...DATA, '--out', compareDir]);
  assert.equal(compareOutput.code, 0, compareOutput.stderr);
});

function assertOneLine(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit status; stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.match(result.stderr.trim().split('\n')[0]!, pattern);
  assert.ok(result.stderr.trim().split('\n').length <= 2, `one line and a hint: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

/** What holds for every report page: self-contained, and every chart drawn in the browser. */
function assertSelfContained(html: string): void {
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.doesNotMatch(html, /<(script|link|img|iframe)[^>]+(src|href)=/i, 'no external script, style or image');
}

test('a run on a terminal names the report command at its end', () => {
  assert.match(compareOutput.stdout, new RegExp(`^\\[custom\\] charts: bnlenet report --run ${path.join(compareDir, 'custom')}$`, 'm'));
});

test('report of a run: curves, parameters, activations and recomputed statistics, drawn in Chromium without errors or requests', async (t) => {
  const run = path.join(compareDir, 'custom');
  const result = await runMain(['report', '--run', run]);
  assert.equal(result.code, 0, result.stderr);
  const file = path.join(run, 'report.html');
  assert.equal(result.stdout, `report written to ${file}\n`);
  assert.ok(!listDir(run).some((name) => name.endsWith('.tmp')), 'written atomically, no temporary file left');
  const html = readFileSync(file, 'utf8');
  assertSelfContained(html);
  // The recomputed test accuracy on the page is what evaluate --recompute-stats measures.
  const evaluated = JSON.parse((await runMain(['evaluate', '--run', run, ...DATA, '--recompute-stats', '--json'])).stdout);
  assert.ok(html.includes(`<td>${evaluated.testAccRecomputed.toFixed(3)}</td>`), `recomputed test acc ${evaluated.testAccRecomputed} on the page`);
  assert.ok(html.includes(`<td>${evaluated.testAcc.toFixed(3)}</td>`), `moving-statistics test acc ${evaluated.testAcc} on the page`);

  if (!browserAvailable(t)) return;
  await withReportPage(file, async (page) => {
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(page.requests, [], 'the page asks for nothing');
    assert.deepEqual(
      page.charts.map((c) => c.title.replace(/:.*/, '')),
      ['Training curves', 'gamma and beta of each BatchNorm layer, one line per channel', ...[1, 2, 3, 4].map((p) => `Position ${p} (bn${p})`), 'Final moving averages against statistics recomputed with the final weights'],
    );
    for (const chart of page.charts) {
      assert.equal(chart.rendered, 'true', chart.title);
      assert.ok(chart.marks > 0 && chart.width > 100 && chart.height > 100, `${chart.title}: drawn, not empty (${JSON.stringify(chart)})`);
    }
    // The curves chart holds one point per epoch and metric, with the run's values.
    const metrics = readMetrics(run);
    const points = await page.pointLabels(0);
    assert.equal(points.length, 3 * EPOCHS);
    const last = metrics[EPOCHS - 1]!;
    assert.ok(points.some((label) => label.includes(`metric: train loss`) && label.includes(`: ${String(EPOCHS)};`)), points.join('\n'));
    assert.ok(points.some((label) => label.includes(last.trainAcc.toFixed(4).replace(/0+$/, ''))), `train acc ${last.trainAcc} among ${points.join('\n')}`);
    await page.screenshot('report-run.png');
  });
});

test('report of a compare dir: both runs overlaid, each chart drawn', async (t) => {
  const out = path.join(tempDir(t), 'nested', 'compare.html');
  mkdirSync(path.dirname(out));
  const result = await runMain(['report', '--run', compareDir, '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  assertSelfContained(readFileSync(out, 'utf8'));
  if (!browserAvailable(t)) return;
  await withReportPage(out, async (page) => {
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(page.requests, []);
    assert.equal(page.charts.length, 4, page.charts.map((c) => c.title).join('\n'));
    assert.match(page.charts[0]!.title, /custom and builtin overlaid/);
    for (const chart of page.charts) assert.ok(chart.rendered === 'true' && chart.marks > 0 && chart.width > 100, chart.title);
    const points = await page.pointLabels(0);
    assert.equal(points.length, 2 * 3 * EPOCHS, 'every point of both runs');
    assert.equal(points.filter((label) => /run: builtin/.test(label)).length, 3 * EPOCHS);
    await page.screenshot('report-compare.png');
  });
});

test('report of a sweep dir: final accuracy against learning rate, failed and pending cells listed', async (t) => {
  const dir = tempDir(t);
  const cells = [
    ...[0.1, 0.3, 1, 3].flatMap((lr) =>
      (['custom', 'none'] as const).map((impl, i) => ({
        // As the sweep command writes them: an --impl none cell has no BatchNorm positions.
        args: { impl, lr, seed: 0, bnLayers: impl === 'none' ? [] : [1, 2, 3, 4], bnMode: 'full' },
        dir: `impl=${impl},lr=${lr}`,
        status: impl === 'none' && lr === 3 ? 'diverged' : 'ok',
        final: { loss: 0.3 + lr / 10, trainAcc: 0.9 - lr / 20 - i * 0.05, testAcc: 0.85 - lr / 20 - i * 0.05 },
      })),
    ),
    { args: { impl: 'none', lr: 10, seed: 0 }, dir: 'impl=none,lr=10', status: 'failed', final: null },
    { args: { impl: 'custom', lr: 10, seed: 0 }, dir: 'impl=custom,lr=10', status: 'pending' },
  ];
  writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify({ cells }));
  const result = await runMain(['report', '--run', dir]);
  assert.equal(result.code, 0, result.stderr);
  const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
  assertSelfContained(html);
  assert.match(html, /2 of 10 cells have no final figures yet/);
  assert.match(html, /<td>impl=custom,lr=10<\/td>/);
  if (!browserAvailable(t)) return;
  await withReportPage(path.join(dir, 'report.html'), async (page) => {
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(page.requests, []);
    assert.equal(page.charts.length, 1);
    assert.ok(page.charts[0]!.rendered === 'true' && page.charts[0]!.marks > 0);
    const points = await page.pointLabels(0);
    assert.equal(points.length, 8 * 2, 'train and test acc of each cell with final figures');
    assert.ok(points.some((label) => /impl=none/.test(label) && /diverged/.test(label)), points.join('\n'));
    assert.ok(points.every((label) => !/bnLayers/.test(label)), `a series is named by the swept axes only: ${points[0]}`);
    await page.screenshot('report-sweep.png');
  });
});

test('report without the run\'s data at hand still writes the page, saying why the statistics were not recomputed', async (t) => {
  const out = path.join(tempDir(t), 'no-data.html');
  const result = await runMain(['report', '--run', path.join(compareDir, 'builtin'), '--data-dir', path.join(root, 'no-such-data'), '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /Not recomputed: .*no-such-data/);
  assert.equal((html.match(/<figure /g) ?? []).length, 6, 'every chart but the recomputed statistics');
  assert.ok(!existsSync(path.join(root, 'no-such-data')), 'nothing was created or fetched');
});

test('report of a dir that is none of its kinds, or to a place it cannot write, is one line and writes nothing', async (t) => {
  const dir = tempDir(t);
  assertOneLine(await runMain(['report', '--run', dir]), 1, /is not a run, compare, reproduce or sweep dir/);
  writeFileSync(path.join(dir, 'sweep.json'), '{"cells": 3}');
  assertOneLine(await runMain(['report', '--run', dir]), 1, /sweep\.json has no "cells" list/);
  writeFileSync(path.join(dir, 'sweep.json'), '{"cells": [');
  assertOneLine(await runMain(['report', '--run', dir]), 1, /sweep\.json is corrupt/);
  assert.deepEqual(listDir(dir), ['sweep.json']);
  const unwritable = path.join(dir, 'sweep.json', 'report.html');
  assertOneLine(await runMain(['report', '--run', path.join(compareDir, 'custom'), '--out', unwritable]), 1, /report\.html/);
  assertOneLine(await runMain(['report', '--run', path.join(dir, 'missing')]), 1, /is not a run, compare, reproduce or sweep dir/);
  assertOneLine(await runMain(['report', '--out', '']), 2, /--out/);
});
