import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli';
import { useMoto } from '../support/moto';
import { buildReportArchive } from '../support/report-archive';
import type { Browser, Page } from 'playwright-core';

/**
 * The report in a real browser: Debian's Chromium, driven by playwright-core
 * (browser downloads are not possible here, so the system binary is used).
 * .ci/run installs it; without it the test says why it skips.
 */
const CHROMIUM = process.env.IMMUTRAIL_CHROMIUM ?? '/usr/bin/chromium';
/** A report to open instead of one made here, e.g. the demo's (`npm run demo`, then IMMUTRAIL_REPORT_HTML=report.html) for the docs' screenshots. */
const GIVEN_REPORT = process.env.IMMUTRAIL_REPORT_HTML;
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser test`;
if (!HAVE_CHROMIUM) console.warn(`test/browser/report.test.ts skipped: ${SKIP_REASON}`);

/**
 * Run in the page (as text: this project's TypeScript has no DOM types): each chart with the points
 * the browser actually drew (a box of non-zero height) and the rows of its data table.
 */
const CHARTS_IN_PAGE = `[...document.querySelectorAll('svg.chart')].map((svg) => {
  const id = svg.getAttribute('data-chart') || '';
  const rows = document.querySelectorAll('details[data-chart="' + id + '"] tbody tr').length;
  const points = [...svg.querySelectorAll('rect.point')].filter((r) => r.getBoundingClientRect().height > 0).length;
  const box = svg.getBoundingClientRect();
  return { id, points, rows, width: box.width, height: box.height };
})`;

/**
 * Where the screenshots go: a scratch folder, so a test run never rewrites
 * tracked files. The docs' screenshots are made on purpose from the demo's
 * report: IMMUTRAIL_REPORT_HTML=report.html IMMUTRAIL_SCREENSHOT_DIR=docs npx vitest run test/browser.
 */
const SHOTS = process.env.IMMUTRAIL_SCREENSHOT_DIR ? resolve(process.env.IMMUTRAIL_SCREENSHOT_DIR) : mkdtempSync(join(tmpdir(), 'immutrail-report-shots-'));
const WIDTHS = [1280, 390] as const;
const SHOT_MAX_HEIGHT = 4000;

describe.skipIf(!HAVE_CHROMIUM)('the report in headless Chromium', () => {
  const moto = useMoto();
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    url = pathToFileURL(resolve(GIVEN_REPORT ?? (await makeReport()))).href;
    const { chromium } = await import('playwright-core');
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  }, 240_000);

  async function makeReport(): Promise<string> {
    const a = await buildReportArchive(moto.target);
    const out = join(a.work, 'report.html');
    const r = await cli('report', ...a.where, '--from', a.yesterday, '--to', a.tomorrow, '--deployer', 'arn:aws:iam::*:role/deploy-*', '--out', out);
    if (r.code !== 0) throw new Error(`immutrail report exited ${r.code}: ${r.stderr}`);
    return out;
  }

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens the report at a width; collects console errors, page errors and every request that is not the file itself or failed. */
  async function open(width: number): Promise<{ page: Page; problems: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('request', (r) => r.url() !== url && requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
    return { page, problems, requests };
  }

  it.each(WIDTHS)(
    'at %i px: no console error, no request, every chart drawn with its data points; screenshot saved',
    async (width) => {
      const { page, problems, requests } = await open(width);
      try {
        const found = (await page.evaluate(CHARTS_IN_PAGE)) as { id: string; points: number; rows: number; width: number; height: number }[];
        // The report made here draws all five charts; a given one (the demo's) at least one, and no data table without its chart.
        expect(found.length).toBeGreaterThanOrEqual(GIVEN_REPORT ? 1 : 5);
        expect(await page.evaluate("document.querySelectorAll('details[data-chart]').length")).toBe(found.length);
        for (const c of found) {
          expect(c.points, c.id).toBeGreaterThan(0);
          expect(c.points, c.id).toBe(c.rows);
          expect(c.height, c.id).toBeGreaterThan(0);
          expect(c.width, c.id).toBeLessThanOrEqual(width);
        }
        // Nothing wider than the screen but the tables, which scroll inside their own box.
        const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
        expect(overflow).toBeLessThanOrEqual(0);
        mkdirSync(SHOTS, { recursive: true });
        // The top of the page (banner, scope, integrity, completeness) at most: the rest is long tables.
        const height = Math.min(SHOT_MAX_HEIGHT, (await page.evaluate('document.documentElement.scrollHeight')) as number);
        await page.screenshot({ path: join(SHOTS, `report-${width}.png`), fullPage: true, clip: { x: 0, y: 0, width, height } });
        expect(problems).toEqual([]);
        expect(requests).toEqual([]);
      } finally {
        await page.close();
      }
    },
    60_000,
  );
});
