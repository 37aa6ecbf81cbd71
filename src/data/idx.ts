/**
 * The IDX format of the MNIST family (http://yann.lecun.com/exdb/mnist/): a big-endian header
 * of two zero bytes, a type byte, a rank byte and one uint32 per dimension, then the values in
 * row-major order. Only type 0x08 (unsigned byte) is read: it is all Fashion-MNIST uses.
 * Files may be gzip-compressed or plain; gzip is told apart by its magic bytes, not the name.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { DataError } from '../errors';
import { readBounded } from './bounded-read';
import { FileProblem } from './file-problem';
import { describeFsError } from '../util/fs-errors';
import { maxStoredBytes } from './size-bounds';

export interface IdxArray {
  shape: number[];
  /** A view on the decompressed buffer: 70,000 images stay one allocation, never JS numbers. */
  data: Uint8Array;
}

export const REFETCH_HINT = 'run `bnlenet download --force` to fetch a fresh verified copy';
export const FETCH_HINT = 'run `bnlenet download` to fetch the dataset';

const TYPE_UNSIGNED_BYTE = 0x08;
const gunzipAsync = promisify(zlib.gunzip);

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Returns the plain bytes, refusing to produce more than `size`, the exact decompressed size
 * of the original: zlib stops as soon as its output passes that, so a gzip bomb costs at most
 * `size` bytes of memory and a moment, not gigabytes. The async gunzip runs on libuv's thread
 * pool, so the four files decompress in parallel and the event loop stays free for progress
 * output and signals.
 */
export async function decompress(bytes: Buffer, file: string, size: number): Promise<Buffer> {
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes, { maxOutputLength: size });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FileProblem(file, `decompresses to more than ${size} bytes, the size of the original`, REFETCH_HINT);
    }
    throw new FileProblem(file, `corrupt gzip data (${(err as Error).message})`, REFETCH_HINT);
  }
}

export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const fail = (what: string): never => {
    throw new FileProblem(file, `not a valid IDX file: ${what}`, REFETCH_HINT);
  };
  if (bytes.length < 4) fail(`truncated header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) fail('bad magic number (the first two bytes must be zero)');
  if (bytes[2] !== TYPE_UNSIGNED_BYTE) {
    fail(`unsupported type byte 0x${hex(bytes[2])} (expected 0x08, unsigned byte)`);
  }
  const rank = bytes[3];
  if (rank === 0) fail('rank 0');
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    fail(`truncated header (${bytes.length} bytes, rank ${rank} needs ${headerLength})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerLength);
  const shape: number[] = [];
  for (let axis = 0; axis < rank; axis++) shape.push(view.getUint32(4 + 4 * axis, false));
  const expected = shape.reduce((product, size) => product * size, 1);
  const actual = bytes.length - headerLength;
  if (actual < expected) {
    fail(`truncated payload (${actual} of ${expected} bytes for shape [${shape.join(', ')}])`);
  }
  if (actual > expected) {
    fail(`length mismatch (${actual} payload bytes, shape [${shape.join(', ')}] needs ${expected})`);
  }
  return { shape, data: bytes.subarray(headerLength) };
}

/**
 * Reads, decompresses and parses one file whose decompressed size is `size` bytes, reading
 * and inflating no more than a valid copy can hold; every failure is a DataError naming the file.
 */
export async function readIdxFile(filePath: string, size: number): Promise<IdxArray> {
  let raw: Buffer;
  try {
    raw = await readBounded(filePath, maxStoredBytes(size));
  } catch (err) {
    if (err instanceof FileProblem) throw new FileProblem(err.where, err.problem, REFETCH_HINT);
    throw new DataError(`cannot read ${filePath}: ${describeFsError(err)}`, FETCH_HINT);
  }
  return parseIdx(await decompress(raw, filePath, size), filePath);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
