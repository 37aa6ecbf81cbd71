/**
 * LeNet as "Dive into Deep Learning" builds it, channels-last for TensorFlow.js. The book's
 * LeNet-BN (7.5):
 *   conv 6@5x5 -> BN -> sigmoid -> avgpool 2/2 -> conv 16@5x5 -> BN -> sigmoid -> avgpool 2/2
 *   -> flatten (256) -> dense 120 -> BN -> sigmoid -> dense 84 -> BN -> sigmoid -> dense 10
 * and the variants of the chapter's exercises (model/run-args.ts): BatchNorm at some positions
 * only or none (the plain LeNet of 6.6), no bias before a BatchNorm, frozen gamma and beta, a
 * lite BatchNorm, dropout after the sigmoids of dense1 and dense2; and the BatchNorm settings
 * (momentum, epsilon, a biased or unbiased moving variance).
 *
 * Layer names are fixed, whatever the variant: conv1, conv2, dense1, dense2 (positions 1..4)
 * and dense3; `bn${P}` for a BatchNorm at position P; `sigmoid${P}` after position P;
 * `dropout${P}` after sigmoid P (3 and 4).
 *
 * Weights are Xavier-uniform (Glorot) and biases zero. Each weight layer's initializer is
 * seeded from the run's seed and the layer's position, so every variant starts from the same
 * kernels under the same seed.
 */
import { initializers, layers, sequential, Sequential } from '@tensorflow/tfjs-layers';
import { IMAGE_COLS, IMAGE_ROWS, NUM_CLASSES } from '../data';
import { BatchNorm, SeededDropout } from './custom-layers';
import { hasBatchNorm, type ModelImpl } from './impls';
import { bookVariant, runArgsProblem, type ModelVariant } from './run-args';
import type { BnPosition } from './variant';

/**
 * A BatchNorm at `position`. Frozen gamma and beta: the layer is not trainable (saved in its
 * config), so the trainer, which trains the model's trainable weights, leaves them at 1 and
 * 0; its moving statistics still follow the batches, as they are not trained but assigned.
 * (tfjs-layers' own center: false, scale: false would do it too, but its training call reads
 * gamma and beta regardless and fails.)
 */
function normalization(variant: ModelVariant, position: BnPosition) {
  const args = { name: `bn${position}`, momentum: variant.bnMomentum, epsilon: variant.bnEps, trainable: !variant.freezeAffine };
  if (variant.impl === 'custom') return new BatchNorm({ ...args, mode: variant.bnMode, runningVariance: variant.bnRunningVar });
  // tfjs-layers' layer keeps a biased moving variance only: runArgsProblem refuses 'unbiased' with it.
  return layers.batchNormalization({ ...args, axis: -1 });
}

/** The network of `variant` (or of the book's LeNet-BN with that impl), initialized from `seed`. */
export function buildLeNet(variant: ModelVariant | ModelImpl, seed: number): Sequential {
  const v = typeof variant === 'string' ? bookVariant(variant) : variant;
  const conflict = runArgsProblem(v);
  if (conflict) throw new RangeError(conflict);
  const withBatchNorm = (position: BnPosition) => v.bnLayers.includes(position);
  let weightLayer = 0;
  const weights = (feeds?: BnPosition) => {
    weightLayer += 1;
    return {
      kernelInitializer: initializers.glorotUniform({ seed: seed * 16 + weightLayer }),
      biasInitializer: initializers.zeros(),
      useBias: !(v.noBias && feeds !== undefined && withBatchNorm(feeds)),
    };
  };
  const model = sequential({ name: hasBatchNorm(v.impl) ? `lenet_bn_${v.impl}` : 'lenet' });
  /** BatchNorm (where the variant has one), sigmoid and, after the dense layers, dropout. */
  const activate = (position: BnPosition) => {
    if (withBatchNorm(position)) model.add(normalization(v, position));
    model.add(layers.activation({ name: `sigmoid${position}`, activation: 'sigmoid' }));
    if (position >= 3 && v.dropout > 0) {
      model.add(new SeededDropout({ name: `dropout${position}`, rate: v.dropout, seed: seed * 16 + position }));
    }
  };
  model.add(layers.conv2d({ name: 'conv1', inputShape: [IMAGE_ROWS, IMAGE_COLS, 1], filters: 6, kernelSize: 5, ...weights(1) }));
  activate(1);
  model.add(layers.averagePooling2d({ name: 'pool1', poolSize: 2, strides: 2 }));
  model.add(layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 5, ...weights(2) }));
  activate(2);
  model.add(layers.averagePooling2d({ name: 'pool2', poolSize: 2, strides: 2 }));
  model.add(layers.flatten({ name: 'flatten' }));
  model.add(layers.dense({ name: 'dense1', units: 120, ...weights(3) }));
  activate(3);
  model.add(layers.dense({ name: 'dense2', units: 84, ...weights(4) }));
  activate(4);
  model.add(layers.dense({ name: 'dense3', units: NUM_CLASSES, ...weights() }));
  return model;
}
