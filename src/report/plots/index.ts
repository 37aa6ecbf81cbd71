/**
 * Plots of a run: SVG charts (vega-lite, loaded on first use) and a plain-text chart for the
 * terminal. Pure functions of the data; callers write the files.
 */
export { renderCompareSvg, renderCurvesSvg, type LabelledRun } from './curves';
export { layerLabel, renderParamsSvg } from './params';
export { renderSweepSvg, type SweepPoint } from './sweep';
export { terminalChart, type TerminalChartOptions } from './terminal-chart';
export type { ChartOptions, RenderOptions } from './vega-render';
