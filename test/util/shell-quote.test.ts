/**
 * Suggested commands are pasted into a shell: each word must come back from a real POSIX
 * shell exactly as it was, whatever it holds, and plain words stay unquoted (readable).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellCommand, shellQuote } from '../../src/util/shell-quote';

/** The words a shell makes of `line` (the way a pasted command is split). */
function wordsFromShell(line: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

test('every word comes back from sh as it was', () => {
  const words = [
    'runs/dir with spaces/run 2',
    "it's",
    'a"b',
    '$HOME',
    '`date`',
    '*.html',
    'back\\slash',
    'semi;colon & amp | pipe',
    'new\nline',
    'tab\there',
    '~user',
    'ünïcödé dir',
    '!bang',
    '',
    '-leading-dash',
  ];
  for (const word of words) assert.deepEqual(wordsFromShell(shellQuote(word)), [word], JSON.stringify(word));
  assert.deepEqual(wordsFromShell(shellCommand(...words)), words);
});

test('plain paths and flags stay as they are', () => {
  assert.equal(shellCommand('bnlenet', 'train', '--resume', 'runs/20261125T120000Z-custom'), 'bnlenet train --resume runs/20261125T120000Z-custom');
  assert.equal(shellQuote('/tmp/a_b-c.d/e=f,g@h+i%j:k'), '/tmp/a_b-c.d/e=f,g@h+i%j:k');
  assert.equal(shellQuote('runs/dir with spaces/run 2'), "'runs/dir with spaces/run 2'");
});
