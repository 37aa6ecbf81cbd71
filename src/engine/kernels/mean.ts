/** Mean over leading axes in one pass (reduce.ts). */
import { Mean, type KernelConfig } from '@tensorflow/tfjs-core';
import { leadingReduceConfig } from './reduce';

export function meanConfig(backendName: string): KernelConfig {
  return leadingReduceConfig(Mean, backendName, true);
}
