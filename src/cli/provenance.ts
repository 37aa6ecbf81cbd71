/**
 * Where and with what a command ran, for reports that CI keeps: the command line, versions,
 * the git commit of the checkout bnlenet runs from (when it is one), the machine, the backend.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendInfo } from '../engine/backend';
import type { Provenance } from '../report/reproduce-report';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
/** bnlenet's version, from its package.json: what --version prints and reports record. */
export const VERSION: string = (require(path.join(PACKAGE_ROOT, 'package.json')) as { version: string }).version;

/** The commit of the checkout at PACKAGE_ROOT; undefined outside a git checkout or without git. */
function gitCommit(): string | undefined {
  if (!existsSync(path.join(PACKAGE_ROOT, '.git'))) return undefined;
  try {
    const commit = execFileSync('git', ['-C', PACKAGE_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^[0-9a-f]{40}$/.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** A word as a shell would need it quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function provenance(backend: BackendInfo, argv: readonly string[] = process.argv.slice(2)): Provenance {
  const commit = gitCommit();
  return {
    command: ['bnlenet', ...argv.map(shellWord)],
    versions: { bnlenet: VERSION, ...backend.packages, node: process.version },
    ...(commit ? { gitCommit: commit } : {}),
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    },
    backend: { name: backend.name, device: backend.device },
  };
}
