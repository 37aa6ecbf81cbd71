/**
 * Fashion-MNIST as the training code sees it: two splits of raw bytes. Loading only parses and
 * checks structure; proving the bytes are the originals is prepareDataset's job (prepare.ts).
 */
import * as path from 'node:path';
import { FASHION_MNIST_FILES, SPLIT_SIZES, type DatasetFile } from './fashion-mnist-files';
import { parseIdx, readIdxFile, type IdxArray } from './idx';
import { toSplit, type Split } from './split';

export interface FashionMnist {
  train: Split;
  test: Split;
}

/** Reads the four files from dataDir (gzip or plain), in parallel, each bounded by its known size. */
export async function loadFashionMnist(dataDir: string): Promise<FashionMnist> {
  const results = await Promise.allSettled(
    FASHION_MNIST_FILES.map((file) => readIdxFile(path.join(dataDir, file.name), file.size)),
  );
  // Report the first bad file in table order, not whichever failed first: same data, same error.
  const arrays = results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
  return assemble((file) => arrays[FASHION_MNIST_FILES.indexOf(file)], dataDir);
}

/** Builds the dataset from already decompressed bytes (as verification leaves them), by file name. */
export function datasetFromContent(content: ReadonlyMap<string, Buffer>, dataDir: string): FashionMnist {
  return assemble((file) => {
    const bytes = content.get(file.name);
    if (bytes === undefined) throw new Error(`internal: no content for ${file.name}`);
    return parseIdx(bytes, path.join(dataDir, file.name));
  }, dataDir);
}

function assemble(arrayOf: (file: DatasetFile) => IdxArray, dataDir: string): FashionMnist {
  const splitOf = (split: 'train' | 'test'): Split => {
    const images = fileOf(split, 'images');
    const labels = fileOf(split, 'labels');
    const files = { images: path.join(dataDir, images.name), labels: path.join(dataDir, labels.name) };
    return toSplit(arrayOf(images), arrayOf(labels), files, SPLIT_SIZES[split]);
  };
  return { train: splitOf('train'), test: splitOf('test') };
}

function fileOf(split: 'train' | 'test', kind: 'images' | 'labels'): DatasetFile {
  const file = FASHION_MNIST_FILES.find((f) => f.split === split && f.kind === kind);
  if (file === undefined) throw new Error(`internal: no ${split} ${kind} file in the table`);
  return file;
}
