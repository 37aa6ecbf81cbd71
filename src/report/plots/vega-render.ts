/**
 * Vega-Lite spec -> SVG string, headless (vega's View with renderer 'none', then toSVG()).
 * vega and vega-lite are loaded on first use with a dynamic import(), so that requiring the
 * report layer (and so every CLI start) does not pay for them; later calls reuse the modules.
 */
import type { TopLevelSpec } from 'vega-lite';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

let modules: Promise<{ vega: Vega; vegaLite: VegaLite }> | undefined;

function loadVega(): Promise<{ vega: Vega; vegaLite: VegaLite }> {
  if (!modules) {
    modules = Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite }));
    // A failed load (e.g. a broken install) is not kept: the next call tries again.
    modules.catch(() => {
      modules = undefined;
    });
  }
  return modules;
}

export interface RenderOptions {
  /** Receives the warnings of vega-lite's compiler and of vega's runtime; dropped without it. */
  onWarning?: (message: string) => void;
}

/** What every chart takes: its title (and a line under it), and where vega's warnings go. */
export interface ChartOptions extends RenderOptions {
  title: string;
  subtitle?: string;
}

/** The chart's title block for a spec. */
export function titleOf(options: ChartOptions): string | { text: string; subtitle: string } {
  return options.subtitle ? { text: options.title, subtitle: options.subtitle } : options.title;
}

/** Compile a Vega-Lite spec and render it to a standalone SVG document. */
export async function renderVegaLiteSvg(spec: TopLevelSpec, options: RenderOptions = {}): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  const warn = (...args: readonly unknown[]): void => options.onWarning?.(args.map(String).join(' '));
  const logger = vega.logger(vega.Warn);
  logger.warn = (...args: readonly unknown[]) => {
    warn(...args);
    return logger;
  };
  const { spec: vegaSpec } = vegaLite.compile(spec, { logger });
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none', logger });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
