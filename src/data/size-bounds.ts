/**
 * How large a stored copy of a file can be and still be valid. The decompressed size of each
 * file is known exactly (FileDigests.size); a copy is that content, plain or gzipped. Deflate's
 * worst case is 9 bits a byte (fixed Huffman codes on incompressible data; stored blocks cost
 * far less), and a gzip header may carry a name, a comment and up to 64 KiB of extra fields.
 * Anything larger than this bound is refused before it is read, downloaded or decompressed.
 */
const GZIP_HEADER_ALLOWANCE = 64 * 1024;

export function maxStoredBytes(decompressedSize: number): number {
  return decompressedSize + Math.ceil(decompressedSize / 8) + GZIP_HEADER_ALLOWANCE;
}
