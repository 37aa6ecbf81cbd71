/** Add with the channel-broadcast fast path of binary.ts. */
import { Add, type KernelConfig } from '@tensorflow/tfjs-core';
import { broadcastBinaryConfig } from './binary';

export function addConfig(backendName: string): KernelConfig {
  return broadcastBinaryConfig(Add, backendName);
}
