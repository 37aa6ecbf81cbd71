/** Backend selection: plans, errors for missing optional packages, and what wasm reports. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { BnlenetError, UsageError } from '../../src/errors';
import {
  backendConflict,
  isInstalled,
  missingPackageError,
  planBackend,
  selectBackend,
} from '../../src/engine';
import { wasmThreads } from '../../src/engine/backend';
import { coreCount } from '../../src/engine/tfjs-wasm-threads';

const none = (): boolean => false;
const only =
  (...pkgs: string[]) =>
  (pkg: string): boolean =>
    pkgs.includes(pkg);

describe('planBackend', () => {
  test('auto is wasm when no tfjs-node package is installed', () => {
    assert.equal(planBackend({ backend: 'auto', gpu: false }, none), 'wasm');
  });
  test('auto prefers tfjs-node, then tfjs-node-gpu, when installed', () => {
    assert.equal(planBackend({ backend: 'auto', gpu: false }, only('@tensorflow/tfjs-node')), 'tensorflow');
    assert.equal(planBackend({ backend: 'auto', gpu: false }, only('@tensorflow/tfjs-node-gpu')), 'tensorflow-gpu');
  });
  test('--gpu is CUDA when tfjs-node-gpu is installed, else WebGPU on a hardware adapter', () => {
    assert.equal(planBackend({ backend: 'auto', gpu: true }, only('@tensorflow/tfjs-node-gpu')), 'tensorflow-gpu');
    assert.equal(planBackend({ backend: 'auto', gpu: true }, none), 'webgpu-gpu');
  });
  test('--gpu with --backend tensorflow or webgpu takes that route only', () => {
    assert.equal(planBackend({ backend: 'tensorflow', gpu: true }, none), 'tensorflow-gpu');
    assert.equal(planBackend({ backend: 'webgpu', gpu: true }, only('@tensorflow/tfjs-node-gpu')), 'webgpu-gpu');
  });
  test('explicit backends are taken as asked', () => {
    assert.equal(planBackend({ backend: 'tensorflow', gpu: false }, none), 'tensorflow');
    assert.equal(planBackend({ backend: 'webgpu', gpu: false }, only('@tensorflow/tfjs-node-gpu')), 'webgpu');
    assert.equal(planBackend({ backend: 'wasm', gpu: false }, only('@tensorflow/tfjs-node')), 'wasm');
    assert.equal(planBackend({ backend: 'cpu', gpu: false }, none), 'cpu');
  });
  test('--gpu with wasm or cpu is a usage error', () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      assert.match(backendConflict({ backend, gpu: true }) ?? '', /--gpu .*--backend/);
      assert.throws(() => planBackend({ backend, gpu: true }, none), UsageError);
    }
    assert.equal(backendConflict({ backend: 'auto', gpu: true }), undefined);
  });
});

describe('missing tfjs-node packages', () => {
  test('the gpu error names the package, CUDA/cuDNN, the install command and --backend wasm', () => {
    const err = missingPackageError(true);
    assert.ok(err instanceof BnlenetError);
    assert.equal(err.exitCode, 1);
    assert.match(err.message, /@tensorflow\/tfjs-node-gpu/);
    assert.match(err.hint ?? '', /CUDA 11\.2/);
    assert.match(err.hint ?? '', /cuDNN 8\.1/);
    assert.match(err.hint ?? '', /npm install --no-save --save-peer @tensorflow\/tfjs-node-gpu@4\.22\.0/);
    assert.match(err.hint ?? '', /--backend wasm/);
  });
  test('the cpu error names tfjs-node', () => {
    const err = missingPackageError(false);
    assert.match(err.message, /@tensorflow\/tfjs-node is not installed/);
    assert.match(err.hint ?? '', /npm install --no-save --save-peer @tensorflow\/tfjs-node@4\.22\.0/);
  });
  test('selectBackend rejects with that error when the package is absent', async (t) => {
    if (isInstalled('@tensorflow/tfjs-node-gpu')) return t.skip('tfjs-node-gpu is installed here');
    await assert.rejects(selectBackend({ backend: 'auto', gpu: true }), (err: unknown) => {
      assert.ok(err instanceof BnlenetError);
      assert.equal(err.exitCode, 1);
      assert.match(err.message, /tfjs-node-gpu/);
      return true;
    });
  });
});

describe('selectBackend', () => {
  test('wasm: name, device and package versions', async () => {
    const info = await selectBackend({ backend: 'wasm', gpu: false });
    assert.equal(info.name, 'wasm');
    assert.match(info.device, /^cpu \(wasm, (relaxed )?SIMD, \d+ threads?\)$/); // relaxed: the project's kernels' relaxed SIMD build (Node 22+)
    assert.equal(info.packages['@tensorflow/tfjs-core'], '4.22.0');
    assert.equal(info.packages['@tensorflow/tfjs-backend-wasm'], '4.22.0');
    const tf = await import('@tensorflow/tfjs-core');
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'project kernels registered');
  });
  test('leaves no process-wide error listeners behind (exit codes stay the CLI\'s)', () => {
    const engine = path.resolve(__dirname, '../../src/engine/index.js');
    const script = `
      const { selectBackend } = require(${JSON.stringify(engine)});
      selectBackend({ backend: 'wasm', gpu: false }).then(() => {
        console.log(process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection'));
        setTimeout(() => { throw new Error('boom'); }, 0);
      });`;
    try {
      execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: 'pipe' });
      assert.fail('the child should have failed');
    } catch (err) {
      const e = err as { status: number; stdout: string };
      assert.equal(e.stdout.trim(), '0');
      assert.equal(e.status, 1, 'an uncaught error exits 1, as Node does, not 7');
    }
  });
  test('cpu, then back to wasm', async () => {
    const cpu = await selectBackend({ backend: 'cpu', gpu: false });
    assert.equal(cpu.name, 'cpu');
    assert.equal(cpu.packages['@tensorflow/tfjs-backend-cpu'], '4.22.0');
    const wasm = await selectBackend({ backend: 'wasm', gpu: false });
    assert.equal(wasm.name, 'wasm');
  });
  test('wasm threads: request, else BNLENET_WASM_THREADS, else one per core', () => {
    assert.equal(wasmThreads(3, {}), 3);
    assert.equal(wasmThreads(undefined, { BNLENET_WASM_THREADS: '1' }), 1);
    assert.equal(wasmThreads(undefined, { BNLENET_WASM_THREADS: 'x' }), coreCount());
    assert.equal(wasmThreads(undefined, {}), coreCount());
  });
  test('threaded wasm starts under Node, computes, and lets the process exit', () => {
    const engine = path.resolve(__dirname, '../../src/engine/index.js');
    const script = `
      const { selectBackend } = require(${JSON.stringify(engine)});
      selectBackend({ backend: 'wasm', gpu: false }).then((info) => {
        const tf = require('@tensorflow/tfjs-core');
        const y = tf.conv2d(tf.ones([2, 8, 8, 3]), tf.ones([3, 3, 3, 4]), 1, 'valid');
        console.log(info.device + ' ' + tf.sum(y).dataSync()[0]);
      });`;
    for (const threads of ['1', '2']) {
      const out = execFileSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        env: { ...process.env, BNLENET_WASM_THREADS: threads },
        timeout: 20000,
      }).trim();
      const plural = threads === '1' ? 'thread' : 'threads';
      assert.match(out, new RegExp(`^cpu \\(wasm, (relaxed )?SIMD, ${threads} ${plural}\\) ${2 * 6 * 6 * 4 * 27}$`));
    }
  });
  test('threaded wasm starts only the threads it runs: one pthread beside the kernels\' helper, not a pool of 8', { skip: process.platform !== 'linux' && 'counts threads in /proc' }, () => {
    const engine = path.resolve(__dirname, '../../src/engine/index.js');
    const script = `
      const { selectBackend } = require(${JSON.stringify(engine)});
      selectBackend({ backend: 'wasm', gpu: false }).then((info) => {
        console.log(info.device + ' ' + require('fs').readdirSync('/proc/self/task').length);
      });`;
    const tasks = (threads: string): number => {
      const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, BNLENET_WASM_THREADS: threads }, timeout: 20000 }).trim();
      assert.match(out, new RegExp(`${threads} threads?\\) \\d+$`));
      return Number(out.split(' ').pop());
    };
    // Two threads: XNNPACK's one pthread and the project kernels' one helper (each a Node
    // thread); Emscripten's other 7 pooled workers would be 7 more.
    assert.equal(tasks('2') - tasks('1'), 2);
  });
  test('importing the engine loads no TensorFlow.js module', () => {
    const engine = path.resolve(__dirname, '../../src/engine/index.js');
    const script =
      `require(${JSON.stringify(engine)});` +
      "console.log(Object.keys(require.cache).filter((k) => k.includes('@tensorflow')).length)";
    assert.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim(), '0');
  });
});
