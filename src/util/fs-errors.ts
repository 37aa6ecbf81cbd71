/**
 * File-system errors as one line a user can act on: which path, what is wrong with it, and
 * what to do. Node's own messages ("ENOENT: no such file or directory, mkdir ...") name the
 * syscall and often a temporary path; these name the file the user asked for.
 */
import { BnlenetError } from '../errors';

/** Codes a user can fix by choosing another path or freeing space, each with its phrase. */
const CAUSES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists and is not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'a name in that path is longer than the file system allows (255 bytes)',
};

export function fsErrorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in CAUSES ? code : undefined;
}

/** Whether `err` says the disk is full (or over quota): every later write there fails too. */
export function isDiskFull(err: unknown): boolean {
  const code = err instanceof FileSystemError ? err.code : fsErrorCode(err);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** One short phrase for a file-system error, so messages stay one line without a stack. */
export function describeFsError(err: unknown): string {
  const code = fsErrorCode(err);
  return code ? CAUSES[code]! : err instanceof Error ? err.message : String(err);
}

/** A file-system operation that failed on `path`: exit 1, the path and the cause named. */
export class FileSystemError extends BnlenetError {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    action: string,
    cause: string,
    hint?: string,
  ) {
    super(`cannot ${action} ${path}: ${cause}`, 1, hint);
    this.name = 'FileSystemError';
  }
}

/**
 * The FileSystemError for `err`, raised while doing `action` ("write", "create") on `path`;
 * `hint` says what to do (a default one follows from the cause).
 */
export function fileSystemError(err: unknown, action: string, path: string, hint?: string): FileSystemError {
  if (err instanceof FileSystemError) return err;
  const code = fsErrorCode(err);
  const defaultHint =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'free some space on that disk, or choose a directory on another one'
      : code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
        ? 'choose a directory you can write to'
        : code === 'ENAMETOOLONG'
          ? 'choose a shorter name'
          : undefined;
  return new FileSystemError(path, code, action, describeFsError(err), hint ?? defaultHint);
}
