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
