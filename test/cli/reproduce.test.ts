/**
 * `bnlenet reproduce` at a small size: its exit status follows its tolerances (lax ones pass,
 * a strict one fails with one line naming the check), and report.md holds the table of
 * measured figures beside the book's and the reference's.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { REPRODUCE_REPORT_SCHEMA } from '../../src/report/reproduce-schema';
import { runMain } from '../helpers/cli';
import { jsonLines, readMetrics, SMALL_RUN, withFlag } from '../helpers/run-files';

const LAX = ['--max-loss', '100', '--min-train-acc', '0', '--min-test-acc', '0'];

let root: string;
before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'bnlenet-reproduce-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

function validReport(file: string): any {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(REPRODUCE_REPORT_SCHEMA);
  assert.ok(validate(report), JSON.stringify(validate.errors));
  return report;
}

test('within lax tolerances: exit 0, a verdict that says the recipe was shrunk, report.md, report.json, the step summary', async () => {
  const out = path.join(root, 'lax');
  const summaryFile = path.join(root, 'step-summary.md');
  const result = await runMain(['reproduce', ...SMALL_RUN, ...LAX, '--quiet', '--out', out], { env: { GITHUB_STEP_SUMMARY: summaryFile } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const lines = result.stdout.trim().split('\n');
  assert.equal(
    lines.at(-1),
    `reproduction PASS (not the book's recipe: 2 epochs instead of 10, the first 512 of 60000 training examples): ` +
      `all 6 checks within tolerance; report: ${path.join(out, 'report.md')}`,
  );
  const json = validReport(path.join(out, 'report.json'));
  assert.equal(json.passed, true);
  assert.equal(json.bookRecipe, false);
  assert.deepEqual(json.command.slice(0, 2), ['bnlenet', 'reproduce']);
  assert.ok(json.command.includes('--limit') && json.command.includes('512'));
  assert.equal(json.backend.name, 'wasm');
  assert.equal(json.versions['@tensorflow/tfjs-core'], '4.22.0');
  assert.match(json.gitCommit ?? '', /^[0-9a-f]{40}$/, 'run from a git checkout: the commit is recorded');
  assert.match(readFileSync(summaryFile, 'utf8'), /^### bnlenet reproduce: PASS \(not the book's recipe: 2 epochs instead of 10/);
  assert.ok(!lines.some((l) => l.startsWith('[custom]')), '--quiet: no per-run lines');

  const report = readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(report, /^\*\*PASS \(not the book's recipe: 2 epochs instead of 10, the first 512 of 60000 training examples\)\*\*: all 6 checks within tolerance\.$/m);
  assert.match(report, /^\| variant \| check \| measured \| book \| PyTorch reference \| tolerance \| result \|$/m);
  for (const impl of ['custom', 'builtin'] as const) {
    const metrics = readMetrics(path.join(out, impl));
    const last = metrics.at(-1)!;
    const bestTest = Math.max(...metrics.map((m) => m.testAcc)).toFixed(3);
    const book = impl === 'custom' ? ['0.273', '0.899', '0.807'] : ['0.267', '0.902', '0.708'];
    assert.ok(report.includes(`| ${impl} | final loss | ${last.loss.toFixed(3)} | ${book[0]} | 0.269 | <= 100 | pass |`), report);
    assert.ok(report.includes(`| ${impl} | final train acc | ${last.trainAcc.toFixed(3)} | ${book[1]} | 0.901 | >= 0 | pass |`), report);
    assert.ok(report.includes(`| ${impl} | test acc, best of its 2 epochs | ${bestTest} | ${book[2]} | 0.878 | >= 0 | pass |`), report);
    assert.ok(report.includes(`![${impl} BatchNorm](${impl}/curves.svg)`));
    assert.ok(existsSync(path.join(out, impl, 'curves.svg')));
  }
  assert.match(report, /^- device: cpu \(wasm/m);
  assert.match(report, /^\| custom \| \d+\.\d \| cpu \(wasm.*\| 32293\.9 \(cuda:0\) \| 20,100-24,000 \(2-core CPUs, OpenBLAS\) \|$/m);
  assert.ok(existsSync(path.join(out, 'compare.svg')) && existsSync(path.join(out, 'compare.json')));
});

test('outside a tolerance: exit 1, the verdict then one line per failed check with its flag; --json stays JSON', async () => {
  const out = path.join(root, 'strict');
  const strict = ['--max-loss', '100', '--min-train-acc', '0', '--min-test-acc', '0.99'];
  const result = await runMain(['reproduce', ...withFlag(SMALL_RUN, '--epochs', '1'), ...strict, '--json', '--out', out]);
  assert.equal(result.code, 1, result.stderr);
  const [first, ...rest] = result.stderr.trim().split('\n');
  assert.equal(first, 'bnlenet: reproduction failed: 2 of 6 checks outside tolerance');
  assert.match(rest[0]!, /^  custom test acc \(its only epoch\) \d\.\d{3}, not >= 0\.99 \(--min-test-acc\)$/);
  assert.match(rest[1]!, /^  builtin test acc \(its only epoch\) \d\.\d{3}, not >= 0\.99 \(--min-test-acc\)$/);
  assert.equal(rest[2]!.trim(), `see ${path.join(out, 'report.md')} and report.json`);
  assert.equal(validReport(path.join(out, 'report.json')).passed, false);
  const verdict = jsonLines(result.stdout).at(-1);
  assert.equal(verdict.event, 'reproduce');
  assert.equal(verdict.passed, false);
  assert.deepEqual(verdict.checks.filter((c: { pass: boolean }) => !c.pass).map((c: { impl: string; name: string }) => `${c.impl} ${c.name}`), ['custom testAcc', 'builtin testAcc']);
  const report = readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(report, /^\*\*FAIL \(not the book's recipe: 1 epoch instead of 10, the first 512 of 60000 training examples\)\*\*: 2 of 6 checks outside tolerance\.$/m);
  assert.match(report, /^\| custom \| test acc \(its only epoch\) \| \d\.\d{3} \| 0\.807 \| 0\.878 \| >= 0\.99 \| \*\*FAIL\*\* \|$/m);
});

