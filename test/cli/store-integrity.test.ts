/**
 * What the run-dir store does with files that are not what bnlenet wrote, through the CLI's
 * `main` in this process (nothing here is about a process of its own; the other sweep that
 * holds a cell's lock is a process of its own): `train --resume` checks each epoch log against
 * the checkpoint (drops repeated lines and lines beyond it, saying so; repairs a cut last line;
 * refuses a gap, an edited line or another run's lines), a checkpoint of another variant is
 * refused by --resume, evaluate and report, sweep checks a cell before counting it (an
 * outcome.json that is not one, a finished cell's truncated checkpoint), an edited sweep.json
 * is one line, each kind of dir that is not a run dir is named as what it is, and a sweep's
 * resume, shards, lost plan.json and locked cells say what is going on.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { assertOneLineError, runMain } from '../helpers/cli';
import { readJson } from '../helpers/run-files';
import { tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];
const RECIPE = ['--limit', '256', '--batch-size', '128', '--test-limit', '256', '--seed', '3', '--backend', 'wasm', ...DATA];
const SWEEP = ['--lr', '1,1e37', '--epochs', '1', ...RECIPE];
const CELLS = ['1-lr=1', '2-lr=1e+37'];

let root: string;
/** A finished 2-epoch custom run, and the same recipe with --impl none. */
let run: string;
let plain: string;
/** A finished 2-cell sweep: lr 1 (ok) and 1e37 (diverged in epoch 1). */
let sweep: string;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'bnlenet-store-'));
  run = path.join(root, 'run');
  plain = path.join(root, 'plain');
  sweep = path.join(root, 'sweep');
  for (const [dir, impl] of [[run, 'custom'], [plain, 'none']] as const) {
    const trained = await runMain(['train', '--impl', impl, '--epochs', '2', ...RECIPE, '--quiet', '--out', dir]);
    assert.equal(trained.code, 0, trained.stderr);
  }
  const swept = await runMain(['sweep', ...SWEEP, '--quiet', '--out', sweep]);
  assert.equal(swept.code, 0, swept.stderr);
  // Two steps at lr 1 may or may not leave chance's plateau: ok or no-learning, both finished.
  assert.match(statuses(sweep).join(), /^(ok|no-learning),diverged$/);
});
after(() => rmSync(root, { recursive: true, force: true }));

const text = (file: string) => readFileSync(file, 'utf8');
const statuses = (dir: string): string[] => readJson(path.join(dir, 'sweep.json')).cells.map((c: any) => c.status);
const epochs = (file: string) => text(file).trim().split('\n').map((line) => JSON.parse(line).epoch);

/**
 * A copy of the finished run as a crash after its last checkpoint leaves it (no summary.json),
 * so that --resume has files to bring up to date, with `edit` applied to the copy.
 */
function brokenCopy(t: Parameters<typeof tempDir>[0], edit: (dir: string) => void): string {
  const dir = path.join(tempDir(t), 'run');
  cpSync(run, dir, { recursive: true });
  rmSync(path.join(dir, 'summary.json'));
  edit(dir);
  return dir;
}

const editLines = (file: string, change: (lines: string[]) => string[]) =>
  writeFileSync(file, change(text(file).trimEnd().split('\n')).map((line) => `${line}\n`).join(''));

test('--resume drops a repeated epoch line and lines beyond the checkpoint, says so, and leaves the logs as the run wrote them', async (t) => {
  const dir = brokenCopy(t, (d) => {
    editLines(path.join(d, 'params.jsonl'), (lines) => [...lines, lines[2]!]);
    editLines(path.join(d, 'activations.jsonl'), (lines) => [...lines, lines[2]!.replace('"epoch":2', '"epoch":3')]);
  });
  const resumed = await runMain(['train', '--resume', dir]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /repaired .*params\.jsonl: dropped line 4, repeating an epoch/);
  assert.match(resumed.stdout, /repaired .*activations\.jsonl: dropped line 4, beyond the checkpoint's epoch 2/);
  for (const log of ['params.jsonl', 'activations.jsonl']) assert.equal(text(path.join(dir, log)), text(path.join(run, log)), log);
});

test('--resume repairs a cut last line: the epoch is measured again from the checkpoint, equal to what the run wrote', async (t) => {
  const dir = brokenCopy(t, (d) => {
    const file = path.join(d, 'params.jsonl');
    truncateSync(file, text(file).length - 40);
  });
  const resumed = await runMain(['train', '--resume', dir]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /repaired .*params\.jsonl: dropped line 3, cut short/);
  assert.equal(text(path.join(dir, 'params.jsonl')), text(path.join(run, 'params.jsonl')));
  assert.ok(existsSync(path.join(dir, 'summary.json')));
});

test('--resume refuses a log with a gap, an edited line, or no lines, naming the file and what to do', async (t) => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['gap', (d) => editLines(path.join(d, 'params.jsonl'), (lines) => [lines[0]!, lines[2]!]), /params\.jsonl has no line for epoch 1 \(line 2 is epoch 2\)/],
    ['edited', (d) => editLines(path.join(d, 'params.jsonl'), (lines) => [lines[0]!, lines[1]!.replace(/"gamma":\[[-\d.e]+/, '"gamma":[7'), lines[2]!]), /params\.jsonl line 2 \(epoch 1\) is not what the run wrote/],
    ['emptied', (d) => writeFileSync(path.join(d, 'activations.jsonl'), ''), /activations\.jsonl has no line, but the run's checkpoint has finished epoch 2/],
    ['deleted', (d) => rmSync(path.join(d, 'activations.jsonl')), /activations\.jsonl has no line/],
  ];
  for (const [name, edit, expected] of cases) {
    const dir = brokenCopy(t, edit);
    const before = text(path.join(dir, 'params.jsonl'));
    const resumed = await runMain(['train', '--resume', dir]);
    assertOneLineError(resumed, 1, expected);
    assert.match(resumed.stderr, /restore .* as the run wrote it, or start a new run/, name);
    assert.equal(text(path.join(dir, 'params.jsonl')), before, `${name}: nothing rewritten`);
  }
});

test('a checkpoint and run.json of another variant copied into a run dir: --resume, evaluate and report refuse it', async (t) => {
  const dir = path.join(tempDir(t), 'mixed');
  cpSync(run, dir, { recursive: true });
  for (const file of ['checkpoint.json', 'run.json']) cpSync(path.join(plain, file), path.join(dir, file));
  const before = epochs(path.join(dir, 'params.jsonl'));
  assertOneLineError(await runMain(['train', '--resume', dir]), 1, /params\.jsonl line 1 has 4 BatchNorm layers, but the run's model has 0: the file is another run's/);
  assert.deepEqual(epochs(path.join(dir, 'params.jsonl')), before, 'the logs are left alone');
  assertOneLineError(await runMain(['evaluate', '--run', dir, ...DATA]), 1, /model\.json is not the model of .*checkpoint\.json: the two come from different runs/);
  assertOneLineError(await runMain(['report', '--run', dir]), 1, /params\.jsonl line 1 has 4 BatchNorm layers, but the run's model has 0/);
  assert.ok(!existsSync(path.join(dir, 'report.html')));
});

test('sweep checks a cell before counting it: an outcome.json with an unknown status, or a truncated checkpoint, is failed and trained again', async (t) => {
  const dir = path.join(tempDir(t), 'sweep');
  cpSync(sweep, dir, { recursive: true });
  writeFileSync(path.join(dir, CELLS[1]!, 'outcome.json'), '{"status":"weird"}');
  const checkpoint = path.join(dir, CELLS[0]!, 'checkpoint.json');
  truncateSync(checkpoint, 1000);
  const collected = await runMain(['sweep', '--collect', '--out', dir]);
  assert.equal(collected.code, 1, collected.stderr);
  assert.match(collected.stdout, /^2 cells: 2 failed$/m);
  assert.doesNotMatch(collected.stdout, /weird: /);
  assert.deepEqual(readJson(path.join(dir, 'sweep.json')).cells.map((c: any) => c.status), ['failed', 'failed']);
  assert.match(readJson(path.join(dir, 'sweep.json')).cells[1].message, /outcome\.json says status "weird", expected diverged or failed/);
  assert.match(readJson(path.join(dir, 'sweep.json')).cells[0].message, /checkpoint .* is corrupt/);

  const rerun = await runMain(['sweep', '--out', dir]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /cell 1\/2: 1-lr=1 is broken \(checkpoint .* is corrupt.*\); training it again from the start/);
  assert.deepEqual(readJson(path.join(dir, 'sweep.json')).cells.map((c: any) => c.status), statuses(sweep));
  assert.deepEqual(readJson(path.join(dir, 'sweep.json')).cells[0].final, readJson(path.join(sweep, 'sweep.json')).cells[0].final, 'trained again to the same figures');
});

test('report on a hand-edited sweep.json is one line naming the cell and field', async (t) => {
  const dir = path.join(tempDir(t), 'sweep');
  cpSync(sweep, dir, { recursive: true });
  const file = path.join(dir, 'sweep.json');
  const summary = readJson(file);
  summary.cells[0].args = null;
  writeFileSync(file, JSON.stringify(summary));
  assertOneLineError(await runMain(['report', '--run', dir]), 1, /sweep\.json: cells\[0\] has no args object/);
  summary.cells[0].args = summary.cells[1].args;
  summary.cells[1].status = 'weird';
  writeFileSync(file, JSON.stringify(summary));
  assertOneLineError(await runMain(['report', '--run', dir]), 1, /sweep\.json: cells\[1\] has status "weird"/);
});

test('the wrong kind of dir is named as what it is: a missing dir, a sweep or compare dir to --resume, a diverged cell', async (t) => {
  const missing = path.join(tempDir(t), 'nonexistent');
  assertOneLineError(await runMain(['evaluate', '--run', missing, ...DATA]), 1, /nonexistent does not exist$/);
  const toSweep = await runMain(['train', '--resume', sweep]);
  assertOneLineError(toSweep, 1, /sweep is a sweep dir \(2 cells\), not a run dir/);
  assert.match(toSweep.stderr, /continue it with `bnlenet sweep --out .*sweep`/);
  const compare = path.join(tempDir(t), 'compare');
  cpSync(sweep, compare, { recursive: true });
  const plan = readJson(path.join(compare, 'plan.json'));
  writeFileSync(path.join(compare, 'plan.json'), JSON.stringify({ ...plan, kind: 'compare' }));
  const toCompare = await runMain(['train', '--resume', compare]);
  assertOneLineError(toCompare, 1, /compare is a compare dir \(runs 1-lr=1, 2-lr=1e\+37\), not a run dir/);
  assert.match(toCompare.stderr, /continue it with `bnlenet compare --resume .*compare`/);
  for (const command of ['evaluate', 'inspect-params']) {
    const diverged = await runMain([command, '--run', path.join(sweep, CELLS[1]!), ...(command === 'evaluate' ? DATA : [])]);
    assertOneLineError(diverged, 1, /2-lr=1e\+37 is a sweep cell that diverged in epoch 1 \(its outcome\.json says so\)/);
  }
});

test('sweep resume names the flag that differs; a shard speaks only of its cells; a lost or corrupt plan.json has a way out', async (t) => {
  assertOneLineError(await runMain(['sweep', '--epochs', '2', '--out', sweep]), 2, /holds another sweep: --epochs is 1 there, 2 here/);
  assertOneLineError(await runMain(['sweep', '--lr', '1', '--out', sweep]), 2, /holds another sweep: 2 cells there, 1 asked for: --lr lists 1,1e\+37 there, 1 here/);

  const sharded = await runMain(['sweep', '--lr', '0.1,1', '--shard', '3/4', '--epochs', '1', ...RECIPE, '--out', path.join(tempDir(t), 'shard')]);
  assert.equal(sharded.code, 0, sharded.stderr);
  assert.match(sharded.stdout, /^shard 3\/4 holds none of the sweep's 2 cells$/m);
  assert.doesNotMatch(sharded.stdout, /learned at none|pending/);

  const dir = path.join(tempDir(t), 'sweep');
  cpSync(sweep, dir, { recursive: true });
  writeFileSync(path.join(dir, 'plan.json'), '{"format": "bnlenet-set/1", "kin');
  const corrupt = await runMain(['sweep', '--out', dir]);
  assertOneLineError(corrupt, 1, /plan\.json is corrupt \(not valid JSON\)/);
  assert.match(corrupt.stderr, /remove it and rerun `bnlenet sweep --out .*` with the sweep's own lists: plan\.json is rebuilt/);
  rmSync(path.join(dir, 'plan.json'));
  const other = await runMain(['sweep', '--lr', '1,3', '--epochs', '1', ...RECIPE, '--out', dir]);
  assertOneLineError(other, 2, /already holds files, and no sweep \(no plan\.json\): 2-lr=1e\+37 is not a cell of the sweep asked for/);
  const rebuilt = await runMain(['sweep', ...SWEEP, '--out', dir]);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.match(rebuilt.stderr, /had no plan\.json; rebuilt it from the flags, which match its 2 cell dirs/);
  assert.match(rebuilt.stdout, new RegExp(`cell 1/2: lr=1: ${statuses(sweep)[0]} \\(earlier\\)`));
  assert.deepEqual(readJson(path.join(dir, 'plan.json')).runs, readJson(path.join(sweep, 'plan.json')).runs);
});

test('a cell being trained by another sweep in the same dir is left to it and said so; a stale lock is taken over', async (t) => {
  const dir = path.join(tempDir(t), 'sweep');
  cpSync(sweep, dir, { recursive: true });
  rmSync(path.join(dir, CELLS[0]!), { recursive: true });
  // A process of its own stands for the other sweep (the sweep here runs in this process):
  // alive, holding cell 1's lock.
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  const pid = other.pid!;
  writeFileSync(path.join(dir, `${CELLS[0]}.lock`), `${pid}\n`);
  const busy = await runMain(['sweep', '--out', dir]);
  assert.equal(busy.code, 1, busy.stderr);
  assert.match(busy.stdout, new RegExp(`cell 1/2: lr=1: skipped, being trained by another bnlenet \\(pid ${pid}\\) in this dir`));
  assert.match(busy.stderr, new RegExp(`1 of 2 cells were being trained by another bnlenet sweep in .* \\(pid ${pid}\\) and were left to it`));
  assert.ok(!existsSync(path.join(dir, CELLS[0]!)), 'not trained here');
  // A lock whose process is gone (a pid no process has) is stale.
  writeFileSync(path.join(dir, `${CELLS[0]}.lock`), '2147483646\n');
  const taken = await runMain(['sweep', '--out', dir]);
  assert.equal(taken.code, 0, taken.stderr);
  assert.match(taken.stdout, new RegExp(`cell 1/2: lr=1: ${statuses(sweep)[0]}`));
  assert.ok(!existsSync(path.join(dir, `${CELLS[0]}.lock`)), 'the lock is released');
});
