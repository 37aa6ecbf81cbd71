/**
 * The project's own layer classes. Importing this module registers them with TensorFlow.js's
 * serialization, so that a saved model that uses them loads back (tf.loadLayersModel).
 */
export { BatchNorm } from './batchnorm-layer';
export { SeededDropout } from './dropout-layer';
