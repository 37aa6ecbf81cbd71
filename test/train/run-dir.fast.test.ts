/**
 * The default run dir of a command given no --out: named by the UTC second and the kind, and
 * never one that exists (two runs of a kind started in the same second get their own).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { defaultRunDir } from '../../src/train/store/run-dir';
import { tempDir } from '../helpers/temp-dir';

test('a default run dir is runs/<UTC second>-<kind>, with -2, -3 ... where a run of that kind took the name in the same second', (t) => {
  const root = tempDir(t);
  const now = new Date('2026-12-05T20:29:58.431Z');
  const first = defaultRunDir('custom', now, root);
  assert.equal(first, path.join(root, '20261205T202958Z-custom'));
  mkdirSync(first);
  const second = defaultRunDir('custom', now, root);
  assert.equal(second, path.join(root, '20261205T202958Z-custom-2'));
  mkdirSync(second);
  assert.equal(defaultRunDir('custom', now, root), path.join(root, '20261205T202958Z-custom-3'));
  assert.equal(defaultRunDir('builtin', now, root), path.join(root, '20261205T202958Z-builtin'), 'another kind keeps the plain name');
});
