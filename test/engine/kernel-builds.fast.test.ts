/**
 * Which build of the project's wasm kernels runs (src/engine/wasm-kernels/builds.ts): the
 * runtime's, BNLENET_WASM_KERNELS's, or the one a resumed run recorded; and what a resume on
 * another build than its run recorded is told. Pure functions: the CLI's own resumes are in
 * test/cli/reliability.test.ts and test/cli/recovery.test.ts.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { UsageError } from '../../src/errors';
import { chooseKernelBuild, hasRelaxedSimd, resumedBuildWarning, type KernelBuild } from '../../src/engine/wasm-kernels/builds';

const FILE = 'runs/a/run.json';
const recorded = (build: KernelBuild) => ({ build, file: FILE });

describe('the choice of build', () => {
  test('relaxed where the runtime has relaxed SIMD, else plain; BNLENET_WASM_KERNELS=plain|relaxed asks for one', () => {
    assert.deepEqual(chooseKernelBuild({}, true), { build: 'relaxed' });
    assert.deepEqual(chooseKernelBuild({}, false), { build: 'plain' });
    assert.deepEqual(chooseKernelBuild({ BNLENET_WASM_KERNELS: 'plain' }, true), { build: 'plain' });
    assert.deepEqual(chooseKernelBuild({ BNLENET_WASM_KERNELS: 'relaxed' }, true), { build: 'relaxed' });
    assert.match((chooseKernelBuild({ BNLENET_WASM_KERNELS: 'relaxed' }, false) as { reason: string }).reason, /no relaxed SIMD/);
  });

  test('a resume takes the build its run recorded: plain where relaxed would run, relaxed where the runtime has it, else plain', () => {
    assert.deepEqual(chooseKernelBuild({}, true, recorded('plain')), { build: 'plain' });
    assert.deepEqual(chooseKernelBuild({}, false, recorded('plain')), { build: 'plain' });
    assert.deepEqual(chooseKernelBuild({}, true, recorded('relaxed')), { build: 'relaxed' });
    // No relaxed SIMD here (Node 20): plain, and the resume warns (below).
    assert.deepEqual(chooseKernelBuild({}, false, recorded('relaxed')), { build: 'plain' });
    // BNLENET_WASM_KERNELS naming the recorded build changes nothing.
    assert.deepEqual(chooseKernelBuild({ BNLENET_WASM_KERNELS: 'plain' }, true, recorded('plain')), { build: 'plain' });
    assert.deepEqual(chooseKernelBuild({ BNLENET_WASM_KERNELS: 'relaxed' }, true, recorded('relaxed')), { build: 'relaxed' });
  });

  test('BNLENET_WASM_KERNELS asking for the other build than the resumed run recorded is a usage error naming both', () => {
    for (const [asked, build] of [['relaxed', 'plain'], ['plain', 'relaxed']] as const) {
      for (const relaxedAvailable of [true, false]) {
        assert.throws(
          () => chooseKernelBuild({ BNLENET_WASM_KERNELS: asked }, relaxedAvailable, recorded(build)),
          (err: unknown) => {
            assert.ok(err instanceof UsageError);
            assert.equal(err.exitCode, 2);
            assert.equal(
              err.message,
              `BNLENET_WASM_KERNELS=${asked} asks for the ${asked} kernel build, but the run being resumed was trained with the ${build} build (${FILE} records it)`,
            );
            assert.match(err.hint ?? '', /^unset BNLENET_WASM_KERNELS/);
            return true;
          },
        );
      }
    }
  });

  test('the runtime probe agrees with the Node version: relaxed SIMD from Node 22 on', () => {
    const major = Number(process.versions.node.split('.')[0]);
    assert.equal(hasRelaxedSimd(), major >= 22);
  });
});

describe('a resume on another build than its run recorded', () => {
  const device = 'cpu (wasm, SIMD, 2 threads)';

  test('says nothing where the builds agree, or where the run records none (run.json from before the record)', () => {
    for (const build of ['plain', 'relaxed'] as const) assert.equal(resumedBuildWarning('runs/a', build, build, device, true), undefined);
    assert.equal(resumedBuildWarning('runs/a', undefined, 'relaxed', device, true), undefined);
    assert.equal(resumedBuildWarning('runs/a', undefined, undefined, 'cpu (JavaScript)', true), undefined);
  });

  test('a relaxed run on a runtime without relaxed SIMD: one line saying it continues on plain and will not be bit-identical', () => {
    assert.equal(
      resumedBuildWarning('runs/a', 'relaxed', 'plain', device, false),
      "runs/a was trained with the relaxed build of the project's wasm kernels, and this runtime has no relaxed SIMD " +
        '(Node 22 and later have it): it continues on the plain build, so its resumed epochs will not be bit-identical to an uninterrupted run',
    );
  });

  test('without the kernels (another backend, or they did not start): names where it runs', () => {
    const warning = resumedBuildWarning('runs/a', 'plain', undefined, 'cpu (JavaScript)', true);
    assert.equal(warning, "runs/a was trained with the plain build of the project's wasm kernels, which do not run here (cpu (JavaScript)): its resumed epochs will not be bit-identical to an uninterrupted run");
  });

  test('on the other build in one process (a set whose runs recorded different builds): says which runs', () => {
    for (const [build, running] of [['plain', 'relaxed'], ['relaxed', 'plain']] as const) {
      const warning = resumedBuildWarning('runs/a', build, running, device, true) ?? '';
      assert.match(warning, new RegExp(`^runs/a was trained with the ${build} build .*, but this process runs the ${running} build .*not be bit-identical`));
      assert.doesNotMatch(warning, /\n/);
    }
  });
});
