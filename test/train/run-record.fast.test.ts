/**
 * run.json's model variant: records written before the variants existed read back as the
 * book's LeNet-BN, impossible or malformed variants are refused naming the field, and the
 * comparison with a checkpoint's arguments sees every defining field, lists included; the
 * kernel build it records is one of the two, or absent.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { bookVariant } from '../../src/model/run-args';
import { differingField, type RunArgs } from '../../src/model/run-args';
import { runRecordProblem } from '../../src/train/run-record';
import { readRunRecord } from '../../src/train/store/run-record-file';
import { tempDir } from '../helpers/temp-dir';

const RECIPE = { epochs: 2, batchSize: 256, lr: 1, seed: 0, dataDir: 'data' };
const record = (args: object) => ({ format: 'bnlenet-run/1', createdAt: '', args });

test('a run.json from before the variants reads back as the book\'s LeNet-BN', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(record({ impl: 'builtin', ...RECIPE })));
  const { args } = await readRunRecord(dir);
  assert.deepEqual(args, { ...bookVariant('builtin'), ...RECIPE });
  // The BatchNorm settings came later still: the book's momentum 0.9, eps 1e-5 and biased moving variance.
  assert.deepEqual([args.bnMomentum, args.bnEps, args.bnRunningVar], [0.9, 1e-5, 'biased']);
});

test('every variant field is checked, and so is whether the variant can be built', () => {
  const book = { ...bookVariant('custom'), ...RECIPE };
  assert.equal(runRecordProblem(record(book)), undefined);
  assert.equal(runRecordProblem(record({ ...bookVariant('none'), ...RECIPE, dropout: 0.5 })), undefined);
  const problems: [object, RegExp][] = [
    [{ bnLayers: [3, 1] }, /args\.bnLayers = \[3,1\], expected ascending distinct positions from 1, 2, 3, 4/],
    [{ bnLayers: [5] }, /args\.bnLayers = \[5\]/],
    [{ noBias: 'yes' }, /args\.noBias = "yes", expected true or false/],
    [{ bnMode: 'lite' }, /args\.bnMode = "lite", expected one of full, center, scale/],
    [{ dropout: 1 }, /args\.dropout = 1, expected a number from 0 up to but not including 1/],
    [{ impl: 'none' }, /cannot be built \(--bn-layers cannot go with --impl none/],
    [{ impl: 'builtin', bnMode: 'center' }, /cannot be built \(--bn-mode center needs --impl custom/],
    [{ bnMomentum: 1 }, /args\.bnMomentum = 1, expected a number from 0 up to but not including 1/],
    [{ bnEps: 0 }, /args\.bnEps = 0, expected a finite number > 0/],
    [{ bnRunningVar: 'sample' }, /args\.bnRunningVar = "sample", expected one of biased, unbiased/],
    [{ impl: 'builtin', bnRunningVar: 'unbiased' }, /cannot be built \(--bn-running-var unbiased needs --impl custom/],
    [{ ...bookVariant('none'), bnMomentum: 0.5 }, /cannot be built \(--bn-momentum 0\.5 cannot go with --impl none/],
  ];
  for (const [change, expected] of problems) assert.match(runRecordProblem(record({ ...book, ...change })) ?? '', expected);
});

test('differingField compares every defining field, lists by value, and old records as the book\'s', () => {
  const book: RunArgs = { ...bookVariant('custom'), ...RECIPE };
  const old = { impl: 'custom', ...RECIPE } as RunArgs;
  assert.equal(differingField(old, book), undefined);
  assert.equal(differingField(book, { ...book, bnLayers: [1, 2, 3, 4] }), undefined);
  assert.equal(differingField(book, { ...book, bnLayers: [1, 2] }), 'bnLayers');
  assert.equal(differingField(old, { ...book, dropout: 0.5 }), 'dropout');
  assert.equal(differingField(book, { ...book, noBias: true }), 'noBias');
  assert.equal(differingField(book, { ...book, dataDir: 'elsewhere' }), undefined, 'the data may move');
});

test('run.json\'s kernels: the wasm kernel build that trained the run, "plain" or "relaxed", or absent (older runs, other backends)', async (t) => {
  const book = { ...bookVariant('custom'), ...RECIPE };
  assert.equal(runRecordProblem(record(book)), undefined);
  for (const kernels of ['plain', 'relaxed']) assert.equal(runRecordProblem({ ...record(book), kernels }), undefined);
  for (const kernels of ['fast', 'Plain', 1, null, ['plain']]) {
    assert.equal(
      runRecordProblem({ ...record(book), kernels }),
      `has kernels ${JSON.stringify(kernels)}, expected "plain" or "relaxed" (the wasm kernel build that trained the run) or no kernels field`,
    );
  }
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...record(book), kernels: 'plain' }));
  assert.equal((await readRunRecord(dir)).kernels, 'plain');
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(record(book)));
  assert.equal((await readRunRecord(dir)).kernels, undefined);
});
