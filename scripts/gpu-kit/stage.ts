/**
 * Copies what the GPU kit runs into a directory: the compiled project (no tests, no source
 * maps), its wasm kernels, package.json, bin/, and the runtime packages pruned to what Node
 * loads on linux x64:
 *   - the TensorFlow.js packages: package.json, the file `main` names (the Node bundle; the
 *     browser, ESM and minified bundles stay behind) and the .wasm files beside it;
 *   - Dawn (`webgpu`): package.json, index.js and dist/linux-x64 (its four other platforms
 *     stay behind);
 *   - every other production dependency whole, less source maps, type declarations and docs;
 *     type-only packages (@types/*, @webgpu/types) not at all.
 * Prints the staged size in bytes. build.sh compresses the result.
 *
 *   node dist/scripts/gpu-kit/stage.js DEST
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');

/** Packages whose unused bundles are many and large: only their Node bundle goes. */
const NODE_BUNDLE_ONLY = /^@tensorflow\//;
const DAWN = 'webgpu';
const DAWN_PLATFORM = 'linux-x64';
const TYPES_ONLY = /^(@types\/|@webgpu\/types$)/;
/** Files no runtime reads. */
const DROPPED_FILE = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts|\.md|\.markdown)$|^(CHANGELOG|README|HISTORY)/i;

function copyFiltered(from: string, to: string, keep: (relative: string, isDir: boolean) => boolean): void {
  cpSync(from, to, {
    recursive: true,
    filter: (src) => {
      const relative = path.relative(from, src);
      return relative === '' || keep(relative, statSync(src).isDirectory());
    },
  });
}

/** Every production dependency, installed anywhere under node_modules, as paths. */
function productionPackages(): string[] {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
  return [...new Set(out.split('\n').filter((line) => line.includes(`${path.sep}node_modules${path.sep}`)))];
}

function stagePackage(dir: string, dest: string): void {
  const relative = dir.slice(dir.indexOf(`${path.sep}node_modules${path.sep}`) + 1);
  const name = relative.split(`node_modules${path.sep}`).pop()!;
  const to = path.join(dest, relative);
  if (TYPES_ONLY.test(name)) return;
  mkdirSync(to, { recursive: true });
  if (name === DAWN) {
    for (const keep of ['package.json', 'index.js', 'LICENSE.md', path.join('dist', DAWN_PLATFORM)]) {
      cpSync(path.join(dir, keep), path.join(to, keep), { recursive: true });
    }
    return;
  }
  if (NODE_BUNDLE_ONLY.test(name)) {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main: string };
    const mainDir = path.dirname(pkg.main);
    cpSync(path.join(dir, 'package.json'), path.join(to, 'package.json'));
    cpSync(path.join(dir, pkg.main), path.join(to, pkg.main));
    for (const file of readdirSync(path.join(dir, mainDir))) {
      if (file.endsWith('.wasm')) cpSync(path.join(dir, mainDir, file), path.join(to, mainDir, file));
    }
    for (const file of readdirSync(dir)) if (/^LICENSE/i.test(file)) cpSync(path.join(dir, file), path.join(to, file));
    return;
  }
  // Nested node_modules are staged as packages of their own.
  copyFiltered(dir, to, (rel) => !rel.startsWith('node_modules') && !DROPPED_FILE.test(path.basename(rel)));
}

function sizeOf(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += statSync(path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)).size;
  }
  return bytes;
}

function main(): void {
  const dest = process.argv[2];
  if (dest === undefined) throw new Error('usage: stage.js DEST');
  mkdirSync(dest, { recursive: true });
  for (const file of ['package.json', 'bin', 'wasm']) {
    copyFiltered(path.join(ROOT, file), path.join(dest, file), (rel) => !/\.(c|sh)$/.test(rel));
  }
  // The compiled project: src and the kit's scripts (and the bench's child runner they use).
  const dist = path.join(ROOT, 'dist');
  copyFiltered(path.join(dist, 'src'), path.join(dest, 'dist', 'src'), (rel) => !rel.endsWith('.map'));
  copyFiltered(path.join(dist, 'scripts', 'gpu-kit'), path.join(dest, 'dist', 'scripts', 'gpu-kit'), (rel) => !rel.endsWith('.map'));
  cpSync(path.join(dist, 'scripts', 'bench', 'child.js'), path.join(dest, 'dist', 'scripts', 'bench', 'child.js'));
  for (const dir of productionPackages()) stagePackage(dir, dest);
  process.stdout.write(`${sizeOf(dest)}\n`);
}

main();
