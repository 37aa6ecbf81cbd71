/**
 * The `npm install` that adds optional packages (tfjs-node, tfjs-node-gpu, the WebGPU pair) at
 * the versions package.json pins in its optional peer dependencies, the one place they are
 * spelled. In a checkout of this project a plain `npm install <pkg>@<version>` of a package it
 * lists as an optional peer answers "up to date" and installs nothing (npm 11); --save-peer
 * makes npm install it, and --no-save leaves package.json and the lockfile as they are.
 */
const PEERS = (require('../../../package.json') as { peerDependencies: Record<string, string> }).peerDependencies;

/** The version package.json pins for an optional package. */
export function pinnedVersion(pkg: string): string {
  const version = PEERS[pkg];
  if (version === undefined) throw new Error(`internal: ${pkg} is not an optional peer in package.json`);
  return version;
}

export function peerInstallCommand(pkgs: readonly string[]): string {
  return `npm install --no-save --save-peer ${pkgs.map((p) => `${p}@${pinnedVersion(p)}`).join(' ')}`;
}
