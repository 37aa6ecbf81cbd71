/**
 * --help as people read it (through main, in this process, as bin/bnlenet.js calls it): the
 * top level lists the exit statuses; every command has an Examples section whose flags are all
 * real options of that command (so examples cannot rot when a flag is renamed); no description
 * breaks mid-sentence.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { runMain } from '../helpers/cli';

async function help(args: string[]): Promise<string> {
  const result = await runMain([...args, '--help'], { env: { COLUMNS: '100' } });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

test('the top-level help lists the commands, the exit statuses and examples', async () => {
  const text = await help([]);
  assert.match(text, /^Exit status:\n  0 +done\n  1 +failed.*\n  2 +usage error.*\n  130 +interrupted/m);
  assert.match(text, /^Examples:\n  # .*\n  \$ bnlenet train$/m);
});

test('every command\'s examples use only options that command has', async () => {
  const top = await help([]);
  const commands = [...top.matchAll(/^  ([a-z-]+) \[options\]/gm)].map((m) => m[1]!);
  assert.ok(commands.length >= 6, commands.join(', '));
  for (const command of commands) {
    const text = await help([command]);
    const examples = [...text.matchAll(/^  \$ (bnlenet .*)$/gm)].map((m) => m[1]!);
    assert.ok(examples.length >= 2, `${command} has examples`);
    const options = new Set([...text.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!));
    for (const example of examples) {
      const [, used] = /^bnlenet ([a-z-]+)/.exec(example)!;
      assert.equal(used, command, `${command}'s example runs ${command}: ${example}`);
      for (const flag of example.split('|')[0]!.match(/--[a-z-]+/g) ?? []) {
        assert.ok(options.has(flag), `${command} --help lists ${flag}, used in: ${example}`);
      }
    }
  }
});

test('descriptions are not broken mid-sentence', async () => {
  for (const command of ['train', 'inspect-params']) {
    const text = await help([command]);
    const description = text.split('\n\n')[1]!;
    assert.doesNotMatch(description, /\n\(/, `${command}: ${description}`);
    assert.ok(description.split('\n').every((line) => line.length > 40 || line === description.split('\n').at(-1)), description);
  }
});

test('at 40 columns every --help line fits, broken only between words', async () => {
  const top = await help([]);
  const commands = [...top.matchAll(/^  ([a-z-]+) \[options\]/gm)].map((m) => m[1]!);
  for (const args of [[], ...commands.map((c) => [c])]) {
    const narrow = await runMain([...args, '--help'], { env: { COLUMNS: '40' } });
    assert.equal(narrow.code, 0, narrow.stderr);
    const wide = await runMain([...args, '--help'], { env: { COLUMNS: '1000' } });
    const words = (text: string) => text.split(/\s+/).filter(Boolean);
    assert.deepEqual(words(narrow.stdout), words(wide.stdout), `${args[0] ?? 'bnlenet'}: the same words, none cut`);
    const tooWide = narrow.stdout.split('\n').filter((l: string) => l.length > 40 && l.trim().includes(' '));
    assert.deepEqual(tooWide, [], `${args[0] ?? 'bnlenet'} --help at 40 columns`);
  }
});
