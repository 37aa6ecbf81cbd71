/**
 * Every example in every --help works as printed. The examples are read from the help text
 * itself (top level and each command's), then run through a shell, pipes included, with the
 * real CLI as `bnlenet` on PATH, all in one fresh working dir with ./data holding the test data
 * set (test/helpers/fixture-data.ts: real images, verified by the tool's own code), so that
 * examples that name each other's dirs (`--out runs/cmp`, then `--run runs/cmp/builtin`) find
 * them. An example that starts training runs on small data: its --limit and --epochs set to 256
 * and 1 (added where absent), its test accuracy on 1000 test images (--test-limit) -- except one
 * that sets its own tolerances, which must pass as printed. `download` examples run in a dir of
 * their own on the real data set, as a test data set is never fetched. An example that is one
 * command with plain words runs in this process, through the CLI's own main(argv) with the
 * example's words (test/helpers/cli.ts: runMain), saving a process start each; the others
 * (pipes, and the runs a `--resume` example continues, stopped by a closed pipe) and every
 * `--help` run through a shell. Examples that need what this machine lacks (a GPU, a mirror on
 * the network) are named and left out.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BIN, runMain } from '../helpers/cli';
import { FIXTURE_MANIFEST, fixtureDataDir } from '../helpers/fixture-data';
import { TEST_DATA_VARIABLE } from '../../src/data';

const SYSTEM_DATA = '/usr/share/datasets/fashion-mnist';
/** Examples this machine cannot run, and why: each pattern must match at least one example. */
const NOT_HERE: [RegExp, string][] = [
  [/--gpu\b/, 'needs a GPU'],
  [/--backend webgpu\b/, 'needs a WebGPU adapter (minutes on a software one)'],
  [/--mirror http:\/\/mirror\.example\b/, 'needs that mirror on the network'],
];
/** The commands that make runs go first, so that the others find them. */
const MAKERS = ['download', 'train', 'compare', 'reproduce', 'sweep'];
const TRAINS = new Set(['train', 'compare', 'reproduce', 'sweep']);

let work: string;
/** Where `download` examples run: ./data holds links to the real data set. */
let realWork: string;
/** Without the test data set: for `download` examples. */
let realEnv: NodeJS.ProcessEnv;
/** With ./data as the test data set: for every other example. */
let env: NodeJS.ProcessEnv;

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'bnlenet-examples-'));
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  const bin = path.join(work, '.bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'bnlenet'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  // The test data set, manifest included: the CLI takes it as the data in the manifest's dir.
  const fixture = await fixtureDataDir();
  mkdirSync(path.join(work, 'data'));
  for (const file of readdirSync(fixture)) copyFileSync(path.join(fixture, file), path.join(work, 'data', file));
  realWork = path.join(work, '.real');
  mkdirSync(path.join(realWork, 'data'), { recursive: true });
  for (const file of readdirSync(SYSTEM_DATA).filter((f) => f.endsWith('.gz'))) {
    symlinkSync(path.join(SYSTEM_DATA, file), path.join(realWork, 'data', file));
  }
  realEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BNLENET_') && name !== 'COLUMNS'));
  realEnv.PATH = `${bin}:${process.env.PATH}`;
  env = { ...realEnv, [TEST_DATA_VARIABLE]: path.join(work, 'data', path.basename(FIXTURE_MANIFEST)) };
});

/**
 * `line` as a user runs it: in this process when it is one `bnlenet` command of plain words
 * (no pipe, quote or other shell syntax), else through a shell.
 */
async function run(line: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const inProcess = /^bnlenet [\w ./,=-]+$/.test(line) && !/^bnlenet download\b|--help\b/.test(line);
  if (!inProcess) return sh(line);
  // The variables as the shell's: the test data set in ./data, nothing else of bnlenet's.
  const unset = Object.fromEntries(Object.keys(process.env).filter((name) => name.startsWith('BNLENET_') || name === 'COLUMNS').map((name) => [name, undefined]));
  const result = await runMain(line.split(' ').slice(1), { cwd: work, env: { ...unset, [TEST_DATA_VARIABLE]: env[TEST_DATA_VARIABLE] } });
  return { code: result.code, stdout: result.stdout, stderr: result.stderr };
}

function sh(line: string, timeoutMs = 300_000) {
  const real = /^bnlenet download\b/.test(line);
  const result = spawnSync('sh', ['-c', line], { cwd: real ? realWork : work, env: real ? realEnv : env, encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The `$ bnlenet ...` lines of a help text. */
const examplesIn = (help: string) => [...help.matchAll(/^ {2}\$ (bnlenet .*)$/gm)].map((m) => m[1]!);

/**
 * `line` on small data, when it starts training. `interrupted`: it makes the dir that a
 * `--resume` example continues, so it is stopped as that example says ("stopped by Ctrl-C"):
 * its output goes into a pipe that closes after the first line, which stops it like Ctrl-C.
 */
function onSmallData(line: string, interrupted: boolean): string {
  const [command] = line.split(' ').slice(1);
  const continues = /--resume|--collect/.test(line) || (command === 'sweep' && /^bnlenet sweep --out \S+$/.test(line));
  if (!TRAINS.has(command!) || continues || /--help/.test(line) || /--min-|--max-loss/.test(line)) return line;
  const pipe = line.indexOf(' | ');
  let [head, tail] = pipe < 0 ? [line, ''] : [line.slice(0, pipe), line.slice(pipe)];
  const small = interrupted ? [['--limit', '512'], ['--epochs', '2']] : [['--limit', '256'], ['--epochs', '1']];
  // Each epoch's test accuracy on 1000 images, not 10,000: the examples' runs cost seconds.
  for (const [flag, value] of [...small, ['--test-limit', '1000']]) {
    const given = new RegExp(`${flag} \\S+`);
    head = given.test(head) ? head.replace(given, `${flag} ${value}`) : `${head} ${flag} ${value}`;
  }
  return interrupted ? `${head} | head -1` : head + tail;
}

test('every --help example works as printed (on small data where it trains)', { timeout: 1_500_000 }, async () => {
  const top = sh('bnlenet --help');
  assert.equal(top.code, 0, top.stderr);
  const commands = [...top.stdout.matchAll(/^ {2}([a-z-]+) \[options\]/gm)].map((m) => m[1]!);
  assert.ok(commands.length >= 8, commands.join(', '));
  const order = [...commands].sort((a, b) => (MAKERS.indexOf(a) + 1 || 99) - (MAKERS.indexOf(b) + 1 || 99));
  const examples = [...examplesIn(top.stdout)];
  for (const command of order) {
    const help = sh(`bnlenet ${command} --help`);
    assert.equal(help.code, 0, help.stderr);
    examples.push(...examplesIn(help.stdout));
  }
  // The top level's examples repeat the commands'; its run-making ones go first.
  const ordered = [...examples.filter((e) => /^bnlenet (train|--help)/.test(e)), ...examples.filter((e) => !/^bnlenet (train|--help)/.test(e))];
  const resumed = new Set(ordered.flatMap((e) => [.../--resume (\S+)/.exec(e)?.slice(1) ?? []]));
  const skipped = new Set<RegExp>();
  for (const example of ordered) {
    const reason = NOT_HERE.find(([pattern]) => pattern.test(example));
    if (reason) {
      skipped.add(reason[0]);
      continue;
    }
    const line = onSmallData(example, resumed.has(/--out (\S+)/.exec(example)?.[1] ?? ''));
    const result = await run(line);
    const said = `${line}\nexit ${result.code}\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`;
    // A smaller recipe than the book's may miss the book's tolerances: that is the check working.
    const checked = /^bnlenet reproduce/.test(line) && !/--min-|--max-loss/.test(line) && result.code === 1 &&
      /reproduction failed: \d+ of \d+ checks outside tolerance/.test(result.stderr);
    assert.ok(result.code === 0 || checked, said);
    assert.doesNotMatch(result.stderr, /\n\s+at |unexpected error/, said);
  }
  for (const [pattern] of NOT_HERE) assert.ok(skipped.has(pattern), `no example needs ${pattern} any more: drop it from NOT_HERE`);
});
