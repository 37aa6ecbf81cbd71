/**
 * The project's WebAssembly kernels as built artefacts and as threads: the committed modules
 * are what wasm/kernels.c builds to, they carry nothing that would write over TensorFlow.js's
 * heap, their results are the same bytes on one thread and on two, and without them the tool
 * says so in one line and trains on its previous kernels. (Their values against the cpu
 * backend are checked with every kernel that uses them: kernels.fast.test.ts, moments.fast.test.ts,
 * batch-norm-training.fast.test.ts; which build runs: kernel-builds.fast.test.ts.)
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasRelaxedSimd, KERNEL_BUILDS, KERNEL_NAMES, MODULE_FILES, sectionIds, WASM_DIR, type KernelBuild } from '../../src/engine/wasm-kernels';

const ENGINE = path.resolve(__dirname, '../../src/engine/index.js');

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

describe('the committed wasm modules', () => {
  test('are what wasm/build.sh builds from wasm/kernels.c, byte for byte', (t) => {
    if (!hasTool('clang-16') || !hasTool('wasm-ld-16')) {
      // CI installs the compiler (setup.sh --all): there the committed bytes must be checked.
      if (process.env.CI) assert.fail('CI is set, but clang-16 or wasm-ld-16 is missing: bash scripts/setup.sh --wasm installs them');
      return t.skip('clang-16 and wasm-ld-16 are not installed (bash scripts/setup.sh --wasm installs them)');
    }
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bnlenet-wasm-build-'));
    try {
      execFileSync('bash', [path.join(WASM_DIR, 'build.sh'), out], { stdio: 'pipe' });
      const files = KERNEL_BUILDS.flatMap((build) => Object.values(MODULE_FILES[build]));
      assert.equal(files.length, 4);
      for (const file of files) {
        const rebuilt = fs.readFileSync(path.join(out, file));
        const committed = fs.readFileSync(path.join(WASM_DIR, file));
        assert.ok(rebuilt.equals(committed), `${file} differs from its rebuild: run bash wasm/build.sh and commit it`);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
  for (const build of KERNEL_BUILDS) {
    for (const [variant, file] of Object.entries(MODULE_FILES[build])) {
      test(`${file}: imports only the ${variant} memory, exports the kernels, has no data`, () => {
        const bytes = fs.readFileSync(path.join(WASM_DIR, file));
        // f32x4.relaxed_madd is 0xfd 0x85 0x02: the relaxed build has it, the plain one must not.
        assert.equal(Buffer.from(bytes).includes(Buffer.from([0xfd, 0x85, 0x02])), build === 'relaxed');
        if (build === 'relaxed' && !hasRelaxedSimd()) return; // this runtime cannot compile it
        const module = new WebAssembly.Module(bytes);
        assert.deepEqual(
          WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`),
          ['env.memory:memory'],
        );
        const exports = WebAssembly.Module.exports(module).map((e) => e.name).sort();
        assert.deepEqual(exports, [...KERNEL_NAMES].sort());
        assert.ok(!sectionIds(bytes).includes(11), 'a data section would be written over tfjs heap');
        // Shared memory is flag 0x03 in the import's limits (max given, shared); 0x01 otherwise.
        const memoryImport = Buffer.from(bytes).indexOf(Buffer.from('memory'));
        assert.equal(bytes[memoryImport + 'memory'.length + 1], variant === 'shared' ? 0x03 : 0x01);
      });
    }
  }
});

/**
 * Runs LeNet-shaped kernels in a child with BNLENET_WASM_THREADS=threads and prints the
 * device and, per kernel, a SHA-256 of its output bytes.
 */
function kernelDigests(threads: number, build: KernelBuild): string {
  const script = `
    const crypto = require('node:crypto');
    const { selectBackend } = require(${JSON.stringify(ENGINE)});
    selectBackend({ backend: 'wasm', gpu: false }).then((info) => {
      const tf = require('@tensorflow/tfjs-core');
      require('@tensorflow/tfjs-layers');
      const r = (shape, seed) => tf.randomUniform(shape, -1, 1, 'float32', seed);
      const x1 = r([256, 28, 28, 1], 1), w1 = r([5, 5, 1, 6], 2), b1 = r([6], 3), dy1 = r([256, 24, 24, 6], 4);
      const x2 = r([257, 12, 12, 6], 5), w2 = r([5, 5, 6, 16], 6), dy2 = r([257, 8, 8, 16], 7);
      const run = (name, inputs, attrs) => tf.engine().runKernel(name, inputs, attrs);
      const outputs = {
        conv: tf.fused.conv2d({ x: x1, filter: w1, bias: b1, strides: 1, pad: 'valid' }),
        filterGrad1: run('Conv2DBackpropFilter', { x: x1, dy: dy1 }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 1, 6] }),
        filterGrad2: run('Conv2DBackpropFilter', { x: x2, dy: dy2 }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 6, 16] }),
        inputGrad: run('Conv2DBackpropInput', { dy: dy2, filter: w2 }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [257, 12, 12, 6] }),
        sum: tf.sum(dy1, [0, 1, 2]),
        moments: tf.concat(Object.values(tf.moments(x2, [0, 1, 2]))),
        batchNormGrad: tf.grad((x) => tf.sum(tf.mul(tf.batchNorm(x, ...Object.values(tf.moments(x, [0, 1, 2])), b1, tf.add(b1, 2), 1e-5), dy1)))(dy1),
      };
      const digest = (t) => crypto.createHash('sha256').update(Buffer.from(t.dataSync().buffer)).digest('hex');
      console.log(info.device);
      for (const [name, t] of Object.entries(outputs)) console.log(name + ' ' + digest(t));
    });`;
  return execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, BNLENET_WASM_THREADS: String(threads), BNLENET_WASM_KERNELS: build },
    timeout: 120_000,
  });
}

/** The builds this runtime runs: both from Node 22 on, the plain one before. */
const runnableBuilds = KERNEL_BUILDS.filter((build) => build === 'plain' || hasRelaxedSimd());

describe('the wasm kernels on one thread and on two', () => {
  for (const build of runnableBuilds) {
    test(`give the same bytes (LeNet shapes, batches 256 and 257), ${build} build`, () => {
      const [one, two] = [1, 2].map((threads) => kernelDigests(threads, build));
      const [device1, ...digests1] = one.trim().split('\n');
      const [device2, ...digests2] = two.trim().split('\n');
      const simd = build === 'relaxed' ? 'relaxed SIMD' : 'SIMD';
      assert.equal(device1, `cpu (wasm, ${simd}, 1 thread)`);
      assert.equal(device2, `cpu (wasm, ${simd}, 2 threads)`);
      assert.equal(digests1.length, 7);
      assert.deepEqual(digests2, digests1);
    });
  }
});

describe('without the wasm kernels', () => {
  test('one line says so, and the kernels still compute', () => {
    const script = `
      const { selectBackend } = require(${JSON.stringify(ENGINE)});
      selectBackend({ backend: 'wasm', gpu: false }).then((info) => {
        const tf = require('@tensorflow/tfjs-core');
        const y = tf.fused.conv2d({ x: tf.ones([2, 8, 8, 3]), filter: tf.ones([3, 3, 3, 4]), strides: 1, pad: 'valid' });
        console.log(info.device + ' ' + tf.sum(y).dataSync()[0]);
      });`;
    const result = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, BNLENET_WASM_KERNELS: '0' },
      timeout: 60_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout.trim(), /^cpu \(wasm, SIMD, \d threads?\) 7776$/); // tfjs's SIMD: the project's kernels are off
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /^bnlenet: the project's wasm kernels are not used \(turned off by BNLENET_WASM_KERNELS=0\)/);
  });
});
