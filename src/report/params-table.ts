/** BatchNorm parameters as a readable table, one block per layer. */
import type { BatchNormParams } from '../model/batchnorm-params';

const COLUMNS = ['gamma', 'beta', 'moving mean', 'moving var'] as const;

export function paramsTable(layers: BatchNormParams[]): string {
  const lines: string[] = [];
  for (const layer of layers) {
    lines.push('', `BatchNorm layer ${layer.index} (${layer.name}), ${layer.gamma.length} channels`);
    lines.push(['channel', ...COLUMNS].map((h) => h.padStart(12)).join(''));
    layer.gamma.forEach((gamma, c) => {
      const row = [gamma, layer.beta[c]!, layer.movingMean[c]!, layer.movingVariance[c]!];
      lines.push([String(c).padStart(12), ...row.map((v) => v.toFixed(4).padStart(12))].join(''));
    });
  }
  return `${lines.join('\n')}\n`;
}
