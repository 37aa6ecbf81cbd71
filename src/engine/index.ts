/**
 * The engine layer: backend selection and the kernels the project registers.
 *
 * Importing this module loads no TensorFlow.js code. `selectBackend` loads the requested
 * backend, registers the project's kernels for it and activates it; afterwards the rest of
 * the project uses `import * as tf from '@tensorflow/tfjs-core'` (and tfjs-layers), the same
 * tfjs-core instance the backend registered with (tfjs-node 4.22 depends on tfjs 4.22, which
 * depends on tfjs-core 4.22, so one copy is shared once installed at the same version;
 * selectBackend reports an error when it is not).
 */
export {
  BACKEND_NAMES,
  backendConflict,
  isInstalled,
  missingPackageError,
  planBackend,
  selectBackend,
  TFJS_VERSION,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
} from './backend';
