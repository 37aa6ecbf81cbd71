/**
 * Fashion-MNIST as the training code sees it: two splits of raw bytes. Loading only parses and
 * checks structure; proving the bytes are the originals is prepareDataset's job (prepare.ts).
 */
import * as path from 'node:path';
import { FASHION_MNIST, type DatasetFile, type DatasetSpec } from './fashion-mnist-files';
import { parseIdx, readIdxFile, type IdxArray } from './idx';
import { toSplit, type Split } from './split';

export interface FashionMnist {
  train: Split;
  test: Split;
}

/** Reads the four files from dataDir (gzip or plain), in parallel, each bounded by its known size. */
export async function loadFashionMnist(dataDir: string, spec: DatasetSpec = FASHION_MNIST): Promise<FashionMnist> {
  const results = await Promise.allSettled(spec.files.map((file) => readIdxFile(path.join(dataDir, file.name), file.size)));
  // Report the first bad file in table order, not whichever failed first: same data, same error.
  const arrays = results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
  return assemble((file) => arrays[spec.files.indexOf(file)], dataDir, spec);
}

/** Builds the dataset from already decompressed bytes (as verification leaves them), by file name. */
export function datasetFromContent(content: ReadonlyMap<string, Buffer>, dataDir: string, spec: DatasetSpec = FASHION_MNIST): FashionMnist {
  return assemble((file) => {
    const bytes = content.get(file.name);
    if (bytes === undefined) throw new Error(`internal: no content for ${file.name}`);
    return parseIdx(bytes, path.join(dataDir, file.name));
  }, dataDir, spec);
}

function assemble(arrayOf: (file: DatasetFile) => IdxArray, dataDir: string, spec: DatasetSpec): FashionMnist {
  const splitOf = (split: 'train' | 'test'): Split => {
    const images = fileOf(spec, split, 'images');
    const labels = fileOf(spec, split, 'labels');
    const files = { images: path.join(dataDir, images.name), labels: path.join(dataDir, labels.name) };
    return toSplit(arrayOf(images), arrayOf(labels), files, spec.splitSizes[split]);
  };
  return { train: splitOf('train'), test: splitOf('test') };
}

function fileOf(spec: DatasetSpec, split: 'train' | 'test', kind: 'images' | 'labels'): DatasetFile {
  const file = spec.files.find((f) => f.split === split && f.kind === kind);
  if (file === undefined) throw new Error(`internal: no ${split} ${kind} file in the table`);
  return file;
}
