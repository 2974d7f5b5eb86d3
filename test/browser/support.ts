/**
 * What the browser tests share: headless Chromium (Debian's `chromium`, driven by playwright-core) against the whole
 * product (startTestProduct), pages in a fixed locale and a non-UK zone, the demo sign-in, screenshots.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureDashboardBuilt } from '../../web/build';
import type { ProductOptions } from '../../cli/product';
import { startTestProduct, type TestProduct } from '../e2e/harness';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-results', 'screenshots');

export interface BrowserProduct {
  t: TestProduct;
  browser: Browser;
  dashboardUrl: string;
  /** A page in a new context (en-GB, New York time: the dashboard must show UK time whatever the browser's zone). */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Signs in through the demo sign-in as `personaId`, landing on `hash`. */
  signIn(page: Page, personaId: string, hash?: string): Promise<void>;
  shot(page: Page, name: string): Promise<void>;
  stop(): Promise<void>;
}

/** `demoWeek`: seed the demo week (demo/week.ts) as `npm start` does, for views that need a lived-in desk. */
export async function startBrowserProduct(options: Pick<ProductOptions, 'demoWeek'> = {}): Promise<BrowserProduct> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (the CI script does)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await ensureDashboardBuilt({ quiet: true });
  const t = await startTestProduct({}, options);
  const dashboardUrl = `${t.product.gateway.http.url}/dashboard/`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const contexts: BrowserContext[] = [];
  return {
    t,
    browser,
    dashboardUrl,
    async newPage(viewport = { width: 1280, height: 900 }) {
      const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'America/New_York', acceptDownloads: true });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => process.stderr.write(`[page error] ${error.message}\n`));
      return page;
    },
    async signIn(page, personaId, hash = '') {
      await page.goto(`${dashboardUrl}${hash}`);
      await page.locator(`#persona-${personaId}`).check();
      await page.getByRole('button', { name: 'Sign in as demo user' }).click();
      await page.locator('.who-name').waitFor();
    },
    async shot(page, name) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async stop() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await t.stop();
    },
  };
}
