/**
 * Wording that a sweep and its cells print: a mismatching resume names the flag that differs
 * (--freeze-affine, not the field freezeAffine); a failed cell reads "failed: <why>"; counts agree with
 * their nouns ("1 cell", "1 epoch").
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { runMain } from '../helpers/cli';
import { FIXTURE_DIR } from '../helpers/fixture-data';
import { tempDir } from '../helpers/temp-dir';

const SMALL = ['--limit', '256', '--epochs', '1', '--backend', 'wasm'];
const DATA = ['--data-dir', FIXTURE_DIR];

test('a one-cell sweep, resumed with another --freeze-affine, names the flag; its cell evaluates as "1 epoch"', async (t) => {
  const out = path.join(tempDir(t), 'sweep');
  const first = await runMain(['sweep', '--lr', '1', '--no-bias', ...SMALL, ...DATA, '--out', out]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^sweep in .*: 1 cell$/m);
  assert.match(first.stdout, /^1 cell: /m);
  const other = await runMain(['sweep', '--lr', '1', '--freeze-affine', ...SMALL, ...DATA, '--out', out]);
  assert.equal(other.code, 2, other.stderr);
  assert.match(other.stderr, /holds another sweep: --freeze-affine is false there, true here/);
  assert.doesNotMatch(other.stderr, /freezeAffine/);

  const cell = path.join(out, readdirSync(out).find((name) => /^\d/.test(name))!);
  const evaluated = await runMain(['evaluate', '--run', cell, '--backend', 'wasm', ...DATA]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /, 1 epoch\)$/m);
});

test('a failed cell reads "failed: <why>", with no space before the colon', async (t) => {
  const dir = tempDir(t);
  const empty = path.join(dir, 'no-data');
  mkdirSync(empty);
  // No data and nowhere to fetch it from: every cell fails with the loader's message.
  const result = await runMain(['sweep', '--lr', '0.1,1', ...SMALL, '--data-dir', empty, '--out', path.join(dir, 'sweep')], {
    env: { BNLENET_SYSTEM_DATA_DIR: '', BNLENET_PUBLIC_MIRRORS: '' },
  });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /^cell 1\/2: lr=0\.1: failed: \S/m);
  assert.doesNotMatch(result.stdout, /failed :/);
});
