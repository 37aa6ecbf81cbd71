/**
 * What a person sees on a narrow terminal and what a CI log gets: the CLI spawned inside a
 * pseudo-terminal 60 columns wide (util-linux `script`), and with COLUMNS=60 on output that is
 * not a terminal (in-process: main's stdout captured, as a pipe is no terminal). Every
 * line fits except the contract's epoch and closing lines, which stay whole for parsers; the
 * progress line keeps the loss and the run's time left; a run that does not learn says so.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { BIN, runMain } from '../helpers/cli';
import { readJson } from '../helpers/run-files';
import { tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR, FIXTURE_ENV, fixtureDataDir } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];
const CONTRACT_LINE = /^(\[\w+\] )?(epoch \d+\/\d+: loss|loss \d|\d+(\.\d)? examples\/sec on )/;

/** Visible text: ANSI escapes removed, split at carriage returns and newlines. */
function visibleLines(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');
}

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('train in a 60-column terminal: progress line, start line and chart fit; contract lines stay whole', { skip: !process.env.CI && !hasScript() && 'util-linux script is not installed' }, async (t) => {
  await fixtureDataDir();
  const out = path.join(tempDir(t), 'run');
  // 11 batches per epoch: a frame each, the running loss from the 10th on; two epochs for a chart.
  const command = [process.execPath, BIN, 'train', '--limit', '704', '--epochs', '2', '--batch-size', '64', '--backend', 'wasm', ...DATA, '--out', out]
    .map((arg) => `'${arg}'`)
    .join(' ');
  const output = execFileSync('script', ['-qefc', `stty cols 60 rows 24; exec ${command}`, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, ...FIXTURE_ENV, NO_COLOR: '1' },
    timeout: 120_000,
  });
  const lines = visibleLines(output);
  const tooWide = lines.filter((l) => l.length > 60 && !CONTRACT_LINE.test(l));
  assert.deepEqual(tooWide, [], `every other line fits 60 columns:\n${lines.join('\n')}`);
  const frames = lines.filter((l) => /^epoch \d\/2 \[/.test(l));
  assert.ok(frames.length > 10, `progress frames drawn: ${frames.length}`);
  assert.ok(frames.some((f) => /\| loss \d\.\d{3} \| run \d+:\d\d left/.test(f)), `a frame shows the loss and the run's time left:\n${frames.join('\n')}`);
  assert.ok(lines.some((l) => /^epoch 2\/2: loss \d\.\d{3}, train acc/.test(l)), 'epoch lines intact');
  assert.ok(lines.some((l) => /^train loss [▁▂▃▄▅▆▇█]/.test(l)), 'the chart was drawn');
});

test('compare with COLUMNS=60 on a pipe: the table drops columns and the prose wraps to fit', async (t) => {
  const out = path.join(tempDir(t), 'cmp');
  const result = await runMain(['compare', '--limit', '256', '--test-limit', '256', '--epochs', '1', '--backend', 'wasm', ...DATA, '--out', out], {
    env: { COLUMNS: '60' },
  });
  assert.equal(result.code, 0, result.stderr);
  const lines = visibleLines(result.stdout);
  const tooWide = lines.filter((l) => l.length > 60 && !CONTRACT_LINE.test(l));
  assert.deepEqual(tooWide, [], lines.join('\n'));
  assert.ok(lines.some((l) => /^epoch +loss/.test(l)), 'the table is there');
});

test('a run that ends at chance accuracy warns (exit 0) and says so in summary.json and --json', async (t) => {
  const dir = tempDir(t);
  const args = ['train', '--lr', '1000', '--limit', '512', '--epochs', '1', '--backend', 'wasm', ...DATA];
  const text = await runMain([...args, '--out', path.join(dir, 'a')]);
  assert.equal(text.code, 0);
  assert.match(text.stderr, /warning: final train acc 0\.\d{3} is near chance \(0\.1 for 10 classes\): this run did not learn; try a smaller --lr than 1000/);
  assert.equal(readJson(path.join(dir, 'a', 'summary.json')).learned, false);
  const json = await runMain([...args, '--json', '--out', path.join(dir, 'b')]);
  const end = json.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'end');
  assert.equal(end.learned, false);
});
