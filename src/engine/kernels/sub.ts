/** Sub with the channel-broadcast fast path of binary.ts. */
import { Sub, type KernelConfig } from '@tensorflow/tfjs-core';
import { broadcastBinaryConfig } from './binary';

export function subConfig(backendName: string): KernelConfig {
  return broadcastBinaryConfig(Sub, backendName);
}
