/** Reads the BatchNorm layers' state out of a model, whichever variant built it. */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { BatchNormParams } from './batchnorm-params';

const STATE_NAMES = ['gamma', 'beta', 'moving_mean', 'moving_variance'] as const;

/**
 * Every layer holding gamma, beta and moving statistics, in network order, with its position
 * (bn3 is 3; a layer named otherwise gets its 1-based rank). Reads asynchronously:
 * synchronous reads fail on WebGPU under Node.
 */
export async function readBatchNormParams(model: LayersModel): Promise<BatchNormParams[]> {
  const found: BatchNormParams[] = [];
  for (const layer of model.layers) {
    const byName = new Map(layer.weights.map((w) => [w.originalName.split('/').pop()!, w]));
    if (!STATE_NAMES.every((name) => byName.has(name))) continue;
    const values = async (name: (typeof STATE_NAMES)[number]) => Array.from(await byName.get(name)!.read().data());
    // A BatchNorm after a conv sees [N, H, W, C] (one value per channel); after a dense layer, [N, units].
    const rank = (layer.input as unknown as { shape: unknown[] }).shape.length;
    found.push({
      index: Number(/^bn(\d+)$/.exec(layer.name)?.[1] ?? found.length + 1),
      name: layer.name,
      axis: rank === 4 ? 'channel' : 'unit',
      gamma: await values('gamma'),
      beta: await values('beta'),
      movingMean: await values('moving_mean'),
      movingVariance: await values('moving_variance'),
    });
  }
  return found;
}
