/**
 * The four Fashion-MNIST files and the digests that prove a copy is the original.
 * The SHA-256 is of the decompressed bytes, so a re-gzipped copy (Debian's) verifies too;
 * the MD5 is the one published for the original .gz files.
 */
export interface FileDigests {
  /** The original file name, which the file keeps in the data dir. */
  name: string;
  /** SHA-256 of the decompressed IDX bytes. */
  sha256: string;
  /**
   * Length of the decompressed IDX bytes, exact: the bound on what decompressing any copy may
   * produce, and (with size-bounds.ts) on how large a stored copy may be.
   */
  size: number;
  /** MD5 of the published .gz file, when one is published. */
  gzipMd5?: string;
}

export interface DatasetFile extends FileDigests {
  split: 'train' | 'test';
  kind: 'images' | 'labels';
}

/**
 * A data set the tool can train on: its four files with their digests, and how many examples
 * each split holds. FASHION_MNIST (below) is the only one a user meets; test-data.ts reads a
 * smaller one that the test suite cuts from it.
 */
export interface DatasetSpec {
  files: readonly DatasetFile[];
  splitSizes: { train: number; test: number };
  /** Set for a test data set: what it is and where its digests came from, for messages. */
  testManifest?: string;
}

export const IMAGE_ROWS = 28;
export const IMAGE_COLS = 28;
export const NUM_CLASSES = 10;
export const SPLIT_SIZES = { train: 60_000, test: 10_000 } as const;

// Sizes: a 16-byte header (magic, 3 dimensions) and N x 28 x 28 pixels for images; an 8-byte
// header (magic, 1 dimension) and N labels for labels.
export const FASHION_MNIST_FILES: readonly DatasetFile[] = [
  {
    name: 'train-images-idx3-ubyte.gz',
    size: 47_040_016,
    split: 'train',
    kind: 'images',
    sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    gzipMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  },
  {
    name: 'train-labels-idx1-ubyte.gz',
    size: 60_008,
    split: 'train',
    kind: 'labels',
    sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    gzipMd5: '25c81989df183df01b3e8a0aad5dffbe',
  },
  {
    name: 't10k-images-idx3-ubyte.gz',
    size: 7_840_016,
    split: 'test',
    kind: 'images',
    sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    gzipMd5: 'bef4ecab320f06d8554ea6380940ec79',
  },
  {
    name: 't10k-labels-idx1-ubyte.gz',
    size: 10_008,
    split: 'test',
    kind: 'labels',
    sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
    gzipMd5: 'bb300cfdad3c16e7a12a480ee83cd310',
  },
];

export const FASHION_MNIST: DatasetSpec = { files: FASHION_MNIST_FILES, splitSizes: SPLIT_SIZES };
