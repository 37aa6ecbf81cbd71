/**
 * Which build of the project's wasm kernels runs: plain SIMD128, or relaxed SIMD. Their results
 * differ in the last bits, so the build is chosen once, when the kernels start, and a run
 * records the one that trained it (run.json's "kernels"): a resume starts that build again and
 * continues bit for bit, or says in one line why it cannot.
 *
 * Pure functions and constants, no TensorFlow.js and no module loading: run.json's check
 * (train/run-record.ts) reads KERNEL_BUILDS from here.
 */
import { UsageError } from '../../errors';

/**
 * The two builds of the kernels (wasm/build.sh): plain SIMD128, and relaxed SIMD, whose
 * multiply-adds are f32x4.relaxed_madd (one fused multiply-add on a CPU with FMA). Their
 * results differ in the last bits; each is deterministic on one CPU and runtime.
 */
export const KERNEL_BUILDS = ['plain', 'relaxed'] as const;
export type KernelBuild = (typeof KERNEL_BUILDS)[number];

export function isKernelBuild(value: unknown): value is KernelBuild {
  return (KERNEL_BUILDS as readonly unknown[]).includes(value);
}

/** The build a resumed run was trained with, and the run.json that says so (for messages). */
export interface RecordedBuild {
  build: KernelBuild;
  file: string;
}

/**
 * A module with one function that executes f32x4.relaxed_madd (opcode 0xfd 0x85 0x02):
 * WebAssembly.validate accepts it where the runtime has relaxed SIMD (Node 22 and later), so
 * the build is chosen by what the runtime has, never by forcing a V8 flag.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x10, 0x01, 0x0e, 0x01, 0x01, 0x7b, // code: one local v128
  0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02, 0x1a, 0x0b, // relaxed_madd(l, l, l); drop; end
]);

/** Whether this runtime runs relaxed SIMD. */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/**
 * The build to load. A resumed run's recorded build comes first, so that it continues bit for
 * bit: plain wherever it was plain, relaxed where the runtime has it (where it has not, plain,
 * and the resume warns: resumedBuildWarning). BNLENET_WASM_KERNELS=plain or =relaxed asks for
 * one (relaxed only where the runtime has it); asking for the other build than a resumed run
 * recorded is refused rather than followed or ignored, as either would surprise someone. With
 * neither: relaxed where the runtime has it, else plain.
 */
export function chooseKernelBuild(
  env: NodeJS.ProcessEnv = process.env,
  relaxedAvailable = hasRelaxedSimd(),
  recorded?: RecordedBuild,
): { build: KernelBuild } | { reason: string } {
  const asked = env.BNLENET_WASM_KERNELS;
  if (recorded && isKernelBuild(asked) && asked !== recorded.build) {
    throw new UsageError(
      `BNLENET_WASM_KERNELS=${asked} asks for the ${asked} kernel build, but the run being resumed was trained with the ${recorded.build} build (${recorded.file} records it)`,
      `unset BNLENET_WASM_KERNELS: a resume takes the build its run recorded, to continue it bit for bit`,
    );
  }
  if (asked === 'plain' || recorded?.build === 'plain') return { build: 'plain' };
  if (asked === 'relaxed') {
    return relaxedAvailable ? { build: 'relaxed' } : { reason: 'BNLENET_WASM_KERNELS=relaxed, but this JavaScript engine has no relaxed SIMD (Node 22 and later have it)' };
  }
  return { build: relaxedAvailable ? 'relaxed' : 'plain' };
}

/**
 * The warning for resuming the run in `runDir`, recorded as trained with `recorded`, on
 * `running` (undefined: the project's wasm kernels do not run, e.g. another backend, on
 * `device`): its further epochs will not be the bits an uninterrupted run would have. Undefined
 * when the builds agree, or when the run records none (a run.json from before the record, or a
 * run not trained on these kernels: nothing to compare).
 */
export function resumedBuildWarning(
  runDir: string,
  recorded: KernelBuild | undefined,
  running: KernelBuild | undefined,
  device: string,
  relaxedAvailable = hasRelaxedSimd(),
): string | undefined {
  if (recorded === undefined || recorded === running) return undefined;
  const trained = `${runDir} was trained with the ${recorded} build of the project's wasm kernels`;
  const differs = 'its resumed epochs will not be bit-identical to an uninterrupted run';
  if (running === undefined) return `${trained}, which do not run here (${device}): ${differs}`;
  if (recorded === 'relaxed' && !relaxedAvailable) {
    return `${trained}, and this runtime has no relaxed SIMD (Node 22 and later have it): it continues on the plain build, so ${differs}`;
  }
  // Only a set whose runs recorded different builds comes here (or a test that trains in-process).
  return `${trained}, but this process runs the ${running} build (one build a process: a set continues on the build its first run recorded): ${differs}`;
}
