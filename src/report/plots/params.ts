/**
 * BatchNorm's learned scale and shift as SVG: one row per layer, x = channel, a gamma bar and a
 * beta bar side by side per channel. gamma starts at 1 and beta at 0, so the chart shows how
 * far training moved each channel.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { BatchNormParams } from '../../model/batchnorm-params';
import { renderVegaLiteSvg, type ChartOptions } from './vega-render';

const PARAMS = ['gamma', 'beta'] as const;
const PARAM_COLORS = ['#1f77b4', '#ff7f0e'];

/** "BN1 (batch_normalization_1)": the layer's 1-based index and its name in the model. */
export function layerLabel(layer: Pick<BatchNormParams, 'index' | 'name'>): string {
  return `BN${layer.index} (${layer.name})`;
}

/** gamma and beta per channel of the given layers, one facet row per layer, in the given order. */
export function renderParamsSvg(layers: readonly BatchNormParams[], options: ChartOptions): Promise<string> {
  const labels = layers.map(layerLabel);
  const values = layers.flatMap((layer, i) =>
    PARAMS.flatMap((param) => layer[param].map((value, channel) => ({ layer: labels[i], channel, param, value }))),
  );
  const maxChannels = Math.max(1, ...layers.map((l) => Math.max(l.gamma.length, l.beta.length)));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    data: { values },
    // One chart per layer rather than a facet: layers differ in channel count (6, 16, 120, 84)
    // and range, so each row gets its own axes (concatenated views scale x and y independently).
    vconcat: labels.map((label) => ({
      title: { text: label, anchor: 'start', fontSize: 11 },
      transform: [{ filter: { field: 'layer', equal: label } }],
      width: Math.min(960, Math.max(240, 10 * maxChannels)),
      height: 140,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'channel', type: 'ordinal', title: 'channel', axis: { labelAngle: 0, labelOverlap: 'parity' } },
        xOffset: { field: 'param', type: 'nominal', title: 'parameter', sort: [...PARAMS] },
        y: { field: 'value', type: 'quantitative', title: 'value' },
        color: {
          field: 'param',
          type: 'nominal',
          title: 'parameter',
          scale: { domain: [...PARAMS], range: PARAM_COLORS },
        },
      },
    })),
    // Each view's gamma/beta offset lives inside its own channel band width.
    resolve: { scale: { xOffset: 'independent' } },
  };
  return renderVegaLiteSvg(spec, options);
}
