/** A fresh temporary directory per test, removed when the test ends. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';

export function tempDir(t: TestContext, prefix = 'bnlenet-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The names in a directory, sorted, hidden temp files included: what a user would find. */
export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}
