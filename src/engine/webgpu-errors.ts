/**
 * What the WebGPU route needs, and the one-line errors when it is missing: the packages (pinned
 * in package.json's optional peer dependencies, the one place their versions are spelled), a
 * usable adapter, and for --gpu a hardware one.
 */
import { BnlenetError } from '../errors';
import { peerInstallCommand } from './peer-install';
import { adapterName, DAWN_PKG, type AdapterDescription, type AdapterProbe } from './webgpu-adapter';

export const WEBGPU_BACKEND_PKG = '@tensorflow/tfjs-backend-webgpu';
export const WEBGPU_PACKAGES = [WEBGPU_BACKEND_PKG, DAWN_PKG] as const;

/** `npm install` for the WebGPU packages at the versions package.json pins. */
export function webgpuInstallCommand(): string {
  return peerInstallCommand(WEBGPU_PACKAGES);
}

const SETUP = '`bash scripts/setup.sh --webgpu` (Debian; also installs a software Vulkan driver where there is no GPU)';

export function missingWebgpuPackagesError(missing: readonly string[]): BnlenetError {
  const what = missing.length === 1 ? `${missing[0]} is not installed` : `${missing.join(' and ')} are not installed`;
  return new BnlenetError(
    `--backend webgpu: ${what}; install with \`${webgpuInstallCommand()}\` or ${SETUP}, ` +
      'or run without it with `--backend wasm`',
  );
}

/** What to install so that Dawn finds an adapter, on this platform. */
function driverAdvice(): string {
  if (process.platform === 'darwin') return 'Dawn uses Metal (macOS 11 or newer)';
  if (process.platform === 'win32') return 'Dawn uses Direct3D 12: update the GPU driver';
  return (
    "install your GPU's Vulkan driver (NVIDIA's driver, or Mesa's radv/anv for AMD/Intel), or on a machine " +
    "without a GPU Mesa 25's software driver lavapipe (Debian 12's Mesa 22 is refused): " +
    '`bash scripts/setup.sh --webgpu` installs it from bookworm-backports'
  );
}

function reason(probe: AdapterProbe): string {
  return probe.messages.length > 0 ? probe.messages.join('; ') : 'Dawn gave no reason';
}

export function noAdapterError(probe: AdapterProbe): BnlenetError {
  return new BnlenetError(
    `--backend webgpu: Dawn found no WebGPU adapter (${reason(probe)}); ${driverAdvice()}; ` +
      'or run without it with `--backend wasm`',
  );
}

export function backendStartError(adapter: AdapterDescription, cause: string): BnlenetError {
  return new BnlenetError(
    `--backend webgpu: TensorFlow.js's WebGPU backend failed to start on ${adapterName(adapter)} (${cause}); ` +
      'run without it with `--backend wasm`',
  );
}

/** The WebGPU route's state, as --gpu's error tells it. */
export type WebgpuState =
  | { kind: 'missing'; packages: readonly string[] }
  | { kind: 'no-adapter'; probe: AdapterProbe }
  | { kind: 'software'; adapter: AdapterDescription };

function webgpuState(state: WebgpuState): string {
  switch (state.kind) {
    case 'missing':
      return `WebGPU needs ${state.packages.join(' and ')} (\`${webgpuInstallCommand()}\`) and a GPU with a Vulkan, Metal or Direct3D 12 driver`;
    case 'no-adapter':
      return `WebGPU found no adapter (${reason(state.probe)})`;
    case 'software':
      return `WebGPU found only a software adapter (${adapterName(state.adapter)}), which is not a GPU`;
  }
}

/**
 * --gpu with no GPU to train on. `cuda` names the CUDA route too (plain --gpu tries it first);
 * `--gpu --backend webgpu` asked for WebGPU alone.
 */
export function noGpuError(state: WebgpuState, cuda: { pkg: string } | undefined): BnlenetError {
  const routes = cuda
    ? `CUDA needs ${cuda.pkg}, which is not installed (\`${peerInstallCommand([cuda.pkg])}\`; Linux x86_64, ` +
      `an NVIDIA GPU, CUDA 11.2, cuDNN 8.1); ${webgpuState(state)}`
    : webgpuState(state);
  const next =
    state.kind === 'software'
      ? 'train on it anyway with `--backend webgpu` (without --gpu)'
      : '`--backend webgpu` also trains on a software adapter (`bash scripts/setup.sh --webgpu` installs one)';
  return new BnlenetError(`--gpu: no GPU to train on: ${routes}; ${next}, or train on the CPU with \`--backend wasm\``);
}
