/** One short phrase for a file-system error, so messages stay one line without a stack. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a path component is not a directory';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EEXIST') return 'already exists and is not a directory';
  if (code === 'ENOSPC') return 'no space left on device';
  if (code === 'EROFS') return 'read-only file system';
  return (err as Error).message;
}
