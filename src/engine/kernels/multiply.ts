/** Multiply with the channel-broadcast fast path of binary.ts. */
import { Multiply, type KernelConfig } from '@tensorflow/tfjs-core';
import { broadcastBinaryConfig } from './binary';

export function mulConfig(backendName: string): KernelConfig {
  return broadcastBinaryConfig(Multiply, backendName);
}
