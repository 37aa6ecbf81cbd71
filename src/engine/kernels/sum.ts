/** Sum over leading axes in one pass (reduce.ts). */
import { Sum, type KernelConfig } from '@tensorflow/tfjs-core';
import { leadingReduceConfig } from './reduce';

export function sumConfig(backendName: string): KernelConfig {
  return leadingReduceConfig(Sum, backendName, false);
}
