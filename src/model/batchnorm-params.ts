/** The state of one BatchNorm layer as plain numbers, for printing, JSON and plots. */
export interface BatchNormParams {
  /** The layer's position: 1 after conv1, 2 after conv2, 3 after dense1, 4 after dense2. */
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
