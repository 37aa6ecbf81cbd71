import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildComparison, type VariantRun } from '../../src/train/comparison';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import {
  BOOK,
  checkRun,
  DEFAULT_TOLERANCES,
  failureText,
  GUIDE_REFERENCE,
  measure,
  recipeDifferences,
  testAccLabel,
} from '../../src/train/reproduce-checks';
import { checkLines, reproduceJson, reproduceMarkdown, stepSummaryMarkdown, verdictLabel, type Provenance } from '../../src/report/reproduce-report';
import { REPRODUCE_REPORT_SCHEMA } from '../../src/report/reproduce-schema';
import type { EpochMetrics } from '../../src/train/epoch-metrics';
import { bookVariant } from '../../src/model/run-args';

/** The book's LeNet-BN, the impl aside (compare and reproduce train both). */
const { impl: _impl, ...BOOK_RECIPE_VARIANT } = bookVariant('custom');

const PROVENANCE: Provenance = {
  command: ['bnlenet', 'reproduce'],
  versions: { bnlenet: '0.1.0', node: 'v20.0.0' },
  gitCommit: '0123456789abcdef0123456789abcdef01234567',
  machine: { cpu: 'test cpu', cores: 2, memoryGiB: 24, platform: 'linux' },
  backend: { name: 'wasm', device: 'cpu (wasm, SIMD, 2 threads)' },
};

/** A healthy 10-epoch run: the reference's end, test accuracy jumping as at lr 1.0. */
function healthy(): EpochMetrics[] {
  const testAcc = [0.7, 0.75, 0.8, 0.78, 0.84, 0.69, 0.86, 0.871, 0.72, 0.79];
  return testAcc.map((acc, i) => ({
    epoch: i + 1,
    epochs: 10,
    loss: 0.7 - i * 0.048,
    trainAcc: 0.75 + i * 0.0168,
    testAcc: acc,
    examplesPerSec: 3000,
    trainSeconds: 20,
  }));
}

test('the figures table holds the book\'s and the reference\'s numbers', () => {
  assert.deepEqual([BOOK.custom.loss, BOOK.custom.trainAcc, BOOK.custom.testAcc], [0.273, 0.899, 0.807]);
  assert.deepEqual([BOOK.builtin.loss, BOOK.builtin.trainAcc, BOOK.builtin.testAcc], [0.267, 0.902, 0.708]);
  assert.deepEqual([GUIDE_REFERENCE.loss, GUIDE_REFERENCE.trainAcc, GUIDE_REFERENCE.testAcc], [0.269, 0.901, 0.878]);
  assert.deepEqual(DEFAULT_TOLERANCES, { maxLoss: 0.3, minTrainAcc: 0.88, minTestAcc: 0.75 });
  // The defaults pass the book's and the reference's own results (the book's builtin run
  // ended on a dip to 0.708, which is why the best of the last epochs is judged).
  for (const f of [BOOK.custom, GUIDE_REFERENCE]) {
    assert.ok(f.loss <= DEFAULT_TOLERANCES.maxLoss && f.trainAcc >= DEFAULT_TOLERANCES.minTrainAcc && f.testAcc >= DEFAULT_TOLERANCES.minTestAcc);
  }
});

test('measure: final loss and train acc, test acc as the best of the last 3 epochs', () => {
  const rows = healthy();
  assert.deepEqual(measure(rows), { loss: rows[9]!.loss, trainAcc: rows[9]!.trainAcc, testAcc: 0.871 });
  assert.equal(measure(rows.slice(0, 2)).testAcc, 0.75);
  assert.ok(Number.isNaN(measure([]).loss));
});

test('checkRun passes a healthy run and fails a run outside any tolerance, naming the check and its flag', () => {
  assert.ok(checkRun('custom', healthy(), DEFAULT_TOLERANCES).every((c) => c.pass));

  // A run that learned too little: loss and train acc outside their limits, test acc inside.
  const withoutBn = healthy().map((m) => ({ ...m, loss: 0.469, trainAcc: 0.823, testAcc: 0.779 }));
  const failed = checkRun('builtin', withoutBn, DEFAULT_TOLERANCES).filter((c) => !c.pass);
  assert.deepEqual(failed.map((c) => c.name), ['loss', 'trainAcc']);
  assert.equal(failureText(failed[0]!), 'builtin final loss 0.469, not <= 0.3 (--max-loss)');
  assert.equal(failureText(failed[1]!), 'builtin final train acc 0.823, not >= 0.88 (--min-train-acc)');

  // Training fine, inference broken (moving statistics not kept): test acc fails.
  const brokenInference = healthy().map((m) => ({ ...m, testAcc: 0.1 }));
  const [testCheck] = checkRun('custom', brokenInference, DEFAULT_TOLERANCES).filter((c) => !c.pass);
  assert.equal(failureText(testCheck!), 'custom test acc, best of last 3 epochs 0.100, not >= 0.75 (--min-test-acc)');

  const tight = checkRun('custom', healthy(), { ...DEFAULT_TOLERANCES, minTestAcc: 0.88 });
  assert.deepEqual(tight.filter((c) => !c.pass).map((c) => c.flag), ['--min-test-acc']);
  assert.ok(checkRun('custom', [], DEFAULT_TOLERANCES).every((c) => !c.pass), 'no epochs: nothing passes');
});

test('report.md and the console lines carry every check with measured, book, reference, limit and result', () => {
  const run = (loss: number): VariantRun => ({
    runDir: 'x',
    metrics: healthy().map((m) => ({ ...m, loss: m.epoch === 10 ? loss : m.loss })),
    examplesPerSec: 3000,
    device: 'cpu (wasm, SIMD, 2 threads)',
    versions: { node: 'v20.0.0' },
    batchNorm: [],
  });
  const comparison = buildComparison({ ...BOOK_RECIPE_VARIANT, epochs: 10, batchSize: 256, lr: 1, seed: 0, dataDir: 'data' }, { custom: run(0.268), builtin: run(0.31) });
  const checks = [...checkRun('custom', comparison.runs.custom.metrics, DEFAULT_TOLERANCES), ...checkRun('builtin', comparison.runs.builtin.metrics, DEFAULT_TOLERANCES)];
  const md = reproduceMarkdown({ comparison, checks, tolerances: DEFAULT_TOLERANCES, provenance: PROVENANCE, date: '2026-01-01T00:00:00Z' });
  assert.match(md, /^\*\*FAIL\*\*: 1 of 6 checks outside tolerance\.$/m);
  assert.match(md, /^\| variant \| check \| measured \| book \| PyTorch reference \| tolerance \| result \|$/m);
  assert.match(md, /^\| custom \| final loss \| 0\.268 \| 0\.273 \| 0\.269 \| <= 0\.3 \| pass \|$/m);
  assert.match(md, /^\| builtin \| final loss \| 0\.310 \| 0\.267 \| 0\.269 \| <= 0\.3 \| \*\*FAIL\*\* \|$/m);
  assert.match(md, /^\| builtin \| test acc, best of last 3 epochs \| 0\.871 \| 0\.708 \| 0\.878 \| >= 0\.75 \| pass \|$/m);
  assert.match(md, /^\| custom \| 3000\.0 \| cpu \(wasm, SIMD, 2 threads\) \| 32293\.9 \(cuda:0\) \| 20,100-24,000 \(2-core CPUs, OpenBLAS\) \|$/m);
  assert.match(md, /^- command: `bnlenet reproduce`$/m);
  assert.match(md, /^- recipe: 10 epochs, batch 256, lr 1, seed 0, all training examples;/m);
  assert.match(md, /!\[custom BatchNorm\]\(custom\/curves\.svg\)/);
  assert.match(md, /!\[custom and builtin BatchNorm\]\(compare\.svg\)/);
  const lines = checkLines(checks);
  assert.equal(lines.length, 1 + 6);
  assert.match(lines[4]!, /^builtin +final loss +0\.310 +<= 0\.3 +0\.267 +0\.269 +FAIL$/);
});

test('a recipe smaller than the book\'s is named, and a pass on it is labelled as no reproduction', () => {
  const book = { ...BOOK_RECIPE_VARIANT, epochs: 10, batchSize: 256, lr: 1 };
  assert.deepEqual(recipeDifferences(book), []);
  assert.deepEqual(recipeDifferences({ ...book, noBias: true, bnLayers: [1, 2], epochs: 1, batchSize: 128, lr: 0.5, limit: 512 }), [
    'BatchNorm at 1,2',
    'no bias before BatchNorm',
    '1 epoch instead of 10',
    'the first 512 of 60000 training examples',
    'batch 128 instead of 256',
    'lr 0.5 instead of 1',
  ]);
  assert.deepEqual(recipeDifferences({ ...book, limit: 60_000 }), [], 'a limit of all examples is the book\'s recipe');
  assert.equal(verdictLabel(true, []), 'PASS');
  assert.equal(verdictLabel(true, ['2 epochs instead of 10']), "PASS (not the book's recipe: 2 epochs instead of 10)");
  assert.equal(testAccLabel(10), 'test acc, best of last 3 epochs');
  assert.equal(testAccLabel(2), 'test acc, best of its 2 epochs');
  assert.equal(testAccLabel(1), 'test acc (its only epoch)');
});

test('report.json follows its schema and carries checks, recipe, provenance; the step summary names the verdict', () => {
  const rows = healthy().slice(0, 2).map((m) => ({ ...m, epochs: 2 }));
  const run: VariantRun = { runDir: 'x', metrics: rows, examplesPerSec: 3000, device: 'cpu', versions: {}, batchNorm: [] };
  const comparison = buildComparison({ ...BOOK_RECIPE_VARIANT, epochs: 2, batchSize: 256, lr: 1, seed: 0, limit: 512, dataDir: 'data' }, { custom: run, builtin: run });
  const checks = [...checkRun('custom', rows, DEFAULT_TOLERANCES), ...checkRun('builtin', rows, DEFAULT_TOLERANCES)];
  const reproduction = { comparison, checks, tolerances: DEFAULT_TOLERANCES, provenance: PROVENANCE, date: '2026-01-01T00:00:00.000Z' };
  const json: any = JSON.parse(JSON.stringify(reproduceJson(reproduction)));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(REPRODUCE_REPORT_SCHEMA);
  assert.ok(validate(json), JSON.stringify(validate.errors));
  assert.equal(json.bookRecipe, false);
  assert.equal(json.passed, false);
  assert.match(json.verdict, /^FAIL \(not the book's recipe: 2 epochs instead of 10, the first 512 of 60000 training examples\)$/);
  assert.equal(json.checks.find((c: any) => c.check === 'testAcc').label, 'test acc, best of its 2 epochs');
  assert.equal(JSON.parse(JSON.stringify(reproduceJson(reproduction))).gitCommit, PROVENANCE.gitCommit);
  // A report missing a required field is refused by the schema.
  const { checks: _dropped, ...incomplete } = json;
  assert.ok(!validate(incomplete));

  const summary = stepSummaryMarkdown(reproduction, 'out/report.md');
  assert.match(summary, /^### bnlenet reproduce: FAIL \(not the book's recipe: /);
  assert.match(summary, /^\| custom \| final loss \|/m);
});
