/** RealDiv with the channel-broadcast fast path of binary.ts. */
import { RealDiv, type KernelConfig } from '@tensorflow/tfjs-core';
import { broadcastBinaryConfig } from './binary';

export function divConfig(backendName: string): KernelConfig {
  return broadcastBinaryConfig(RealDiv, backendName);
}
