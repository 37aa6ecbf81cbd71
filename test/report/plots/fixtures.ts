/** Epoch rows and BN snapshots for the plot tests, with values that print exactly (0.5, 0.125). */
import type { BatchNormParams } from '../../../src/model/batchnorm-params';
import type { EpochMetrics } from '../../../src/train/epoch-metrics';

const LOSS = [1, 0.5, 0.375, 0.25, 0.1875, 0.125, 0.0625];
const TRAIN_ACC = [0.5, 0.625, 0.75, 0.8125, 0.875, 0.9375, 0.96875];
const TEST_ACC = [0.5, 0.75, 0.625, 0.875, 0.6875, 0.90625, 0.9375];

/** `n` epochs (at most 7) of a run planned for `epochs`: loss falls, accuracies rise, test acc jumps. */
export function epochRows(n: number, epochs = n): EpochMetrics[] {
  return Array.from({ length: n }, (_, i) => ({
    epoch: i + 1,
    epochs,
    loss: LOSS[i],
    trainAcc: TRAIN_ACC[i],
    testAcc: TEST_ACC[i],
    examplesPerSec: 1000,
    trainSeconds: 60,
  }));
}

/** A BN layer whose gamma is 1 + c/8 and beta is -c/8 per channel c. */
export function bnLayer(index: number, channels: number, name = `batch_normalization_${index}`): BatchNormParams {
  const ch = Array.from({ length: channels }, (_, c) => c);
  return {
    index,
    name,
    gamma: ch.map((c) => 1 + c / 8),
    beta: ch.map((c) => -c / 8),
    movingMean: ch.map(() => 0),
    movingVariance: ch.map(() => 1),
  };
}
