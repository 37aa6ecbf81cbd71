/** The state of one BatchNorm layer as plain numbers, for printing, JSON and plots. */
export interface BatchNormParams {
  /** 1-based index among the network's BatchNorm layers (1 is the one after the first conv). */
  index: number;
  /** The layer's name in the model. */
  name: string;
  /** What one value is: a conv layer's channel or a dense layer's unit (absent in older files: channel). */
  axis?: 'channel' | 'unit';
  gamma: number[];
  beta: number[];
  movingMean: number[];
  movingVariance: number[];
}
