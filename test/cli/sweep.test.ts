/**
 * `bnlenet sweep` as a user (or a CI matrix) runs it: a learning-rate sweep with and without
 * BatchNorm where the huge learning rate really diverges (a result: exit 0), the summary
 * files, two shards into one dir then --collect giving what one unsharded sweep gave, Ctrl-C
 * and a rerun that resumes, a failed cell that fails the sweep and is retried, and the usage
 * errors.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { assertOneLineError, runCli, runMain, type CliResult } from '../helpers/cli';
import { jsonLines, readJson, readMetrics, withFlag } from '../helpers/run-files';
import { tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];
const SMALL = ['--limit', '512', '--batch-size', '32', '--epochs', '1', '--test-limit', '256', '--backend', 'wasm', ...DATA];
/** 4 cells: BatchNorm and none, at lr 1 and at 1e37, where the weights overflow float32. */
const LISTS = ['--impl', 'custom,none', '--lr', '1,1e37', '--seed', '2'];
const CELLS = ['1-impl=custom,lr=1', '2-impl=custom,lr=1e+37', '3-impl=none,lr=1', '4-impl=none,lr=1e+37'];

let root: string;
let whole: string;
let wholeRun: CliResult;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'bnlenet-sweep-'));
  whole = path.join(root, 'whole');
  wholeRun = await runMain(['sweep', ...LISTS, ...SMALL, '--json', '--out', whole]);
});
after(() => rmSync(root, { recursive: true, force: true }));

/** What two sweeps must agree on: each cell's name, status and final figures. */
const outcomes = (dir: string) => readJson(path.join(dir, 'sweep.json')).cells.map((c: any) => ({ name: c.name, status: c.status, final: c.final }));

test('a cell whose loss becomes non-finite is diverged, a result: the sweep exits 0 and says where each variant stops learning', () => {
  assert.equal(wholeRun.code, 0, wholeRun.stderr);
  const events = jsonLines(wholeRun.stdout);
  assert.deepEqual(events.map((e) => e.event), ['cell', 'cell', 'cell', 'cell', 'sweep']);
  const sweep = readJson(path.join(whole, 'sweep.json'));
  assert.deepEqual(sweep.cells.map((c: any) => c.name), CELLS);
  assert.deepEqual(sweep.cells.map((c: any) => c.status), ['ok', 'diverged', 'no-learning', 'diverged']);
  const [ok, diverged, flat] = sweep.cells;
  const last = readMetrics(path.join(whole, CELLS[0]!)).at(-1)!;
  assert.deepEqual(ok.final, { loss: last.loss, trainAcc: last.trainAcc, testAcc: last.testAcc });
  assert.ok(ok.final.trainAcc >= 0.2 && flat.final.trainAcc < 0.2);
  assert.equal(diverged.final, null);
  assert.equal(readJson(path.join(whole, CELLS[1]!, 'outcome.json')).status, 'diverged');
  assert.deepEqual(sweep.cells[0].args, readJson(path.join(whole, CELLS[0]!, 'run.json')).args);
  assert.deepEqual(events.slice(0, 4).map((e) => e.status), sweep.cells.map((c: any) => c.status));
  assert.deepEqual(sweep.learningRates.map((l: any) => [l.variant, l.highestLr]), [['impl=custom', 1], ['impl=none', null]]);

  const md = readFileSync(path.join(whole, 'sweep.md'), 'utf8');
  assert.match(md, /^- impl=custom: learned up to lr 1 \(at 1e\+37: diverged\)$/m);
  assert.match(md, /^\| \[4-impl=none,lr=1e\+37\]\(4-impl=none,lr=1e\+37\/\) \| none \| 1e\+37 \| 2 \| 32 \| 0 \| diverged: in epoch 1 \|/m);
  assert.ok(existsSync(path.join(whole, 'sweep.svg')));
});

test('two shards into one dir, then --collect: the same statuses and finals as one unsharded sweep', async (t) => {
  const dir = path.join(tempDir(t), 'sharded');
  const first = await runMain(['sweep', ...LISTS, ...SMALL, '--shard', '1/2', '--out', dir]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^sweep in .*: shard 1\/2: 2 of 4 cells$/m);
  assert.deepEqual(readJson(path.join(dir, 'sweep.json')).cells.map((c: any) => c.status), ['ok', 'pending', 'no-learning', 'pending']);
  // Collecting while a shard is missing names the pending cells and fails.
  assertOneLineError(await runMain(['sweep', '--out', dir, '--collect']), 1, /2 of 4 cells failed or are pending: 2-impl=custom,lr=1e\+37 \(pending\), 4-impl=none,lr=1e\+37 \(pending\)/);

  const second = await runMain(['sweep', ...LISTS, ...SMALL, '--shard', '2/2', '--out', dir]);
  assert.equal(second.code, 0, second.stderr);
  const collected = await runMain(['sweep', '--out', dir, '--collect']);
  assert.equal(collected.code, 0, collected.stderr);
  assert.deepEqual(outcomes(dir), outcomes(whole));
});

test('Ctrl-C stops the running cell (exit 130); rerunning with the same --out skips the finished cell and resumes', async (t) => {
  const dir = path.join(tempDir(t), 'cut');
  const args = ['sweep', '--lr', '0.5,1', ...withFlag(withFlag(SMALL, '--epochs', '2'), '--limit', '256'), '--out', dir];
  let sent = false;
  const stopped = await runCli(args, {
    onStdout: (stdout, child) => {
      if (sent || !/^cell 1\/2: lr=0\.5: /m.test(stdout)) return;
      sent = true;
      child.kill('SIGINT');
    },
  });
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, new RegExp(`continue it with \`bnlenet sweep --out ${dir}\``));
  assert.deepEqual(readJson(path.join(dir, 'sweep.json')).cells.map((c: any) => c.status), ['ok', 'pending']);

  const resumed = await runMain(['sweep', '--out', dir]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /^cell 1\/2: lr=0\.5: ok \(earlier\), loss /m);
  assert.match(resumed.stdout, /^cell 2\/2: lr=1: ok, loss /m);
  assert.deepEqual(readMetrics(path.join(dir, '2-lr=1')).map((m) => m.epoch), [1, 2]);
  assert.deepEqual(readJson(path.join(dir, 'sweep.json')).cells.map((c: any) => c.status), ['ok', 'ok']);
});

test('a cell that fails is named and fails the sweep (exit 1); a rerun tries it again', async (t) => {
  const dir = path.join(tempDir(t), 'failing');
  const args = ['sweep', '--lr', '1,2', ...withFlag(SMALL, '--limit', '256'), '--out', dir, '--quiet'];
  assert.equal((await runMain([...args, '--shard', '2/2'])).code, 0);
  // A file where cell 1's run dir must go: its run cannot start.
  writeFileSync(path.join(dir, '1-lr=1'), 'in the way');
  assertOneLineError(await runMain(args), 1, /1 of 2 cells failed: 1-lr=1 \(failed\)/);
  const cell = readJson(path.join(dir, 'sweep.json')).cells[0];
  assert.equal(cell.status, 'failed');
  assert.match(cell.message, /1-lr=1 is a file, not a directory/);
  rmSync(path.join(dir, '1-lr=1'));
  const retried = await runMain(args);
  assert.equal(retried.code, 0, retried.stderr);
  const statuses = readJson(path.join(dir, 'sweep.json')).cells.map((c: any) => c.status);
  assert.ok(statuses.every((s: string) => s === 'ok' || s === 'no-learning'), statuses.join(', '));
  assert.ok(!existsSync(path.join(dir, '1-lr=1', 'outcome.json')), 'the failure is forgotten');
});

test('sweep refuses what train refuses, with the same line (exit 2): each cell is checked by the one validation', async (t) => {
  const dir = tempDir(t);
  // [sweep's flags, the pattern]; train is given the same flags, one value per list.
  const cases: [string[], RegExp][] = [
    [['--impl', 'none', '--bn-layers', '1'], /^bnlenet: --bn-layers cannot go with --impl none/],
    [['--impl', 'none', '--dropout', '0,0.5', '--no-bias'], /^bnlenet: --no-bias cannot go with --impl none/],
    [['--impl', 'none', '--bn-momentum', '0.5'], /^bnlenet: --bn-momentum 0\.5 cannot go with --impl none/],
    [['--impl', 'builtin', '--bn-running-var', 'unbiased'], /^bnlenet: --bn-running-var unbiased needs --impl custom/],
    [['--lr', '0.1', '--lr', '1'], /--lr.*Expected --lr once; it is given more than once/],
    [['--dropout', '0x0'], /--dropout.*'0x0'.*Expected a dropout rate/],
    [['--dropout', ' 0.5'], /--dropout.*' 0\.5'.*Expected a dropout rate/],
    [['--bn-eps', '1e-5x'], /--bn-eps.*Expected a finite number > 0/],
  ];
  for (const [args, expected] of cases) {
    const single = args.map((arg) => (arg === '0,0.5' ? '0.5' : arg));
    const [train, sweep] = [await runMain(['train', ...single, '--out', path.join(dir, 'x'), ...DATA]), await runMain(['sweep', ...args, '--out', path.join(dir, 'x'), ...DATA])];
    assertOneLineError(sweep, 2, expected);
    // Train's line, word for word (but for a list flag's placeholder and the item a list names, and train's pointer to sweep's lists).
    const trainLine = train.stderr.split('\n')[0]!.replace(' (bnlenet sweep takes a comma-separated list.)', '');
    assert.equal(sweep.stderr.split('\n')[0]!.replace(',...>', '>').replace(/ "[^"]*": Expected/, ' Expected'), trainLine, args.join(' '));
  }
  // A mixed sweep applies BatchNorm flags to its BatchNorm cells; listing a BatchNorm setting would make the --impl none cells twins.
  assertOneLineError(
    await runMain(['sweep', '--impl', 'custom,none', '--bn-momentum', '0.5,0.9', '--out', path.join(dir, 'x'), ...DATA]),
    2,
    /cells 3-impl=none,bn-momentum=0\.5 and 4-impl=none,bn-momentum=0\.9 would train the same run/,
  );
  // --collect trains nothing: a run argument with it would be silently ignored, so it is refused.
  assertOneLineError(await runMain(['sweep', '--collect', '--lr', '5', '--out', whole]), 2, /--lr cannot go with --collect: --collect trains nothing/);
  assert.ok(!existsSync(path.join(dir, 'x')), 'nothing written');
});

test('bad lists, shards and combinations are usage errors (exit 2, one line); collecting a dir without a sweep fails', async (t) => {
  const dir = tempDir(t);
  const cases: [string[], RegExp][] = [
    [['--lr', '1,x'], /--lr.*"x": Expected a finite number > 0/],
    [['--lr', '1,1'], /--lr.*"1" is given twice/],
    [['--impl', 'custom,lstm'], /--impl.*"lstm": Expected one of custom, builtin, none/],
    [['--dropout', '0,1'], /--dropout.*"1": Expected a dropout rate/],
    [['--shard', '3/2'], /--shard.*Expected I\/N with 1 <= I <= N/],
    [['--shard', '1/2', '--collect'], /--shard.*cannot be used with option '--collect'/],
    [['--impl', 'custom,builtin', '--bn-mode', 'center'], /cell impl=builtin .*--bn-mode center needs --impl custom/],
  ];
  for (const [args, expected] of cases) assertOneLineError(await runMain(['sweep', ...args, '--out', path.join(dir, 'x'), ...DATA]), 2, expected);
  assertOneLineError(await runMain(['sweep', '--collect']), 2, /--collect needs --out/);
  assertOneLineError(await runMain(['sweep', '--lr', '2', '--out', whole]), 2, /--out .*whole holds another sweep: 4 cells there, 1 asked for/);
  assertOneLineError(await runMain(['sweep', '--collect', '--out', dir]), 1, /holds no sweep \(no plan\.json\)/);
  assert.ok(!existsSync(path.join(dir, 'x')), 'nothing written');
});

test('a backend that cannot start fails the sweep before its plan is written: nothing left in --out', async (t) => {
  const out = path.join(tempDir(t), 'sweep');
  // @tensorflow/tfjs-node is an optional peer that is not installed here.
  const result = await runMain(['sweep', '--lr', '0.5,1', '--limit', '512', '--epochs', '1', '--backend', 'tensorflow', ...DATA, '--out', out]);
  assertOneLineError(result, 1, /^bnlenet: --backend tensorflow: @tensorflow\/tfjs-node is not installed/);
  assert.ok(!existsSync(path.join(out, 'plan.json')), 'no plan.json');
  assert.doesNotMatch(result.stdout, /cell 1\//, 'no cell was tried');
});
