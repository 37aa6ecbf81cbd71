/**
 * Random images and labels of Fashion-MNIST's shapes, for timing where the data set cannot go
 * (as the PyTorch reference's --synthetic N): the same bytes for a given seed on every
 * backend and machine, so WebGPU and wasm train on the same batches.
 */
import { IMAGE_COLS, IMAGE_ROWS, NUM_CLASSES, type Split } from '../../src/data';
import { SeededRandom } from '../../src/train/shuffle';

export function syntheticSplit(count: number, seed: number): Split {
  const random = new SeededRandom(seed);
  const images = new Uint8Array(count * IMAGE_ROWS * IMAGE_COLS);
  for (let i = 0; i < images.length; i++) images[i] = Math.floor(random.next() * 256);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = Math.floor(random.next() * NUM_CLASSES);
  return { images, labels, count, rows: IMAGE_ROWS, cols: IMAGE_COLS };
}
