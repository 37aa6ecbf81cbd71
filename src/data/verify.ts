/**
 * Proves that fetched or cached bytes are the Fashion-MNIST originals. Accepted: a .gz with
 * the published MD5, or anything (gzip or plain) whose decompressed bytes have the expected
 * SHA-256, which admits re-gzipped copies such as Debian's.
 */
import { createHash } from 'node:crypto';
import type { FileDigests } from './fashion-mnist-files';
import { FileProblem } from './file-problem';
import { decompress, REFETCH_HINT } from './idx';

/**
 * Returns the decompressed bytes, so that the caller can parse them without a second gunzip;
 * decompression stops past the file's known size. `origin` says where the bytes came from
 * (a URL, a path, "data dir") for the error message.
 */
export async function verifyContent(file: FileDigests, raw: Buffer, origin: string): Promise<Buffer> {
  const content = await decompress(raw, `${file.name} from ${origin}`, file.size);
  if (file.gzipMd5 !== undefined && raw !== content && digest('md5', raw) === file.gzipMd5) {
    return content;
  }
  const actual = digest('sha256', content);
  if (actual !== file.sha256) {
    throw new FileProblem(
      `${file.name} from ${origin}`,
      `failed verification: SHA-256 of the decompressed data is ${actual}, expected ${file.sha256}`,
      REFETCH_HINT,
    );
  }
  return content;
}

function digest(algorithm: 'md5' | 'sha256', bytes: Buffer): string {
  return createHash(algorithm).update(bytes).digest('hex');
}
