/** Builds IDX files in memory for tests, valid or deliberately broken. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface IdxFixture {
  /** Dimensions written in the header. */
  shape: number[];
  /** The payload; defaults to product(shape) bytes counting up from 0. */
  data?: Uint8Array;
  /** The type byte; 0x08 (unsigned byte) unless a test wants it wrong. */
  type?: number;
}

export function makeIdx({ shape, data, type = 0x08 }: IdxFixture): Buffer {
  const size = shape.reduce((a, b) => a * b, 1);
  const payload = data ?? Uint8Array.from({ length: size }, (_, i) => i % 256);
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((dim, axis) => header.writeUInt32BE(dim, 4 + 4 * axis));
  return Buffer.concat([header, payload]);
}

export function gzipIdx(fixture: IdxFixture): Buffer {
  return gzipSync(makeIdx(fixture));
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * A gzip bomb: concatenated gzip members of zeros (gunzip reads every member), small on disk
 * but `decompressedBytes` long once inflated. Built member by member, so making one of 2 GiB
 * takes a moment and 16 MiB of memory, not 2 GiB.
 */
export function gzipBomb(decompressedBytes: number, memberBytes = 16 * 2 ** 20): Buffer {
  const full = gzipSync(Buffer.alloc(memberBytes), { level: 9 });
  const members: Buffer[] = [];
  for (let left = decompressedBytes; left > 0; left -= memberBytes) {
    members.push(left >= memberBytes ? full : gzipSync(Buffer.alloc(left), { level: 9 }));
  }
  return Buffer.concat(members);
}
