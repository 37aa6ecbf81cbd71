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

/** Cross-entropy of guessing uniformly among the 10 classes: ln 10. */
export const CHANCE_LOSS = Math.log(10);

/**
 * What to try after a run that did not learn. A loss well above chance's means the steps
 * overshoot (the learning rate is too high); a loss at chance's means the network is still on
 * its plateau (sigmoids saturated, or too few steps): more steps, or another learning rate.
 */
export function noLearningAdvice(final: Pick<EpochMetrics, 'loss'>, lr: number): string {
  if (!(final.loss <= CHANCE_LOSS + 0.05)) return `try a smaller --lr than ${lr}`;
  return `its loss is still at chance level (ln 10 = ${CHANCE_LOSS.toFixed(3)}): train longer (more epochs or images), or try another --lr than ${lr}`;
}

export function learned(final: Pick<EpochMetrics, 'trainAcc'>): boolean {
  return final.trainAcc >= NO_LEARNING_BELOW;
}
