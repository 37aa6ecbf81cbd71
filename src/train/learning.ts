/**
 * Whether a run learned: Fashion-MNIST has 10 balanced classes, so guessing scores 0.1, and a
 * run whose final training accuracy stays below twice that learned nothing useful (a
 * learning rate far too high, say). One definition for train's warning, summary.json and a
 * sweep's `no-learning` status.
 */
import type { EpochMetrics } from './epoch-metrics';

/** Accuracy of guessing among Fashion-MNIST's 10 balanced classes. */
export const CHANCE_ACCURACY = 0.1;

/** Final training accuracy below this: the run did not learn. */
export const NO_LEARNING_BELOW = 2 * CHANCE_ACCURACY;

export function learned(final: Pick<EpochMetrics, 'trainAcc'>): boolean {
  return final.trainAcc >= NO_LEARNING_BELOW;
}
