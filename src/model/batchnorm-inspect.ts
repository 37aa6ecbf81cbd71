/** Reads the BatchNorm layers' state out of a model, whichever variant built it. */
import { LayersModel } from '@tensorflow/tfjs-layers';
import { BatchNormParams } from './batchnorm-params';

const STATE_NAMES = ['gamma', 'beta', 'moving_mean', 'moving_variance'] as const;

/** Every layer holding gamma, beta and moving statistics, in network order, 1-based. */
export function readBatchNormParams(model: LayersModel): BatchNormParams[] {
  const found: BatchNormParams[] = [];
  for (const layer of model.layers) {
    const byName = new Map(layer.weights.map((w) => [w.originalName.split('/').pop()!, w]));
    if (!STATE_NAMES.every((name) => byName.has(name))) continue;
    const values = (name: (typeof STATE_NAMES)[number]) => Array.from(byName.get(name)!.read().dataSync());
    found.push({
      index: found.length + 1,
      name: layer.name,
      gamma: values('gamma'),
      beta: values('beta'),
      movingMean: values('moving_mean'),
      movingVariance: values('moving_variance'),
    });
  }
  return found;
}
