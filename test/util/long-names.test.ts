/**
 * File names near the file system's limit (255 bytes a name): a legal target name writes,
 * whatever its temporary file would have been called, and its leftovers are still found;
 * an illegal one is one line naming the flag or file, with no raw ENAMETOOLONG and no
 * temporary name shown.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { removeStaleTemporaries, temporaryPathFor, writeFileAtomic } from '../../src/util/atomic-file';
import { runCli } from '../helpers/cli';
import { listDir, tempDir } from '../helpers/temp-dir';

/** Names of exactly 255 bytes, the longest legal: ASCII, and two-byte characters. */
const LONGEST = [`${'a'.repeat(250)}.html`, `${'é'.repeat(125)}.html`];

test('a file with the longest legal name is written atomically, leaving only itself', async (t) => {
  const dir = tempDir(t);
  for (const name of LONGEST) {
    assert.equal(Buffer.byteLength(name), 255);
    await writeFileAtomic(path.join(dir, name), 'page');
    assert.equal(readFileSync(path.join(dir, name), 'utf8'), 'page');
  }
  assert.deepEqual(listDir(dir), [...LONGEST].sort());
});

test("a dead writer's temporary file of a long name is removed by name", async (t) => {
  const dir = tempDir(t);
  const target = path.join(dir, LONGEST[1]!);
  // As a killed process would have left it: its pid is one no live process has.
  const leftover = temporaryPathFor(target).replace(`.${process.pid}.`, '.2147483646.');
  assert.ok(Buffer.byteLength(path.basename(leftover)) <= 255);
  writeFileSync(leftover, 'half');
  assert.deepEqual(await removeStaleTemporaries(dir, { names: ['other.json'] }), []);
  assert.deepEqual(await removeStaleTemporaries(dir, { names: [LONGEST[1]!] }), [path.basename(leftover)]);
});

test('a name over the limit is one line naming it, for train --out and evaluate --run', async (t) => {
  const dir = tempDir(t);
  const tooLong = path.join(dir, 'a'.repeat(300));
  const cases: [string[], number, RegExp][] = [
    [['train', '--out', tooLong, '--limit', '256', '--epochs', '1'], 2, /^bnlenet: --out .*a{300}: a name in that path is longer than the file system allows/],
    [['evaluate', '--run', tooLong], 1, /^bnlenet: cannot read .*a{300}\/run\.json: a name in that path is longer/],
  ];
  for (const [args, code, pattern] of cases) {
    const result = await runCli(args);
    const lines = result.stderr.trim().split('\n');
    assert.equal(result.code, code, `${args[0]}: ${result.stderr}`);
    assert.match(lines[0]!, pattern);
    assert.ok(lines.length <= 2, result.stderr);
    assert.doesNotMatch(result.stderr, /ENAMETOOLONG|\.tmp|\n\s+at /, result.stderr);
  }
});
