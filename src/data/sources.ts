/**
 * Where a file can come from, in the order tried after the data dir itself: the mirrors the
 * user named and nothing else; or, without mirrors, the system copy and then the public
 * download locations. The environment can redirect the last two, so that tests never touch
 * the system copy or the internet.
 */
import * as path from 'node:path';
import { UsageError } from '../errors';

export const DEFAULT_SYSTEM_DATA_DIR = '/usr/share/datasets/fashion-mnist';
export const DEFAULT_PUBLIC_MIRRORS: readonly string[] = [
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
];

export interface Source {
  kind: 'dir' | 'http';
  /** How the user knows this source: "mirror", "system copy", "public mirror". */
  role: string;
  /** A directory path, or a base URL ending in "/". */
  base: string;
}

/** Checks a mirror given by the user; `origin` is the flag or variable it came from. */
export function parseMirrorUrl(value: string, origin: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new UsageError(
      `${origin}: '${value}' is not an http(s) base URL`,
      'give a URL such as http://host/path/ to which the file names are appended',
    );
  }
  // The base is a directory: without the slash, new URL(name, base) would replace its last part.
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

export function planSources(mirrors: readonly string[], env: NodeJS.ProcessEnv = process.env): Source[] {
  if (mirrors.length > 0) {
    return mirrors.map((m) => ({ kind: 'http', role: 'mirror', base: parseMirrorUrl(m, '--mirror') }));
  }
  const sources: Source[] = [];
  // Set but empty means "no system copy"; unset means the Debian location.
  const systemDir = env.BNLENET_SYSTEM_DATA_DIR ?? DEFAULT_SYSTEM_DATA_DIR;
  if (systemDir !== '') sources.push({ kind: 'dir', role: 'system copy', base: systemDir });
  const publicMirrors =
    env.BNLENET_PUBLIC_MIRRORS === undefined ? DEFAULT_PUBLIC_MIRRORS : splitList(env.BNLENET_PUBLIC_MIRRORS);
  for (const m of publicMirrors) {
    sources.push({ kind: 'http', role: 'public mirror', base: parseMirrorUrl(m, 'BNLENET_PUBLIC_MIRRORS') });
  }
  return sources;
}

export function sourceLocation(source: Source, fileName: string): string {
  if (source.kind === 'http') return new URL(fileName, source.base).href;
  return path.join(source.base, fileName);
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
