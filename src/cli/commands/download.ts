import { Command } from 'commander';

/** Placeholder until the data layer lands: the command exists so --help lists it. */
export function downloadCommand(): Command {
  return new Command('download').description('fetch and verify Fashion-MNIST into the data dir');
}
