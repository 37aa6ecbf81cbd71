/**
 * Turns a parsed images file and labels file into one split, checking what the parser cannot
 * know: which file is which, that the counts agree, and that labels are class indices.
 */
import { DataError } from '../errors';
import { IMAGE_COLS, IMAGE_ROWS, NUM_CLASSES } from './fashion-mnist-files';
import { REFETCH_HINT, type IdxArray } from './idx';

export interface Split {
  /** count * 28 * 28 bytes, row-major, one image after another; pixel values 0..255. */
  images: Uint8Array;
  /** count bytes, each a class index 0..9. */
  labels: Uint8Array;
  count: number;
  rows: typeof IMAGE_ROWS;
  cols: typeof IMAGE_COLS;
}

export interface SplitFiles {
  images: string;
  labels: string;
}

export function toSplit(images: IdxArray, labels: IdxArray, files: SplitFiles, expectedCount?: number): Split {
  const fail = (message: string): never => {
    throw new DataError(message, REFETCH_HINT);
  };
  const [count, rows, cols] = images.shape;
  if (images.shape.length !== 3 || rows !== IMAGE_ROWS || cols !== IMAGE_COLS) {
    fail(
      `${files.images}: expected images of shape [N, 28, 28], found [${images.shape.join(', ')}]` +
        (images.shape.length === 1 ? ' (this looks like a labels file)' : ''),
    );
  }
  if (labels.shape.length !== 1) {
    fail(
      `${files.labels}: expected labels of shape [N], found [${labels.shape.join(', ')}]` +
        (labels.shape.length === 3 ? ' (this looks like an images file)' : ''),
    );
  }
  if (labels.shape[0] !== count) {
    fail(`${files.images} holds ${count} images but ${files.labels} holds ${labels.shape[0]} labels`);
  }
  if (expectedCount !== undefined && count !== expectedCount) {
    fail(`${files.images} holds ${count} images, expected ${expectedCount}`);
  }
  const bad = labels.data.findIndex((label) => label >= NUM_CLASSES);
  if (bad >= 0) fail(`${files.labels}: label ${labels.data[bad]} at index ${bad} is not a class 0..9`);
  return { images: images.data, labels: labels.data, count, rows: IMAGE_ROWS, cols: IMAGE_COLS };
}

/** The first `limit` examples of a split (views, no copy); the whole split when limit is unset. */
export function firstExamples(split: Split, limit?: number): Split {
  if (limit === undefined || limit >= split.count) return split;
  const pixels = split.rows * split.cols;
  return { ...split, count: limit, images: split.images.subarray(0, limit * pixels), labels: split.labels.subarray(0, limit) };
}
