/**
 * LeNet with batch normalization exactly as "Dive into Deep Learning" 7.5 builds it,
 * channels-last for TensorFlow.js:
 *   conv 6@5x5 -> BN -> sigmoid -> avgpool 2/2 -> conv 16@5x5 -> BN -> sigmoid -> avgpool 2/2
 *   -> flatten (256) -> dense 120 -> BN -> sigmoid -> dense 84 -> BN -> sigmoid -> dense 10
 * Weights are Xavier-uniform (Glorot) and biases zero. Each weight layer's initializer is
 * seeded from the run's seed and the layer's position, so both BatchNorm variants start from
 * the same weights under the same seed.
 */
import { initializers, layers, sequential, Sequential } from '@tensorflow/tfjs-layers';
import { IMAGE_COLS, IMAGE_ROWS, NUM_CLASSES } from '../data';
import { BatchNorm } from './batchnorm-layer';
import { BOOK_EPSILON, BOOK_MOMENTUM } from './batchnorm-math';
import type { BatchNormImpl } from './impls';

function normalization(impl: BatchNormImpl, name: string) {
  const args = { name, momentum: BOOK_MOMENTUM, epsilon: BOOK_EPSILON };
  return impl === 'custom' ? new BatchNorm(args) : layers.batchNormalization({ ...args, axis: -1 });
}

export function buildLeNet(impl: BatchNormImpl, seed: number): Sequential {
  let weightLayer = 0;
  const weights = () => {
    weightLayer += 1;
    return {
      kernelInitializer: initializers.glorotUniform({ seed: seed * 16 + weightLayer }),
      biasInitializer: initializers.zeros(),
    };
  };
  const model = sequential({ name: `lenet_bn_${impl}` });
  model.add(layers.conv2d({ name: 'conv1', inputShape: [IMAGE_ROWS, IMAGE_COLS, 1], filters: 6, kernelSize: 5, ...weights() }));
  model.add(normalization(impl, 'bn1'));
  model.add(layers.activation({ name: 'sigmoid1', activation: 'sigmoid' }));
  model.add(layers.averagePooling2d({ name: 'pool1', poolSize: 2, strides: 2 }));
  model.add(layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 5, ...weights() }));
  model.add(normalization(impl, 'bn2'));
  model.add(layers.activation({ name: 'sigmoid2', activation: 'sigmoid' }));
  model.add(layers.averagePooling2d({ name: 'pool2', poolSize: 2, strides: 2 }));
  model.add(layers.flatten({ name: 'flatten' }));
  model.add(layers.dense({ name: 'dense1', units: 120, ...weights() }));
  model.add(normalization(impl, 'bn3'));
  model.add(layers.activation({ name: 'sigmoid3', activation: 'sigmoid' }));
  model.add(layers.dense({ name: 'dense2', units: 84, ...weights() }));
  model.add(normalization(impl, 'bn4'));
  model.add(layers.activation({ name: 'sigmoid4', activation: 'sigmoid' }));
  model.add(layers.dense({ name: 'dense3', units: NUM_CLASSES, ...weights() }));
  return model;
}
