/**
 * The threaded wasm build's worker scripts live in a temporary directory per process
 * (src/engine/tfjs-wasm-threads.ts): removed at exit, and, when a process was killed, by the next
 * start. Real processes, a real SIGKILL, in a private temporary directory.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scriptDirsToRemove } from '../../src/engine/tfjs-wasm-threads';

const ENGINE = path.resolve(__dirname, '../../src/engine/index.js');

/** Starts the threaded wasm backend, prints READY, and stays until killed or told to exit. */
const START = `
  const { selectBackend } = require(${JSON.stringify(ENGINE)});
  selectBackend({ backend: 'wasm', gpu: false }).then((info) => {
    console.log('READY ' + info.device);
    if (process.env.EXIT_AT_ONCE) process.exit(0);
    setInterval(() => {}, 1000);
  });`;

const scriptDirs = (dir: string) => fs.readdirSync(dir).filter((name) => name.startsWith('bnlenet-wasm-')).sort();

describe('the worker scripts of the threaded wasm build', () => {
  test('a killed process leaves its directory; the next start removes it, and its own at exit', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bnlenet-test-tmp-'));
    const env = { ...process.env, TMPDIR: tmp, BNLENET_WASM_THREADS: '2' };
    try {
      const child = spawn(process.execPath, ['-e', START], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('READY')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`the child exited (${code}) before it was ready`)));
      });
      const left = scriptDirs(tmp);
      assert.deepEqual(left, [`bnlenet-wasm-${child.pid}-${left[0]?.slice(-6)}`], 'one directory, named after its process');
      const gone = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await gone;
      assert.deepEqual(scriptDirs(tmp), left, 'SIGKILL leaves the directory behind');

      const next = spawnSync(process.execPath, ['-e', START], { env: { ...env, EXIT_AT_ONCE: '1' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(next.status, 0, next.stderr);
      assert.match(next.stdout, /READY cpu \(wasm, (relaxed )?SIMD, 2 threads\)/);
      assert.deepEqual(scriptDirs(tmp), [], "the stale directory and the new process's own are both gone");
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
  test('a directory whose process runs is kept; one without a process in its name, only when a day old', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bnlenet-test-tmp-'));
    try {
      const mine = path.join(tmp, `bnlenet-wasm-${process.pid}-aaaaaa`);
      const parent = path.join(tmp, `bnlenet-wasm-${process.ppid}-bbbbbb`);
      const legacy = path.join(tmp, 'bnlenet-wasm-cccccc');
      for (const dir of [mine, parent, legacy]) fs.mkdirSync(dir);
      const now = Date.now();
      assert.deepEqual(scriptDirsToRemove(tmp, now), []);
      assert.deepEqual(scriptDirsToRemove(tmp, now + 25 * 3600 * 1000), [legacy]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
