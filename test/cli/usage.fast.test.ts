/**
 * Usage errors, through main in this process (as bin/bnlenet.js calls it; reliability.test.ts
 * proves on a spawned CLI that the status reaches the shell): every bad flag, value or
 * combination of every command is one line naming the flag and value (at most a hint), exit 2,
 * no stack trace, before any work, with nothing written.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { assertOneLineError, runMain } from '../helpers/cli';
import { listDir, tempDir } from '../helpers/temp-dir';

const BAD_TRAIN_FLAGS: [string[], RegExp][] = [
  [['--epochs', '0'], /--epochs.*'0'.*whole number >= 1/],
  [['--epochs', 'ten'], /--epochs.*'ten'.*whole number/],
  [['--epochs', '2.5'], /--epochs.*'2.5'/],
  [['--batch-size', '0'], /--batch-size.*'0'.*>= 1/],
  [['--lr', '0'], /--lr.*'0'.*finite number > 0/],
  [['--lr', '-1'], /--lr.*'-1'/],
  [['--lr', 'NaN'], /--lr.*'NaN'/],
  [['--lr', 'Infinity'], /--lr.*'Infinity'/],
  [['--limit', '0'], /--limit.*'0'/],
  [['--test-limit', '0'], /--test-limit.*'0'.*whole number >= 1/],
  [['--test-limit', 'all'], /--test-limit.*'all'/],
  [['--seed', 'x'], /--seed.*'x'/],
  [['--impl', 'fancy'], /--impl.*'fancy'.*custom, builtin/],
  [['--backend', 'tpu'], /--backend.*'tpu'.*auto, tensorflow, webgpu, wasm, cpu/],
  [['--out', ''], /--out.*empty string/],
  [['--data-dir', ' '], /--data-dir.*empty string/],
  [['--gpu', '--backend', 'wasm'], /--gpu .*--backend wasm/],
  [['--gpu', '--backend', 'cpu'], /--gpu .*--backend cpu/],
  [['--json', '--quiet'], /--json.*--quiet/],
  [['--mirror', 'not a url'], /--mirror/],
  [['--frobnicate'], /unknown option '--frobnicate'/],
];

test('each bad train flag: one line naming the flag and value, exit 2, nothing written', async (t) => {
  const cwd = tempDir(t);
  for (const [flags, pattern] of BAD_TRAIN_FLAGS) {
    assertOneLineError(await runMain(['train', ...flags], { cwd }), 2, pattern);
  }
  assert.deepEqual(listDir(cwd), [], 'no runs/ or data/ created');
});

test('impossible model variants are usage errors naming the flag, for train and for compare', async (t) => {
  const cwd = tempDir(t);
  const out = path.join(cwd, 'never');
  const cases: [string[], RegExp][] = [
    [['train', '--impl', 'none', '--bn-layers', '1,2'], /--bn-layers cannot go with --impl none/],
    [['train', '--impl', 'none', '--no-bias'], /--no-bias cannot go with --impl none/],
    [['train', '--impl', 'none', '--freeze-affine'], /--freeze-affine cannot go with --impl none/],
    [['train', '--bn-layers', '5'], /--bn-layers.*'5'.*Expected one of 1, 2, 3, 4/],
    [['train', '--bn-layers', '1,1'], /--bn-layers.*"1" is given twice/],
    [['train', '--dropout', '1'], /--dropout.*Expected a dropout rate from 0 up to but not including 1/],
    [['train', '--dropout', '-0.1'], /--dropout.*Expected a dropout rate/],
    [['train', '--bn-mode', 'half'], /--bn-mode.*Allowed choices are full, center, scale/],
    [['train', '--impl', 'builtin', '--bn-mode', 'center'], /--bn-mode center needs --impl custom: the built-in BatchNorm/],
    [['compare', '--bn-mode', 'scale'], /compare trains custom and builtin BatchNorm; --bn-mode scale needs --impl custom/],
  ];
  for (const [args, expected] of cases) assertOneLineError(await runMain([...args, '--out', out], { cwd }), 2, expected);
  assert.deepEqual(listDir(cwd), []);
});

test('--resume refuses --out and every flag that would change the run, --test-limit among them', async (t) => {
  const cwd = tempDir(t);
  const refused: [string[], RegExp][] = [
    [['--lr', '0.5'], /--lr cannot be changed when resuming/],
    [['--dropout', '0.5'], /--dropout cannot be changed when resuming/],
    [['--no-bias'], /--no-bias cannot be changed when resuming/],
    [['--test-limit', '100'], /--test-limit cannot be changed when resuming/],
    [['--out', 'y'], /--out cannot go with --resume/],
  ];
  for (const [flags, expected] of refused) assertOneLineError(await runMain(['train', '--resume', 'runs/x', ...flags], { cwd }), 2, expected);
  assert.deepEqual(listDir(cwd), []);
});

test('evaluate takes train\'s backend flags, checked the same way', async (t) => {
  const cwd = tempDir(t);
  assertOneLineError(await runMain(['evaluate', '--gpu', '--backend', 'wasm'], { cwd }), 2, /--gpu .*--backend wasm/);
  assertOneLineError(await runMain(['evaluate', '--backend', 'tpu'], { cwd }), 2, /--backend.*'tpu'.*auto, tensorflow, webgpu, wasm, cpu/);
  assert.deepEqual(listDir(cwd), [], 'nothing created');
});

test('--out naming a file, or a path under a file, is a usage error naming it, for train and compare', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'notes.txt');
  writeFileSync(file, 'mine');
  const small = ['--limit', '256', '--epochs', '1', '--backend', 'wasm'];
  assertOneLineError(await runMain(['train', ...small, '--out', file], { cwd: dir }), 2, /--out .*notes\.txt is a file, not a directory/);
  assertOneLineError(await runMain(['train', ...small, '--out', path.join(file, 'run')], { cwd: dir }), 2, /--out .*notes\.txt\/run: a part of that path is a file/);
  assertOneLineError(await runMain(['compare', ...small, '--out', file], { cwd: dir }), 2, /is a file, not a directory/);
  assert.deepEqual(listDir(dir), ['notes.txt']);
});

test('a reproduce tolerance out of range is a usage error, before any training', async (t) => {
  const cwd = tempDir(t);
  assertOneLineError(await runMain(['reproduce', '--min-test-acc', '1.5', '--out', 'never'], { cwd }), 2, /--min-test-acc.*'1\.5'.*from 0 to 1/);
  assert.deepEqual(listDir(cwd), []);
});
