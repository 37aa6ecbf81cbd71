/**
 * TensorFlow.js's WebGPU backend under Node, through Dawn's bindings (npm `webgpu`): Vulkan on
 * Linux, Metal on macOS, Direct3D 12 on Windows. Both packages are optional and loaded only here.
 *
 * The backend package registers itself only if `navigator.gpu` exists when it loads, so Dawn's
 * GPU object is put there first. The adapter is probed beforehand in a child process (see
 * webgpu-adapter.ts) so that a machine without one gets a one-line error with Dawn's reason.
 * No project kernel is registered for 'webgpu': it runs TensorFlow.js's own kernels.
 */
import { BnlenetError } from '../errors';
import { adapterName, loadDawn, probeAdapter, type AdapterDescription } from './webgpu-adapter';
import {
  backendStartError,
  missingWebgpuPackagesError,
  noAdapterError,
  noGpuError,
  WEBGPU_PACKAGES,
  WEBGPU_BACKEND_PKG,
  type WebgpuState,
} from './webgpu-errors';

type Tf = typeof import('@tensorflow/tfjs-core');

export interface WebgpuRoute {
  /** --gpu: a hardware adapter only; a software (fallback) adapter is refused. */
  gpu: boolean;
  /** --gpu's error also names the CUDA route (tried first, absent): this package. */
  cuda?: { pkg: string };
}

/** The adapter Dawn offered, once the stack is loaded in this process. */
let loaded: AdapterDescription | undefined;

/** What the device line says: the adapter, marked when it is a software one. */
export function webgpuDevice(adapter: AdapterDescription): string {
  return `webgpu (${adapterName(adapter)}${adapter.isFallbackAdapter ? ', software fallback adapter' : ''})`;
}

/** The error for a route that cannot run: --gpu's names every route it tried. */
function refusal(route: WebgpuRoute, state: WebgpuState): BnlenetError {
  if (route.gpu || state.kind === 'software') return noGpuError(state, route.cuda);
  return state.kind === 'missing' ? missingWebgpuPackagesError(state.packages) : noAdapterError(state.probe);
}

/** Puts Dawn's GPU object at navigator.gpu, and its WebGPU constants (GPUBufferUsage, ...) on
 * the global object, as in a browser. Node 21+ has a navigator of its own; Node 20 has none. */
async function provideNavigatorGpu(): Promise<void> {
  const dawn = await loadDawn();
  const global = globalThis as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in global)) global[name] = value;
  const gpu = dawn.create([]);
  const navigator = global.navigator as object | undefined;
  if (navigator) Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  else global.navigator = { gpu };
}

async function findAdapter(route: WebgpuRoute): Promise<AdapterDescription> {
  const probe = await probeAdapter();
  if (!probe.adapter) throw refusal(route, { kind: 'no-adapter', probe });
  return probe.adapter;
}

async function startBackend(tf: Tf, adapter: AdapterDescription): Promise<void> {
  if (await tf.setBackend('webgpu')) return;
  // In production mode tfjs logs nothing about the failure: ask the factory for its error.
  const factory = tf.findBackendFactory('webgpu');
  const cause = await Promise.resolve()
    .then(() => factory?.())
    .then(
      () => 'no error given',
      (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!,
    );
  throw backendStartError(adapter, cause);
}

/**
 * Loads what the WebGPU backend needs, without activating it: checks the packages, finds the
 * adapter, puts Dawn at navigator.gpu and loads TensorFlow.js's WebGPU backend, which registers
 * its kernels. Refuses, with one line saying what to install, when a package or an adapter is
 * missing, or for --gpu when the only adapter is a software one. Safe to call again.
 */
export async function loadWebgpu(
  tf: Tf,
  route: WebgpuRoute,
  installed: (pkg: string) => boolean,
  packages: Record<string, string>,
): Promise<AdapterDescription> {
  const missing = WEBGPU_PACKAGES.filter((p) => !installed(p));
  if (missing.length > 0) throw refusal(route, { kind: 'missing', packages: missing });
  for (const pkg of WEBGPU_PACKAGES) packages[pkg] = (require(`${pkg}/package.json`) as { version: string }).version;
  const adapter = loaded ?? (await findAdapter(route));
  if (route.gpu && adapter.isFallbackAdapter) throw refusal(route, { kind: 'software', adapter });
  if (!loaded) {
    await provideNavigatorGpu();
    loaded = adapter;
  }
  require(WEBGPU_BACKEND_PKG);
  if (tf.findBackendFactory('webgpu') == null) {
    throw new BnlenetError(
      `--backend webgpu: ${WEBGPU_BACKEND_PKG} registered no backend with bnlenet's copy of @tensorflow/tfjs-core ` +
        `(${tf.version_core}); install the version package.json pins, then \`npm dedupe\``,
    );
  }
  return adapter;
}

/** Loads (see loadWebgpu) and activates the WebGPU backend; returns the device line. */
export async function activateWebgpu(...args: Parameters<typeof loadWebgpu>): Promise<string> {
  const adapter = await loadWebgpu(...args);
  await startBackend(args[0], adapter);
  return webgpuDevice(adapter);
}
