/** BatchNorm parameters as a readable table, one block per layer. */
import type { BatchNormParams } from '../model/batchnorm-params';

const COLUMNS = ['gamma', 'beta', 'moving mean', 'moving var'] as const;
/** Layers up to this wide are printed channel by channel; wider ones (dense: 120, 84) as a summary. */
export const FULL_TABLE_CHANNELS = 16;
/** The channels a summary shows before its statistics over all channels. */
const SUMMARY_HEAD = 6;

export interface ParamsTableOptions {
  /** Every channel of every layer, however wide; default: wide layers summarized. */
  allChannels?: boolean;
  /** How to ask for every channel, named under a summarized layer. */
  allChannelsHint?: string;
}

const cells = (label: string, values: number[]) => [label.padStart(12), ...values.map((v) => v.toFixed(4).padStart(12))].join('');

export function paramsTable(layers: BatchNormParams[], options: ParamsTableOptions = {}): string {
  const lines: string[] = [];
  for (const layer of layers) {
    const count = layer.gamma.length;
    const rowOf = (c: number) => [layer.gamma[c]!, layer.beta[c]!, layer.movingMean[c]!, layer.movingVariance[c]!];
    const summarized = !options.allChannels && count > FULL_TABLE_CHANNELS;
    lines.push('', `BatchNorm layer ${layer.index} (${layer.name}), ${count} channels${summarized ? `: the first ${SUMMARY_HEAD}, then over all ${count}` : ''}`);
    lines.push(['channel', ...COLUMNS].map((h) => h.padStart(12)).join(''));
    const shown = summarized ? SUMMARY_HEAD : count;
    for (let c = 0; c < shown; c++) lines.push(cells(String(c), rowOf(c)));
    if (!summarized) continue;
    const columns = COLUMNS.map((_, k) => Array.from({ length: count }, (_, c) => rowOf(c)[k]!));
    lines.push(cells('...', []));
    lines.push(cells('min', columns.map((values) => Math.min(...values))));
    lines.push(cells('mean', columns.map((values) => values.reduce((a, b) => a + b, 0) / values.length)));
    lines.push(cells('max', columns.map((values) => Math.max(...values))));
    if (options.allChannelsHint) lines.push(`(every one of the ${count} channels: ${options.allChannelsHint})`);
  }
  return `${lines.join('\n')}\n`;
}
