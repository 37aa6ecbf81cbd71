/**
 * The data layer's public face: the only module the layers above import from it (tests and
 * scripts may reach its parts directly).
 */
export { resolveDataDir } from './data-dir';
export type { DataEvent, DataEventListener } from './events';
export { loadFashionMnist, type FashionMnist } from './fashion-mnist';
export { FASHION_MNIST, FASHION_MNIST_FILES, type DatasetSpec, IMAGE_COLS, IMAGE_ROWS, NUM_CLASSES, SPLIT_SIZES } from './fashion-mnist-files';
export { DEADLINE_VARIABLE, DEFAULT_HTTP_OPTIONS, type HttpOptions } from './http-options';
export { parseIdx, readIdxFile, type IdxArray } from './idx';
export { prepareDataset, type PrepareOptions } from './prepare';
export { DEFAULT_PUBLIC_MIRRORS, DEFAULT_SYSTEM_DATA_DIR, parseMirrorUrl } from './sources';
export { firstExamples, type Split } from './split';
export { datasetSpec, TEST_DATA_VARIABLE } from './test-data';
