/**
 * BatchNorm's learned scale and shift as SVG: one row per layer, x = channel (conv layers) or
 * unit (dense layers), a gamma bar and a beta bar side by side for each. gamma starts at 1 and
 * beta at 0, drawn as dashed lines, so the chart shows how far training moved each one.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { BatchNormParams } from '../../model/batchnorm-params';
import { renderVegaLiteSvg, titleOf, type ChartOptions } from './vega-render';

const PARAMS = ['gamma', 'beta'] as const;
const PARAM_COLORS = ['#1f77b4', '#ff7f0e'];
/** Where training starts each parameter: the book's initialisation. */
const INITIAL = [
  { param: 'gamma', value: 1 },
  { param: 'beta', value: 0 },
];

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
    title: titleOf({ ...options, subtitle: options.subtitle ?? 'dashed lines: the initial values, gamma 1 and beta 0' }),
    data: { values },
    // One chart per layer rather than a facet: layers differ in channel count (6, 16, 120, 84)
    // and range, so each row gets its own axes (concatenated views scale x and y independently).
    vconcat: layers.map((layer, i) => {
      const axis = layer.axis ?? 'channel';
      const color = { field: 'param', type: 'nominal', title: 'parameter', scale: { domain: [...PARAMS], range: PARAM_COLORS } } as const;
      return {
        title: { text: labels[i]!, anchor: 'start', fontSize: 11 },
        width: Math.min(960, Math.max(240, 10 * maxChannels)),
        height: 140,
        layer: [
          {
            transform: [{ filter: { field: 'layer', equal: labels[i]! } }],
            mark: { type: 'bar' },
            encoding: {
              x: { field: 'channel', type: 'ordinal', title: axis, axis: { labelAngle: 0, labelOverlap: 'parity' } },
              xOffset: { field: 'param', type: 'nominal', title: 'parameter', sort: [...PARAMS] },
              y: { field: 'value', type: 'quantitative', title: 'value' },
              color,
            },
          },
          {
            data: { values: INITIAL },
            mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
            encoding: { y: { field: 'value', type: 'quantitative' }, color },
          },
        ],
      };
    }),
    // Each view's gamma/beta offset lives inside its own channel band width.
    resolve: { scale: { xOffset: 'independent' } },
  };
  return renderVegaLiteSvg(spec, options);
}
