/**
 * A forward pass that sees the network as a training step does, BatchNorm normalizing with the
 * statistics of the batch itself, without changing the model: what the activation probe and
 * the recomputation of BatchNorm statistics ("precise BatchNorm") both need.
 *
 * Layers are found by the names every LeNet variant uses (see model/lenet.ts): the weight
 * layers conv1, conv2, dense1, dense2 are positions 1 to 4; the BatchNorm at position P, where
 * there is one, is `bn${P}`. Its input is the output of the weight layer at P.
 *
 * BatchNorm layers run with `training: true`, every other layer with `training: false`, so
 * dropout (a variant's option) draws no random mask: the probe then measures the same batch
 * through the same function at every epoch, and only the weights differ. A BatchNorm in
 * training mode also moves its moving averages; they are put back exactly as they were (the
 * same tensors), so neither the run nor its checkpoint can tell that a probe ran.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { BN_POSITIONS, type BnPosition } from '../model/variant';

/** The weight layers at BatchNorm positions 1..4, in order. */
export const WEIGHT_LAYERS = ['conv1', 'conv2', 'dense1', 'dense2'] as const;
/** BatchNorm positions, as the model variant names them. */
export const POSITIONS = BN_POSITIONS;
export type Position = BnPosition;

export const batchNormName = (position: Position): string => `bn${position}`;
export const weightLayerName = (position: Position): string => WEIGHT_LAYERS[position - 1]!;

const BATCHNORM_NAME = /^bn[1-4]$/;

/** The positions of the model that hold a BatchNorm, in order. */
export function batchNormPositions(model: LayersModel): Position[] {
  const names = new Set(model.layers.map((layer) => layer.name));
  return POSITIONS.filter((p) => names.has(batchNormName(p)));
}

/**
 * Holds the current values of every non-trainable weight (the moving statistics) until
 * `restore()` writes them back. tf.clone shares the data, so no bytes are copied and the
 * restored weights hold the very values they held.
 */
export function snapshotMovingStatistics(model: LayersModel): { restore(): void } {
  const saved = model.nonTrainableWeights.map((weight) => ({ weight, value: tf.clone(weight.read()) }));
  return {
    restore() {
      for (const { weight, value } of saved.splice(0)) {
        weight.write(value);
        value.dispose();
      }
    },
  };
}

/**
 * Runs `images` through the model layer by layer, BatchNorm layers in training mode, and
 * returns the outputs of the layers named in `keep` (the caller disposes them). Every
 * non-trainable weight (the moving statistics) holds afterwards the very tensor it held before.
 */
export function batchStatisticsForward(model: LayersModel, images: tf.Tensor, keep: ReadonlySet<string>): Map<string, tf.Tensor> {
  const snapshot = snapshotMovingStatistics(model);
  try {
    const kept = tf.tidy(() => {
      const outputs: Record<string, tf.Tensor> = {};
      let x = images;
      for (const layer of model.layers) {
        x = layer.apply(x, { training: BATCHNORM_NAME.test(layer.name) }) as tf.Tensor;
        if (keep.has(layer.name)) outputs[layer.name] = x;
      }
      return outputs;
    });
    return new Map(Object.entries(kept));
  } finally {
    snapshot.restore();
  }
}
