/**
 * A real headless Chromium (Debian's, installed by `bash scripts/setup.sh --browser`) driven
 * by playwright-core, for the tests that open the HTML report as a user does. Under CI (env CI
 * set) a missing browser fails the test; elsewhere the test is skipped with a line saying how
 * to install it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestContext } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { REPO_ROOT } from './cli';

export const CHROMIUM = process.env.BNLENET_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots the tests save, to be looked at (gitignored). */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results');

/** As this workplace's machines run it: no sandbox as root, and nothing of its own on the network. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** False (and the test skipped, with a visible line) when there is no browser and this is not CI. */
export function browserAvailable(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `no Chromium at ${CHROMIUM}: install it with \`bash scripts/setup.sh --browser\` (or set BNLENET_CHROMIUM)`;
  if (process.env.CI) throw new Error(`${why}; CI must run the browser tests`);
  process.stdout.write(`# skipped: ${why}\n`);
  t.skip(why);
  return false;
}

export interface OpenedPage {
  consoleErrors: string[];
  /** Every request the page made other than for the page itself. */
  requests: string[];
  /** Per figure: its Vega render state and how many mark elements (paths, rects, ...) it drew. */
  charts: { title: string; rendered: string | null; marks: number; width: number; height: number }[];
  /** The aria-labels of the point marks (not legend symbols) of chart `index`: Vega's SVG writes one per point. */
  pointLabels(index: number): Promise<string[]>;
  screenshot(name: string): Promise<string>;
}

/** Opens `file` in a fresh headless Chromium profile; `use` runs while it is open. */
export async function withReportPage(file: string, use: (page: OpenedPage) => Promise<void>): Promise<void> {
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const profile = mkdtempSync(path.join(tmpdir(), 'bnlenet-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.setViewportSize({ width: 1280, height: 900 });
    const url = pathToFileURL(path.resolve(file)).href;
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => void (message.type() === 'error' && consoleErrors.push(message.text())));
    page.on('pageerror', (error) => void consoleErrors.push(error.message));
    page.on('request', (request) => void (request.url() !== url && requests.push(request.url())));
    await page.goto(url);
    // Browser-side code as strings: this project compiles without the DOM's types.
    await page.waitForFunction("[...document.querySelectorAll('figure[data-chart]')].every((f) => f.dataset.rendered)", null, { timeout: 60_000 });
    const charts = (await page.evaluate(`[...document.querySelectorAll('figure[data-chart]')].map((figure) => {
      const box = figure.querySelector('svg')?.getBoundingClientRect();
      return {
        title: figure.dataset.title ?? '',
        rendered: figure.dataset.rendered ?? null,
        marks: figure.querySelectorAll('.role-mark > path, .role-mark > rect, .role-mark > line, .role-mark > g').length,
        width: box?.width ?? 0,
        height: box?.height ?? 0,
      };
    })`)) as OpenedPage['charts'];
    await use({
      consoleErrors,
      requests,
      charts,
      pointLabels: async (index) =>
        (await page.evaluate(
          `[...document.querySelectorAll('figure[data-chart]')[${index}].querySelectorAll('.mark-symbol.role-mark path')].map((p) => p.getAttribute('aria-label') ?? '')`,
        )) as string[],
      async screenshot(name) {
        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const target = path.join(SCREENSHOT_DIR, name);
        await page.screenshot({ path: target, fullPage: true });
        return target;
      },
    });
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
