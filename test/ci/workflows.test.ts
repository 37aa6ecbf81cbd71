/**
 * The GitHub Actions workflows cannot run here; each is checked against GitHub's workflow
 * schema offline with @action-validator/cli, which also rejects a broken one (so the check
 * can fail).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

const WORKFLOWS = path.join(REPO_ROOT, '.github', 'workflows');
const VALIDATOR = path.join(REPO_ROOT, 'node_modules', '@action-validator', 'cli', 'cli.mjs');

async function validate(file: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [VALIDATOR, file]);
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

test('every workflow in .github/workflows passes the schema check', async () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.includes('sweep.yml') && files.includes('reproduce.yml'), files.join(', '));
  for (const file of files) {
    const result = await validate(path.join(WORKFLOWS, file));
    assert.equal(result.code, 0, `${file}: ${result.output}`);
  }
});

test('the check rejects a workflow whose collect job needs a job that does not exist', async (t) => {
  const broken = path.join(tempDir(t), 'sweep.yml');
  writeFileSync(broken, readFileSync(path.join(WORKFLOWS, 'sweep.yml'), 'utf8').replace('needs: shard', 'needs: shards'));
  const result = await validate(broken);
  assert.equal(result.code, 1);
  assert.match(result.output, /unresolved job shards/);
});

/** Each step's `run:` script of a workflow: a one-line value, or a `|` block (its indented lines). */
function runScripts(text: string): string[] {
  const lines = text.split('\n');
  const scripts: string[] = [];
  for (const [i, line] of lines.entries()) {
    const match = /^(\s*)(?:- )?run: (.*)$/.exec(line);
    if (!match) continue;
    if (match[2] !== '|') {
      scripts.push(match[2]!);
      continue;
    }
    const block: string[] = [];
    for (const next of lines.slice(i + 1)) {
      if (next.trim() !== '' && next.search(/\S/) <= match[1]!.length) break;
      block.push(next.trim() === '' ? '' : next.slice(match[1]!.length + 2));
    }
    scripts.push(block.join('\n').trim());
  }
  return scripts;
}

const workflows = () =>
  readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => ({ file: f, text: readFileSync(path.join(WORKFLOWS, f), 'utf8') }));

test('no workflow splices an expression into a script: inputs reach it as environment variables', () => {
  for (const { file, text } of workflows()) {
    const scripts = runScripts(text);
    assert.ok(scripts.some((s) => s.includes('bnlenet')), `${file} runs bnlenet`);
    for (const script of scripts) assert.doesNotMatch(script, /\$\{\{/, `${file}: ${script}`);
  }
});

test('the data step falls back to the public download when the Debian package cannot be installed', async (t) => {
  // A runner where apt-get fails (no such package, a mirror down): a sudo that always fails.
  const bin = tempDir(t);
  writeFileSync(path.join(bin, 'sudo'), '#!/bin/sh\necho "E: Unable to locate package $*" >&2\nexit 100\n', { mode: 0o755 });
  for (const { file, text } of workflows()) {
    for (const script of runScripts(text).filter((s) => s.includes('dataset-fashion-mnist'))) {
      // GitHub runs a step's script with `bash --noprofile --norc -eo pipefail`.
      const { stdout } = await promisify(execFile)('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      assert.match(stdout, /^::warning::.*public locations/m, `${file}: the step warns and goes on`);
    }
  }
});

test("reproduce.yml keeps report.json for CI, and the README's copy of its steps is the file's", () => {
  const text = readFileSync(path.join(WORKFLOWS, 'reproduce.yml'), 'utf8');
  assert.match(text, /^\s+reproduce\/report\.json$/m);
  assert.match(text, /^\s+reproduce\/report\.md$/m);
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const snippet = /reproduce\.yml` is a GitHub Actions job[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(snippet, 'the README shows the steps');
  assert.ok(text.includes(snippet), `the README's steps are not the file's:\n${snippet}`);
});
