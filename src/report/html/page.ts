/**
 * One self-contained HTML page: Vega-Lite charts compiled here to Vega specs, drawn in the
 * browser by Vega's runtime, which the page carries inline. Nothing on the page asks for
 * anything outside it, and its Content-Security-Policy forbids it (default-src 'none'), so a
 * report opened from disk, mailed or archived shows the same and never touches the network.
 * Vega compiles its expressions with `new Function`, hence 'unsafe-eval'.
 */
import { readFileSync } from 'node:fs';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';

export interface Chart {
  /** What the chart shows, in one line (also the Vega-Lite title). */
  title: string;
  /** What it teaches, under the chart. */
  caption: string;
  spec: TopLevelSpec;
}

export interface Section {
  heading: string;
  /** Paragraphs or a table, already HTML (built with `escapeHtml` and `table`). */
  html?: string;
  charts: Chart[];
}

export interface Page {
  title: string;
  /** Lines under the title: what the page is of. */
  lead: string[];
  sections: Section[];
}

const CSP = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; color: #222; margin: 2rem auto; max-width: 1180px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .3rem; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.lead { color: #555; margin: .1rem 0; }
figure { margin: 1.2rem 0 1.8rem; }
figcaption { color: #444; max-width: 60rem; margin-top: .4rem; }
.chart { overflow-x: auto; min-height: 2rem; }
.chart-error { color: #b00; }
table { border-collapse: collapse; margin: .6rem 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: .2rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.note { background: #f6f6f0; border-left: 3px solid #cc9; padding: .4rem .8rem; }
`;

/** Draws each chart; a failure is a console error and a line in place of the chart. */
const DRAW = `
for (const figure of document.querySelectorAll('figure[data-chart]')) {
  const target = figure.querySelector('.chart');
  const spec = JSON.parse(document.getElementById(figure.dataset.chart).textContent);
  new vega.View(vega.parse(spec), { renderer: 'svg', container: target, hover: true })
    .runAsync()
    .then(() => { figure.dataset.rendered = 'true'; })
    .catch((err) => {
      console.error('chart ' + figure.dataset.chart + ' failed: ' + err);
      figure.dataset.rendered = 'error';
      target.textContent = 'This chart could not be drawn: ' + err;
      target.className = 'chart chart-error';
    });
}
`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside a <script> element: no "</script>" or "<!--" can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** A table of text cells (escaped here); the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const [header, ...body] = rows;
  const cells = (row: readonly string[], tag: 'th' | 'td') => `<tr>${row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  return `<table>${header ? cells(header, 'th') : ''}${body.map((row) => cells(row, 'td')).join('')}</table>`;
}

export function paragraph(text: string, className?: string): string {
  return `<p${className ? ` class="${className}"` : ''}>${escapeHtml(text)}</p>`;
}

let vegaRuntime: string | undefined;

/** Vega's browser build (the UMD bundle, dependencies included), read once. */
function vegaScript(): string {
  vegaRuntime ??= readFileSync(require.resolve('vega/build/vega.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  return vegaRuntime;
}

/** Compiles a Vega-Lite spec; its warnings go to `onWarning`. */
function toVega(spec: TopLevelSpec, onWarning: (message: string) => void): object {
  const logger = {
    level: () => logger,
    error: (...args: unknown[]) => {
      throw new Error(args.map(String).join(' '));
    },
    warn: (...args: unknown[]) => (onWarning(args.map(String).join(' ')), logger),
    info: () => logger,
    debug: () => logger,
  };
  return compile(spec, { logger: logger as never }).spec;
}

export function renderPage(page: Page, onWarning: (message: string) => void = () => {}): string {
  let count = 0;
  const specs: string[] = [];
  const figure = (chart: Chart): string => {
    const id = `chart-${++count}`;
    specs.push(`<script type="application/json" id="${id}">${scriptJson(toVega({ ...chart.spec, title: chart.title }, onWarning))}</script>`);
    return `<figure data-chart="${id}" data-title="${escapeHtml(chart.title)}"><div class="chart"></div><figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`;
  };
  const sections = page.sections.map(
    (section) => `<section><h2>${escapeHtml(section.heading)}</h2>${section.html ?? ''}${section.charts.map(figure).join('')}</section>`,
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(page.title)}</h1>`,
    ...page.lead.map((line) => paragraph(line, 'lead')),
    ...sections,
    ...specs,
    `<script>${vegaScript()}</script>`,
    `<script>${DRAW}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
