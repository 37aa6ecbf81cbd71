/** What one training epoch measured; one line of metrics.jsonl and one printed epoch line. */
export interface EpochMetrics {
  /** 1-based epoch number. */
  epoch: number;
  /** Planned number of epochs for the run. */
  epochs: number;
  /** Mean softmax cross-entropy over the epoch's training batches (training-mode forward). */
  loss: number;
  /** Training accuracy from the same training-mode forward passes. */
  trainAcc: number;
  /** Test accuracy, inference mode (moving statistics), whole test set. */
  testAcc: number;
  /** Training examples over training seconds; evaluation excluded. */
  examplesPerSec: number;
  /** Seconds spent training in this epoch (evaluation excluded). */
  trainSeconds: number;
}
